"""SLA alerts as transcripts: a breach reaches the supervisor with buttons, and each button does its job."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dialogue import sla_answers
from dialogue.conversation import load_state
from dialogue.engine import DialogueEngine
from dialogue.identity import resolve_staff
from dialogue.messages import Bot, Channel, Inbound
from dialogue.outgoing import Outgoing
from dialogue.payloads import PayloadSigner, SlaExtendBy
from dialogue.turn import Turn
from helpdesk.demo.loader import load_directory, read_directory
from helpdesk.sla_worker import SlaWorker
from tests.fakes.memory_uow import SlaMemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock
from ticket_core import usecases as uc
from ticket_core.enums import Priority, TicketStatus
from ticket_core.model import Actor
from ticket_core.usecases.sla import reschedule

SECRET = "test-secret"


def joined(texts: list[str]) -> str:
    return "\n---\n".join(texts)


@pytest.fixture
async def suows() -> SlaMemoryUnitOfWorkFactory:
    factory = SlaMemoryUnitOfWorkFactory()
    async with factory() as uow:
        await load_directory(uow, read_directory())
        await uow.commit()
    return factory


@pytest.fixture
def sla_engine(suows: SlaMemoryUnitOfWorkFactory, clock: Clock) -> DialogueEngine:
    return DialogueEngine(suows, PayloadSigner(SECRET), kb=None, nlu=None, clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def schat(sla_engine: DialogueEngine) -> ChatDriver:
    return ChatDriver(sla_engine.handle)


async def breached_job(
    sla_engine: DialogueEngine,
    schat: ChatDriver,
    clock: Clock,
    petrov: Person,
    suows: SlaMemoryUnitOfWorkFactory,
) -> int:
    """Ivan's P1 hvac ticket at the Nevsky site, accepted by Petrov, then 4 h pass: the SLA is breached."""

    async def open_it(uow, now: datetime) -> None:  # type: ignore[no-untyped-def]
        draft = uc.TicketDraft(
            "romashka", "hvac", "Кондиционер течёт", Priority.P1, "romashka-ivan", "rom-nevsky"
        )
        ticket = await uc.open_ticket(uow, Actor.system(), draft, now)
        await reschedule(uow, ticket, now)

    await sla_engine.run_system(open_it)
    # The offer card went to Petrov through the outbox; he accepts it in chat.
    card = next(m for m in suows.state.outbox if m["chat_id"] == "e-petrov")
    schat.received.setdefault((str(Bot.STAFF), "e-petrov"), []).append(_outbound(card))
    await schat.press(petrov, "Принять")
    worker = SlaWorker(sla_engine, sweep_every=0)
    clock.advance(hours=3)
    await _tick(worker, schat)
    clock.advance(hours=1)
    await _tick(worker, schat)
    return 1001


def _outbound(row: dict):  # type: ignore[no-untyped-def]
    from dialogue.messages import Outbound

    return Outbound.from_dict(row["payload"])


async def _tick(worker: SlaWorker, schat: ChatDriver) -> None:
    """Run one worker tick and deliver what it put in the outbox to the transcript's inboxes."""
    uows = worker.engine.uow_factory
    before = len(uows.state.outbox)  # type: ignore[attr-defined]
    await worker.tick()
    for row in uows.state.outbox[before:]:  # type: ignore[attr-defined]
        out = _outbound(row)
        schat.received.setdefault((str(out.bot), out.chat_id), []).append(out)


