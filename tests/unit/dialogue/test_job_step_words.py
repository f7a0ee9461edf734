"""#18 stumbles on the job card: a check-in far from the site is asked about, not taken silently; "Message the
client" asks for a message when the engineer starts the talk, and for a reply when the client wrote last."""

from __future__ import annotations

from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import open_ticket_as
from ticket_core.enums import TicketStatus

NEVSKY = (59.9321, 30.3482)  # the site "Ромашка на Невском"
PETROGRADKA = (59.9610, 30.3050)  # another site, about 4 km away


async def test_a_check_in_far_from_the_site_is_asked_about_and_taken_only_when_confirmed(
    chat: ChatDriver, ivan: Person, petrov: Person, uows
) -> None:
    await open_ticket_as(chat, ivan, "Кондиционер гудит и капает", "Кондиционеры", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    await chat.press(petrov, "На месте")
    got = await chat.location(petrov, *PETROGRADKA)
    assert got[0].startswith("Геопозиция в 4,") and "км от объекта по HD-1001" in got[0]
    assert "отметка не поставлена" in got[0]
    events = [e["name"] for e in uows.state.events]
    assert "engineer_on_site" not in events  # nothing recorded: it was taken silently before
    ticket = next(iter(uows.state.tickets.values()))
    assert ticket.status is TicketStatus.ACCEPTED

    got = await chat.press(petrov, "Я на месте")  # the site's pin is off: the engineer says so
    assert "Отметка на месте по HD-1001: 4," in got[0] and "км от объекта" in got[0]
    on_site = [e for e in uows.state.events if e["name"] == "engineer_on_site"]
    assert len(on_site) == 1 and on_site[0]["data"]["distance_km"] > 4  # the distance stays in the audit
    # The same button again checks in nothing twice: the location it meant was used.
    assert await chat.press(petrov, "Я на месте") == [
        "Эта кнопка устарела или не для вас. Напишите, что нужно, или /help."
    ]
    assert [e["name"] for e in uows.state.events].count("engineer_on_site") == 1


async def test_a_check_in_at_the_site_is_taken_at_once(
    chat: ChatDriver, ivan: Person, petrov: Person, uows
) -> None:
    await open_ticket_as(chat, ivan, "Кондиционер гудит и капает", "Кондиционеры", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    await chat.press(petrov, "На месте")
    got = await chat.location(petrov, *NEVSKY)
    assert got[0].startswith("Отметка на месте по HD-1001: 0,0 км")
    assert [e["name"] for e in uows.state.events].count("engineer_on_site") == 1


async def test_message_the_client_asks_for_a_message_and_reply_asks_for_a_reply(
    chat: ChatDriver, ivan: Person, petrov: Person, clock
) -> None:
    await open_ticket_as(chat, ivan, "Кондиционер гудит и капает", "Кондиционеры", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    got = await chat.press(petrov, "Написать клиенту")  # nobody wrote yet: the engineer starts the talk
    assert got == ["Напишите сообщение клиенту по HD-1001 (одним сообщением)."]
    got = await chat.say(petrov, "Буду через 10 минут")
    assert "Сообщение по HD-1001 отправлено клиенту." in got
    clock.advance(minutes=2)
    await chat.say(ivan, "Ключ у охраны")
    chat.new_texts(petrov)
    got = await chat.press(petrov, "Ответить клиенту")  # the client wrote last: now it is a reply
    assert got == ["Напишите ответ клиенту по HD-1001 (одним сообщением)."]
    got = await chat.say(petrov, "Хорошо, спасибо")
    assert "Ответ по HD-1001 отправлен клиенту." in got
