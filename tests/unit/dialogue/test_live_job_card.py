"""One live card per job (#18: "staff cards die after one press"): the offer becomes the job card, and every
step updates that card in place with the actions that fit the job's state, instead of a new card each time."""

from __future__ import annotations

from dialogue.messages import Outbound
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import finish_job, open_ticket_as


def cards(chat: ChatDriver, person: Person, key: str = "job:1001") -> list[Outbound]:
    return chat.cards(person, key)


def labels(out: Outbound) -> list[str]:
    return [b.text for row in out.buttons for b in row]


async def test_the_job_card_is_one_card_updated_in_place(
    chat: ChatDriver, ivan: Person, petrov: Person
) -> None:
    await open_ticket_as(chat, ivan, "Кондиционер гудит и капает", "Кондиционеры", "Ромашка на Невском")
    offer = cards(chat, petrov)
    assert len(offer) == 1 and offer[0].card_new and "Принять" in labels(offer[0])

    await chat.press(petrov, "Принять")
    card = cards(chat, petrov)[-1]
    assert not card.card_new and "HD-1001" in card.text  # the offer turned into the job card
    assert {"В пути", "На месте", "Выполнено"} <= set(labels(card))

    await chat.press(petrov, "В пути")
    await chat.press(petrov, "На месте")
    await chat.location(petrov, 59.9321, 30.3482)
    card = cards(chat, petrov)[-1]
    assert "в работе" in card.text and "На месте" not in labels(card)  # already on site
    assert "Выполнено" in labels(card) and "Ожидание" in labels(card)

    await chat.press(petrov, "Написать клиенту")
    await chat.say(petrov, "Буду через 10 минут")
    await chat.press(petrov, "Заметка")
    await chat.say(petrov, "Ключ у охраны")
    assert [c.card_new for c in cards(chat, petrov)] == [True] + [False] * (len(cards(chat, petrov)) - 1)

    await chat.say(petrov, "/jobs")  # asked for again: a new card at the bottom, the older one retired
    assert cards(chat, petrov)[-1].card_new


async def test_a_resolved_job_leaves_its_card_without_buttons(
    chat: ChatDriver, ivan: Person, petrov: Person
) -> None:
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await finish_job(chat, petrov, "Заменил прокладку")
    card = cards(chat, petrov)[-1]
    assert "выполнена" in card.text and not [b for row in card.buttons for b in row if b.payload]


async def test_a_declined_offer_says_so_in_its_card(chat: ChatDriver, ivan: Person, petrov: Person) -> None:
    """#18: after Decline the offer's card kept saying "HD-1001 — новая" with its SLA line. It must say it
    was declined, in place (the same card, not a new one), with no SLA line and no buttons to press."""
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await chat.press(petrov, "Отклонить")
    await chat.press(petrov, "Далеко")
    card = cards(chat, petrov)[-1]
    assert not card.card_new and len(cards(chat, petrov)) == 2  # the offer's card, brought up to date
    assert card.text.startswith("HD-1001 — вы отклонили") and "новая" not in card.text, card.text
    assert "SLA" not in card.text and "Срок" not in card.text, card.text
    assert not [b for row in card.buttons for b in row if b.payload], card.buttons


async def test_the_cards_keep_the_clients_lines(chat: ChatDriver, ivan: Person, petrov: Person) -> None:
    """The question the KB did not answer and the details typed after it stay on their own lines (the
    client's summary shows them so), in the offer and in the job card."""
    await open_ticket_as(
        chat, ivan, "Кондиционер течёт\nТечёт уже второй день", "Кондиционеры", "Ромашка на Невском"
    )
    assert "Кондиционер течёт\nТечёт уже второй день" in cards(chat, petrov)[0].text
    await chat.press(petrov, "Принять")
    assert "Кондиционер течёт\nТечёт уже второй день" in cards(chat, petrov)[-1].text