async def test_warning_goes_to_the_assignee_and_breach_to_the_supervisor_with_buttons(
    sla_engine, schat, clock, petrov, sokolova, suows
) -> None:
    await breached_job(sla_engine, schat, clock, petrov, suows)
    petrov_texts = joined(schat.new_texts(petrov))
    assert "⚠ HD-1001: срок решения подходит к концу" in petrov_texts
    # The assignee's warning carries the job (docs/sla.md: "Open job"), and the button brings its live card.
    warning = next(m for m in schat.messages(petrov) if m.text.startswith("⚠ HD-1001"))
    assert [b.text for row in warning.buttons for b in row] == ["Открыть заявку"]
    card = joined(await schat.press(petrov, "Открыть заявку"))
    assert "HD-1001" in card and "Кондиционер течёт" in card
    alert = joined(schat.new_texts(sokolova))
    assert "🚨 Нарушен SLA решения: HD-1001" in alert and "Исполнитель: Сергей Петров" in alert
    labels = [b.text for m in schat.messages(sokolova) for row in m.buttons for b in row]
    # A P1 job: no "Raise priority" (it is at the top; pressing it only said "not now").
    assert labels == ["Переназначить", "Беру на себя", "Продлить срок"]
    # exactly one alert per level, even after another tick at the same time
    await _tick(SlaWorker(sla_engine, sweep_every=0), schat)
    assert schat.new_texts(sokolova) == [] and schat.new_texts(petrov) == []
    assert sorted(k[2] for k in suows.sla_state.alerts) == [0, 1]


async def test_acknowledge_records_who(sla_engine, schat, clock, petrov, sokolova, suows) -> None:
    await breached_job(sla_engine, schat, clock, petrov, suows)
    schat.new_texts(sokolova)
    got = await schat.press(sokolova, "Беру на себя")
    assert got == ["Вы взяли на контроль HD-1001. Остальные руководители увидят это."]
    ticket = next(iter(suows.state.tickets.values()))
    alert = suows.sla_state.alerts[(ticket.id, "resolution", 1)]
    assert alert.acknowledged_by == "s-sokolova" and alert.acknowledged_at == clock.now
    got = await schat.press(sokolova, "Беру на себя")
    assert got == ["HD-1001 уже на контроле: Ольга Соколова."]
    assert suows.sla_state.alerts[(ticket.id, "resolution", 1)].acknowledged_at == alert.acknowledged_at


async def test_raise_priority(sla_engine, schat, clock, ivan, petrov, sokolova, suows) -> None:
    tid = None
    # a P2 job this time, so there is room to raise it
    async with suows() as uow:
        draft = uc.TicketDraft("romashka", "hvac", "Не греет", Priority.P2, "romashka-ivan", "rom-nevsky")
        ticket = await uc.open_ticket(uow, Actor.system(), draft, clock.now)
        await reschedule(uow, ticket, clock.now)
        await uow.commit()
        tid = ticket.id
    clock.advance(hours=8)
    await _tick(
        SlaWorker(sla_engine, sweep_every=0), schat
    )  # nobody took it: warning and breach to supervisors
    assert "Нарушен SLA" in joined(schat.new_texts(sokolova))
    got = joined(await schat.press(sokolova, "Повысить приоритет"))
    assert "Приоритет HD-1001 повышен: Авария" in got
    assert suows.state.tickets[tid].priority is Priority.P1
    # the client hears the new promise in their language and the site's time zone
    # P1 is 4 h from the opening at 12:00 Moscow time: already past, so the promise is the breach instant
    assert schat.new_texts(ivan) == [
        "По заявке HD-1001 ожидаемый срок решения: до 16:00 в понедельник, 2 марта."
    ]


