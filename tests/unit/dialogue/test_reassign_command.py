"""`/reassign HD-1001 [engineer]` in the staff chat: a supervisor gives a job in work to another engineer (a
working day's leftover, #18: only the SLA alert's button and the admin could)."""

from __future__ import annotations

from dialogue.messages import Bot
from dialogue.reassign_command import matching
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import joined, open_ticket_as
from ticket_core.enums import Role, TicketStatus
from ticket_core.model import StaffMember


def kozlov() -> Person:
    return Person(Bot.STAFF, "e-kozlov", "Дмитрий")


def admin() -> Person:
    return Person(Bot.STAFF, "a-admin", "Admin", "en")


async def _in_work(chat: ChatDriver, ivan: Person, petrov: Person) -> None:
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    chat.new_texts(petrov)


def _reassigned(uows: MemoryUnitOfWorkFactory) -> list[dict]:
    return [e for e in uows.state.events if e["name"] == "ticket_reassigned"]


async def test_a_supervisor_names_the_engineer_and_the_job_is_offered_to_them(
    chat: ChatDriver, ivan: Person, petrov: Person, sokolova: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    engineer = kozlov()
    await _in_work(chat, ivan, petrov)
    got = await chat.say(sokolova, "/reassign HD-1001 Козлову")  # a declined surname is the engineer's too
    assert got == ["HD-1001 предложена инженеру Дмитрию Козлову."]
    offer = joined(chat.new_texts(engineer))
    assert "Новая заявка HD-1001" in offer and "Почему вы: выбрала Ольга Соколова" in offer
    assert chat.new_texts(petrov) == [
        "Заявку HD-1001 передали другому исполнителю (решение руководителя Ольги Соколовой). "
        "Работать по ней больше не нужно."
    ]
    ticket = next(iter(uows.state.tickets.values()))
    assert ticket.status is TicketStatus.OFFERED and ticket.assignee_id is None
    [event] = _reassigned(uows)  # the audit: who, from whom, to whom
    assert event["actor"]["id"] == "s-sokolova"
    assert event["data"] == {"previous_assignee_id": "e-petrov", "to_engineer_id": "e-kozlov", "reason": None}


async def test_without_a_name_the_candidates_come_as_buttons_as_the_alert_shows_them(
    chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    engineer, boss = kozlov(), admin()
    await _in_work(chat, ivan, petrov)
    [question] = await chat.say(boss, "/reassign 1001")
    lines = question.split("\n")
    assert lines[:3] == [
        "Who gets HD-1001? Now with Sergey Petrov.",
        "✅ — can do Plumbing",
        "✅ Dmitry Kozlov: L2, Air conditioning, Heating and boilers, Plumbing; jobs 0 of 3",
    ]
    [out] = chat.messages(boss)[-1:]
    labels = [b.text for row in out.buttons for b in row]
    assert labels[:2] == ["Back to the queue", "Дмитрий Козлов"] and "Сергей Петров" not in labels
    assert _reassigned(uows) == []  # asking changes nothing
    assert await chat.press(boss, "Дмитрий Козлов") == ["HD-1001 was offered to Dmitry Kozlov."]
    assert "Новая заявка HD-1001" in joined(chat.new_texts(engineer))
    assert [e["data"]["to_engineer_id"] for e in _reassigned(uows)] == ["e-kozlov"]


async def test_an_engineer_a_bad_number_or_an_unknown_name_changes_nothing(
    chat: ChatDriver, ivan: Person, petrov: Person, sokolova: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    engineer = kozlov()
    await _in_work(chat, ivan, petrov)
    refusal = ["Только руководитель может переназначать работу. Обратитесь к дежурному руководителю."]
    assert await chat.say(petrov, "/reassign HD-1001 Козлов") == refusal  # the use case refuses an engineer
    assert await chat.say(petrov, "/reassign HD-1001") == refusal  # and shows them no list
    assert await chat.say(sokolova, "/reassign") == [
        "Передать заявку другому инженеру: /reassign HD-1001 Смирнов. Без имени я покажу, кому её можно передать."
    ]
    assert await chat.say(sokolova, "/reassign HD-9999 Козлов") == [
        "Заявки HD-9999 нет. Проверьте номер и попробуйте снова."
    ]
    [got] = await chat.say(sokolova, "/reassign HD-1001 Сидоров")
    assert got.startswith("Инженера «Сидоров» нет.\nКому передать HD-1001? Сейчас она у Сергея Петрова.")
    [got] = await chat.say(sokolova, "/reassign HD-1001 с")
    assert got.startswith(
        "Под «с» подходят несколько инженеров: Сергей Петров, Алексей Смирнов.\nКому передать"
    )
    got = await chat.say(sokolova, "/reassign HD-1001 Петров")  # the one who has it
    assert got == ["HD-1001 уже у исполнителя Сергей Петров."]
    ticket = next(iter(uows.state.tickets.values()))
    assert ticket.assignee_id == "e-petrov" and ticket.status is not TicketStatus.OFFERED
    assert _reassigned(uows) == [] and chat.new_texts(engineer) == []


async def test_reassign_is_in_the_supervisors_help_and_menu(
    chat: ChatDriver, petrov: Person, sokolova: Person
) -> None:
    boss = admin()
    [help_text] = await chat.say(sokolova, "/help")
    assert "/reassign HD-1001 [имя] — передать заявку другому инженеру" in help_text
    assert "/reassign HD-1001 [name] - give a job to another engineer" in (await chat.say(boss, "/help"))[0]
    assert "/reassign" not in (await chat.say(petrov, "/help"))[0]
    menu = [name for name, _ in chat.messages(sokolova)[-1].menu]
    assert menu == ["queue", "reassign", "level", "report", "profile", "help"]


def test_a_name_is_matched_by_its_words_their_starts_and_a_declined_surname() -> None:
    staff = [
        StaffMember("e-smirnov", "Алексей Смирнов", Role.ENGINEER),
        StaffMember("e-semenov", "Алёна Семёнова", Role.ENGINEER),
        StaffMember("e-miller", "John Miller", Role.ENGINEER),
    ]
    ids = lambda wanted: [m.id for m in matching(staff, wanted)]  # noqa: E731
    assert ids("смирнов") == ids("Алексей Смир") == ids("Смирнову") == ids("E-SMIRNOV") == ["e-smirnov"]
    assert ids("Алена") == ["e-semenov"]  # ё read as е
    assert ids("Ал") == ["e-smirnov", "e-semenov"] and ids("Петров") == [] and ids("john mil") == ["e-miller"]
