"""Escalation by level in the staff chat: Hand over offers "escalate to L{n+1}"; supervisors use /level."""

from __future__ import annotations

from dialogue.messages import Bot
from dialogue.payloads import PayloadSigner
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import joined, open_ticket_as
from ticket_core.enums import OfferStatus, TicketStatus
from ticket_core.working_hours import WeeklyHours


def only_ticket(uows: MemoryUnitOfWorkFactory):
    return next(iter(uows.state.tickets.values()))


async def test_an_l1_engineer_escalates_to_l2_and_the_client_is_told(
    chat: ChatDriver, anna: Person, smirnov: Person, sokolova: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    miller = Person(Bot.STAFF, "e-miller", "John", "en")  # L1, printers, Moscow
    await chat.say(smirnov, "/shift off")  # the L2 printer engineer is away when the ticket opens
    await open_ticket_as(chat, anna, "The printer prints blank pages", "Printers", "Head office")
    assert "HD-1001" in joined(chat.new_texts(miller))
    await chat.press(miller, "Accept")
    await chat.say(smirnov, "/shift on")
    chat.new_texts(anna)

    got = await chat.press(miller, "Hand over")
    assert "Hand HD-1001 over to another engineer? Why?" in got[0]
    assert "escalate it to L2" in got[0]
    got = await chat.press(miller, "⬆ Escalate to L2")
    assert got == ["Why does HD-1001 need an L2 engineer? Say briefly what was done and what is in the way."]
    got = await chat.say(miller, "Fuser unit fault, needs a board-level repair")
    assert got == ["HD-1001 is escalated to L2; it will be offered to engineers of that level and above."]
    card = chat.cards(miller, "job:1001")[-1]  # his card of the job: no actions left for him
    assert "HD-1001" in card.text and not [b for row in card.buttons for b in row if b.payload]

    ticket = only_ticket(uows)
    assert ticket.min_level == 2 and ticket.assignee_id is None and ticket.status is TicketStatus.OFFERED
    offer = joined(chat.new_texts(smirnov))
    assert "Новая заявка HD-1001" in offer and "уровень L2 (нужен L2+)" in offer
    assert chat.new_texts(anna) == [
        "Request HD-1001 needs a more senior specialist, who will take over. We will tell you when the "
        "engineer accepts it."
    ]
    # The audit log has the level change with who, from, to and why.
    [raised] = [e for e in uows.state.events if e["name"] == "ticket_level_raised"]
    assert raised["actor"]["id"] == "e-miller"
    assert raised["data"] == {
        "from_level": 1,
        "to_level": 2,
        "reason": "Fuser unit fault, needs a board-level repair",
        "from_engineer_id": "e-miller",
        "returned_to_queue": True,
    }
    # The L1 engineer is not offered it again, and nobody below L2 is.
    assert {o.engineer_id for o in uows.state.offers.values() if o.status is OfferStatus.PENDING} == {
        "e-smirnov"
    }

    # L2 -> L3: no L3 printer engineer exists, so supervisors are told why nobody got it.
    await chat.press(smirnov, "Принять")
    await chat.press(smirnov, "Передать другому")
    await chat.press(smirnov, "⬆ Эскалировать на L3")
    got = await chat.say(smirnov, "Нужна замена платы, это к L3")
    assert got == ["HD-1001 эскалирована на L3; её предложат инженерам этого уровня и выше."]
    alert = joined(chat.new_texts(sokolova))
    assert "HD-1001" in alert and "1 ниже уровня L3" in alert  # the reason in the supervisor's language


async def test_an_l3_engineer_cannot_escalate(
    chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    got = await chat.press(petrov, "Передать другому")
    assert "Передать HD-1001 другому инженеру? Почему?" in got[0]
    assert "выше уровня нет" in got[0]
    assert not chat.messages(petrov)[-1].buttons
    # An escalate button for an L3 (an old card) is refused with the reason, and nothing changes.
    payload = PayloadSigner("test-secret").sign(str(Bot.STAFF), "e-petrov", "jb:z:1001")
    got = await chat.send_inbound(petrov, payload=payload)
    assert len(got) == 1 and "L3 is the highest level" in got[0]
    ticket = only_ticket(uows)
    assert ticket.min_level == 1 and ticket.assignee_id == "e-petrov"


async def test_a_supervisor_sets_the_level_and_the_engineer_below_it_is_taken_off(
    chat: ChatDriver, ivan: Person, petrov: Person, sokolova: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    kozlov = Person(Bot.STAFF, "e-kozlov", "Дмитрий")  # plumbing, L2
    await chat.say(petrov, "/shift off")
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await chat.press(kozlov, "Принять")
    await chat.say(petrov, "/shift on")
    chat.new_texts(ivan)
    chat.new_texts(kozlov)

    assert await chat.say(sokolova, "/level") == [
        "Уровень заявки: /level HD-1001 2 [причина] — только инженеры L2 и выше смогут её взять."
    ]
    got = await chat.say(sokolova, "/level HD-1001 3 Нужна сварка трубы")
    assert got == ["HD-1001: теперь нужен инженер L3. Заявка снова ищет исполнителя."]
    assert chat.new_texts(kozlov) == ["Заявке HD-1001 теперь нужен инженер L3; её передадут ему. Спасибо!"]
    assert "Новая заявка HD-1001" in joined(chat.new_texts(petrov))
    assert "специалист более высокого уровня" in joined(chat.new_texts(ivan))
    ticket = only_ticket(uows)
    assert ticket.min_level == 3 and ticket.assignee_id is None

    got = await chat.say(sokolova, "/level HD-1001 2")  # not higher: a clear answer, nothing changes
    assert len(got) == 1 and "L3" in got[0]
    assert only_ticket(uows).min_level == 3
    got = await chat.say(kozlov, "/level HD-1001 3")  # engineers have no /level
    assert "/jobs" in got[0]


async def test_profile_shows_level_regions_and_hours(
    chat: ChatDriver, smirnov: Person, sokolova: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    got = await chat.say(smirnov, "/profile")
    assert got == [
        "Алексей Смирнов, L2\nНавыки: Компьютеры и сеть, Принтеры и МФУ, Другое\nРегионы: Москва (MOW), Московская область (MOS), "
        "Санкт-Петербург (SPB)\nЧасовой пояс: Москва, UTC+3\n"
        "Часы работы: не заданы (в любое время на смене)\n"
        "Сейчас: на смене. Вне часов работы заявки не предлагаются (срочные P1 — только если больше некому)."
    ]
    uows.state.staff["e-smirnov"].working_hours = WeeklyHours.parse("mon-fri 09:00-18:00")
    assert "Часы работы: пн-пт 09:00-18:00" in (await chat.say(smirnov, "/profile"))[0]
    assert await chat.say(sokolova, "/profile") == ["Профиль с часами и регионами есть у инженеров."]