async def test_reassign_to_the_queue_and_to_a_named_engineer(
    sla_engine, schat, clock, petrov, sokolova, suows
) -> None:
    kozlov = Person(Bot.STAFF, "e-kozlov", "Козлов", "ru")
    await breached_job(sla_engine, schat, clock, petrov, suows)
    schat.new_texts(petrov)
    got = await schat.press(sokolova, "Переназначить")
    assert "Кому передать HD-1001? Сейчас она у Сергея Петрова." in joined(got)
    labels = [b.text for row in schat.messages(sokolova)[-1].buttons for b in row]
    assert labels[0] == "Вернуть в очередь" and "Сергей Петров" not in labels
    got = await schat.press(sokolova, "Вернуть в очередь")
    assert "HD-1001 возвращена в очередь" in joined(got)
    assert "передали другому исполнителю" in joined(schat.new_texts(petrov))
    card = schat.cards(petrov, "job:1001")[-1]  # the job's card in Petrov's chat: no actions left for him
    assert not [b for row in card.buttons for b in row if b.payload]
    ticket = next(iter(suows.state.tickets.values()))
    assert ticket.status is TicketStatus.OFFERED and ticket.assignee_id is None
    offers = sorted(suows.state.offers.values(), key=lambda o: o.created_at)
    assert offers[-1].engineer_id != "e-petrov"
    # now hand it to Kozlov by name; nobody has it meanwhile (it read "Сейчас у: не назначен")
    got = await schat.press(sokolova, "Переназначить")
    assert "Кому передать HD-1001? Сейчас она ни у кого." in joined(got)
    # Whom to pick, and why: each engineer's level, skills and load (#18: the list showed names only).
    assert "✅ — умеет «Кондиционеры и вентиляция»" in joined(got)
    assert "\n✅ Дмитрий Козлов: L2, Кондиционеры и вентиляция, " in joined(got)
    mariya = "\n▫️ Мария Иванова: L1, Компьютеры и сеть, Электрика и освещение, Принтеры и МФУ; заявок 0 из 3"
    assert mariya in joined(got)
    got = await schat.press(sokolova, "Дмитрий Козлов")
    assert "предложена инженеру" in joined(got)
    card = [m for m in suows.state.outbox if m["chat_id"] == "e-kozlov"]
    assert card and "HD-1001" in card[-1]["payload"]["text"]
    assert kozlov.account == "e-kozlov"


async def test_reassign_offers_no_engineer_the_clients_contract_excludes(
    sla_engine, schat, clock, petrov, sokolova, suows
) -> None:
    await breached_job(sla_engine, schat, clock, petrov, suows)
    contract = suows.state.contracts["k-romashka"]
    contract.excluded_engineers = ("e-kozlov",)  # Romashka does not want Kozlov on its sites
    await schat.press(sokolova, "Переназначить")
    labels = [b.text for row in schat.messages(sokolova)[-1].buttons for b in row]
    assert "Дмитрий Козлов" not in labels and "Вернуть в очередь" in labels  # the use case refuses him too


async def test_an_engineer_pressing_a_supervisor_button_is_refused(
    sla_engine, schat, clock, petrov, sokolova, suows
) -> None:
    await breached_job(sla_engine, schat, clock, petrov, suows)
    schat.new_texts(petrov)
    # A validly signed SLA action for Petrov's own account (e.g. from when he stood in as supervisor).
    payload = PayloadSigner(SECRET).sign(str(Bot.STAFF), "e-petrov", "sla:p:1001")
    await schat._send(petrov, payload=payload)
    assert schat.new_texts(petrov) == [
        "Эти кнопки — для руководителей смены. Если нужно продлить срок или передать заявку, напишите руководителю."
    ]
    assert next(iter(suows.state.tickets.values())).priority is Priority.P1
    assert [e["name"] for e in suows.state.events].count("priority_changed") == 0


async def test_extend_asks_a_reason_then_a_duration(
    sla_engine, schat, clock, petrov, sokolova, suows
) -> None:
    """The reason is typed as the next message: `sla_alerts.on_text` takes it (called here like the staff flow)."""
    await breached_job(sla_engine, schat, clock, petrov, suows)
    schat.new_texts(sokolova)
    got = await schat.press(sokolova, "Продлить срок")
    assert got == ["Почему продлеваем срок HD-1001? Напишите причину одним сообщением."]
    async with suows() as uow:
        inbound = Inbound(
            Channel.WEB, Bot.STAFF, "s-sokolova", "s-sokolova", "x-1", text="Клиент закрыл доступ"
        )
        key = f"{inbound.channel}:{inbound.bot}:{inbound.chat_id}:{inbound.sender_id}"
        state = await load_state(uow.conversations, key)
        person = await resolve_staff(uow, inbound)
        assert person is not None
        turn = Turn(inbound, uow, Outgoing(PayloadSigner(SECRET)), clock.now, state, "ru")
        assert await sla_answers.on_text(turn, person, "Клиент закрыл доступ")
        assert turn.out.messages[0].text == "На сколько продлить HD-1001?"
        assert [b.text for b in turn.out.messages[0].buttons[0]] == ["30 мин", "1 ч", "2 ч", "4 ч", "1 д"]
        await sla_answers.on_button(turn, person, SlaExtendBy(1001, 120))
        assert "HD-1001 got" not in turn.out.messages[-1].text
        assert turn.out.messages[-1].text.startswith("Срок HD-1001 продлён на 2 ч: Клиент закрыл доступ.")
        assert turn.state.awaiting is None and "awaiting" not in turn.state.to_dict()
        await uow.commit()
    ext = [e for e in suows.state.events if e["name"] == "sla_extended"]
    assert ext and ext[0]["data"]["minutes"] == 120 and ext[0]["actor"]["id"] == "s-sokolova"


async def test_extend_through_the_engine(sla_engine, schat, clock, petrov, sokolova, suows) -> None:
    await breached_job(sla_engine, schat, clock, petrov, suows)
    await schat.press(sokolova, "Продлить срок")
    got = await schat.say(sokolova, "Ждём допуск на объект")
    assert got == ["На сколько продлить HD-1001?"]
    got = await schat.press(sokolova, "2 ч")
    assert joined(got).startswith("Срок HD-1001 продлён на 2 ч: Ждём допуск на объект.")
    assert "продлён на 2 ч" in joined(schat.new_texts(petrov))
    # the timer moved: 6 h target, next rung (150 % = 9 h counted) well after now
    timer = next(iter(suows.sla_state.timers.values()))
    assert timer.due_at is not None and timer.due_at > clock.now + timedelta(hours=4)


async def test_later_levels_reach_senior_engineers_and_admins(
    sla_engine, schat, clock, petrov, sokolova, suows
) -> None:
    await breached_job(sla_engine, schat, clock, petrov, suows)
    kozlov = Person(Bot.STAFF, "e-kozlov", "Дмитрий")  # hvac, level 2
    admin = Person(Bot.STAFF, "a-admin", "Admin", "en")
    schat.new_texts(kozlov)
    worker = SlaWorker(sla_engine, sweep_every=0)
    clock.advance(hours=2)  # 150 % of the P1 resolution target: level L2
    await _tick(worker, schat)
    assert "эскалирована на уровень L2" in joined(schat.new_texts(kozlov))
    assert "Escalation level" in joined(schat.new_texts(admin))
    assert "эскалирована" not in joined(schat.new_texts(petrov))  # the L3 assignee is not told to take over


async def test_alerts_about_a_job_nobody_has_carry_the_supervisors_buttons(
    sla_engine, schat, clock, sokolova, suows
) -> None:
    # A working day's stumble: the 75 % warning (and "no engineer") reached supervisors without buttons.
    async with suows() as uow:
        draft = uc.TicketDraft("romashka", "hvac", "Не греет", Priority.P2, "romashka-ivan", "rom-nevsky")
        ticket = await uc.open_ticket(uow, Actor.system(), draft, clock.now)
        await reschedule(uow, ticket, clock.now)
        await uow.commit()
    clock.advance(hours=7)
    await _tick(SlaWorker(sla_engine, sweep_every=0), schat)
    warnings = [m for m in schat.messages(sokolova) if "подходит к концу" in m.text]
    assert warnings, [m.text for m in schat.messages(sokolova)]
    assert [b.text for row in warnings[-1].buttons for b in row] == ["Переназначить", "Повысить приоритет"]


async def test_no_engineer_available_comes_with_buttons(
    chat: ChatDriver, ivan, petrov, sokolova, uows
) -> None:
    from tests.unit.dialogue.test_transcripts import open_ticket_as

    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    for _ in range(6):  # every plumbing engineer says no
        offered = [o for o in uows.state.offers.values() if o.status.value == "pending"]
        if not offered:
            break
        engineer = Person(Bot.STAFF, offered[0].engineer_id, "E", "ru")
        await chat.press(engineer, "Отклонить")
        await chat.press(engineer, "Занят")
    alert = [m for m in chat.messages(sokolova) if m.text.startswith("Нет инженера для HD-1001")]
    assert alert, [m.text for m in chat.messages(sokolova)]
    assert [b.text for row in alert[-1].buttons for b in row] == ["Переназначить", "Повысить приоритет"]
