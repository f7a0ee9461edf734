"""A thread per ticket in the staff group: topic or card, status posts, notes and client messages from it."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Bot, Channel, Inbound, Outbound, ThreadOp
from dialogue.payloads import PayloadSigner
from dialogue.staff_group import StaffGroup, topic_name
from tests.fakes.fake_kb import FakeKnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock
from tests.unit.dialogue.test_transcripts import open_ticket_as
from ticket_core import usecases as uc
from ticket_core.enums import Role, TicketStatus, Visibility
from ticket_core.model import Actor, ThreadState

GROUP = "-1001234567890"
SMIRNOV_TG = "7001"
_ids = itertools.count(1)


def make_engine(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, forum: bool
) -> DialogueEngine:
    group = StaffGroup(GROUP, forum=forum, lang="ru")
    return DialogueEngine(
        uows,  # type: ignore[arg-type]
        PayloadSigner("test-secret"),
        kb=kb,
        clock=clock,
        staff_group=group,
    )


def group_rows(uows: MemoryUnitOfWorkFactory) -> list[Outbound]:
    return [Outbound.from_dict(r["payload"]) for r in uows.state.outbox if r["chat_id"] == GROUP]


def anna_texts(uows: MemoryUnitOfWorkFactory) -> list[str]:
    return [r["payload"]["text"] for r in uows.state.outbox if r["chat_id"] == "acme-anna"]


def group_texts(uows: MemoryUnitOfWorkFactory, since: int = 0) -> list[str]:
    return [o.text for o in group_rows(uows)[since:] if o.text]


async def in_group(engine: DialogueEngine, sender: str, text: str, **kw: Any) -> list[Outbound]:
    """A message written in the staff group (a forum topic: thread_id; a reply thread: reply_to)."""
    inbound = Inbound(
        Channel.TELEGRAM, Bot.STAFF, GROUP, sender, f"tg:staff:{next(_ids)}", text=text, lang="ru", **kw
    )
    return await engine.handle(inbound)


async def link_smirnov(engine: DialogueEngine) -> None:
    inbound = Inbound(
        Channel.TELEGRAM,
        Bot.STAFF,
        SMIRNOV_TG,
        SMIRNOV_TG,
        f"tg:staff:{next(_ids)}",
        text="/start SMIRNOV-2026",
    )
    assert "Алексей Смирнов" in (await engine.handle(inbound))[0].text


@pytest.fixture
def anna() -> Person:
    return Person(Bot.CLIENT, "acme-anna", "Anna", "en")


async def test_forum_topic_per_ticket_with_notes_client_messages_and_status(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, anna: Person
) -> None:
    engine = make_engine(uows, kb, clock, forum=True)
    chat = ChatDriver(engine.handle)
    await link_smirnov(engine)
    await open_ticket_as(chat, anna, "The printer prints blank pages", "Printers", "Head office")
    ticket = next(iter(uows.state.tickets.values()))

    create, card, offered = group_rows(uows)[:3]
    assert create.thread_op is ThreadOp.CREATE_TOPIC and create.thread_of == ticket.id
    assert create.thread_title == "HD-1001 · ACME Logistics · Принтеры и МФУ"
    assert card.thread_op is None and card.thread_of == ticket.id and card.thread_id is None
    assert card.text.startswith("🆕 HD-1001 · Обычная") and "The printer prints blank pages" in card.text
    assert offered.text.startswith("📨 Предложена: Алексей Смирнов (навык: Принтеры и МФУ")
    thread = uows.state.threads[ticket.id]
    assert (thread.forum, thread.state, thread.thread_id) == (True, ThreadState.OPENING, None)

    # The delivery loop records the topic once Telegram created it (see helpdesk.delivery).
    async with uows() as uow:
        uow.threads.created(ticket.id, thread_id="77")
        await uow.commit()

    # A staff member's message in the topic is an internal note; nothing is said back.
    to_anna = len(anna_texts(uows))
    assert await in_group(engine, SMIRNOV_TG, "Картридж заказан, привезут завтра", thread_id="77") == []
    [note] = uows.state.comments
    assert (note.visibility, note.author.id, note.text) == (
        Visibility.INTERNAL,
        "e-smirnov",
        "Картридж заказан, привезут завтра",
    )
    assert len(anna_texts(uows)) == to_anna  # nothing for the client
    # "!" marks a message for the client: a public comment, relayed by the usual notification.
    replies = await in_group(engine, SMIRNOV_TG, "! I will come tomorrow at 10:00", thread_id="77")
    assert [(r.text, r.thread_id) for r in replies if r.chat_id == GROUP] == [("➜ Отправлено клиенту.", "77")]
    assert uows.state.comments[-1].visibility is Visibility.PUBLIC
    assert "I will come tomorrow at 10:00" in anna_texts(uows)[-1]
    # Empty client text: a hint, nothing recorded.
    replies = await in_group(engine, SMIRNOV_TG, "/client@helpdesk_bot", thread_id="77")
    assert replies[0].text.startswith("Напишите текст для клиента") and len(uows.state.comments) == 2

    # Someone who is not linked staff: one polite refusal, then silence; nothing is recorded.
    refused = await in_group(engine, "999", "what is this?", thread_id="77")
    assert "только сообщения сотрудников" in refused[0].text and refused[0].thread_id == "77"
    assert await in_group(engine, "999", "hello?", thread_id="77") == []
    # Chatter outside tickets' topics is not the bot's business.
    assert await in_group(engine, SMIRNOV_TG, "кто на обед?") == []
    assert await in_group(engine, SMIRNOV_TG, "в другой теме", thread_id="12") == []
    assert len(uows.state.comments) == 2

    # Status changes are posted to the topic; resolving closes it, reopening opens it again.
    smirnov = Actor(Role.ENGINEER, "e-smirnov", name="Алексей Смирнов")
    before = len(group_rows(uows))
    await engine.run_system(lambda uow, now: uc.accept_offer(uow, smirnov, ticket.id, now))
    assert ticket.lat is not None and ticket.lon is not None
    lat, lon = ticket.lat + 0.0036, ticket.lon  # about 0.4 km north of the site
    await engine.run_system(lambda uow, now: uc.check_in_on_site(uow, smirnov, ticket.id, now, lat, lon))
    await engine.run_system(
        lambda uow, now: uc.resolve_ticket(uow, smirnov, ticket.id, now, "Replaced the drum")
    )
    rows = group_rows(uows)[before:]
    assert [r.text for r in rows if r.text] == [
        "✅ Принял: Алексей Смирнов",
        "📍 Алексей Смирнов на месте (0,4 км)",  # #18: it said "(0.4 km)" to a Russian group
        "🏁 Выполнена: Replaced the drum",
    ]
    assert rows[-1].thread_op is ThreadOp.CLOSE_TOPIC and rows[-1].thread_of == ticket.id
    assert uows.state.threads[ticket.id].state is ThreadState.CLOSED
    client = Actor(Role.CLIENT, "acme-anna", client_id="acme")
    await engine.run_system(lambda uow, now: uc.close_ticket(uow, client, ticket.id, now))
    assert [r.thread_op for r in group_rows(uows)].count(ThreadOp.CLOSE_TOPIC) == 1  # closed once
    await engine.run_system(lambda uow, now: uc.reopen_ticket(uow, client, ticket.id, now, "Still blank"))
    ops = [(r.thread_op, r.text) for r in group_rows(uows)[-4:]]
    assert (ThreadOp.REOPEN_TOPIC, "") in ops and (None, "♻️ Открыта снова: Still blank") in ops
    assert uows.state.threads[ticket.id].state is ThreadState.OPEN
    assert uows.state.tickets[ticket.id].status in (TicketStatus.REOPENED, TicketStatus.OFFERED)


async def test_without_topics_the_card_roots_a_reply_thread(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, anna: Person
) -> None:
    engine = make_engine(uows, kb, clock, forum=False)
    chat = ChatDriver(engine.handle)
    await link_smirnov(engine)
    await open_ticket_as(chat, anna, "The printer prints blank pages", "Printers", "Head office")
    ticket = next(iter(uows.state.tickets.values()))
    card, offered = group_rows(uows)[:2]
    assert card.thread_op is ThreadOp.ROOT and card.thread_of == ticket.id and "HD-1001" in card.text
    assert offered.thread_of == ticket.id and offered.thread_op is None
    async with uows() as uow:
        uow.threads.created(ticket.id, message_id="5")
        await uow.commit()

    assert await in_group(engine, SMIRNOV_TG, "Беру после обеда", reply_to="5") == []
    assert uows.state.comments[-1].visibility is Visibility.INTERNAL
    replies = await in_group(engine, SMIRNOV_TG, "/client Will be there at 14:00", reply_to="5")
    assert [(r.text, r.reply_to) for r in replies if r.chat_id == GROUP] == [("➜ Отправлено клиенту.", "5")]
    assert "Will be there at 14:00" in anna_texts(uows)[-1]
    # A reply to some other message is not about a ticket; resolving posts but closes no topic.
    assert await in_group(engine, SMIRNOV_TG, "ok", reply_to="6") == []
    smirnov = Actor(Role.ENGINEER, "e-smirnov")
    await engine.run_system(lambda uow, now: uc.accept_offer(uow, smirnov, ticket.id, now))
    await engine.run_system(lambda uow, now: uc.resolve_ticket(uow, smirnov, ticket.id, now, "Done"))
    assert all(r.thread_op in (None, ThreadOp.ROOT) for r in group_rows(uows))
    assert group_texts(uows)[-1] == "🏁 Выполнена: Done"


def test_topic_names_fit_telegram() -> None:
    from tests.unit.ticket_core.conftest import NOW
    from ticket_core.enums import Priority
    from ticket_core.model import Ticket

    ticket = Ticket("t", 1042, "c", None, "it", Priority.P3, "x", NOW)
    assert topic_name(ticket, "ACME", "IT") == "HD-1042 · ACME · IT"
    long = topic_name(ticket, "A" * 300, "Кондиционеры")
    assert len(long) <= 128 and long.startswith("HD-1042 · AAA") and long.endswith("… · Кондиционеры")


async def test_sla_alerts_are_posted_to_the_topic(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, anna: Person
) -> None:
    from ticket_core.sla.events import SlaBreached

    engine = make_engine(uows, kb, clock, forum=True)
    await open_ticket_as(ChatDriver(engine.handle), anna, "VPN is down", "Computers", "Head office")
    ticket = next(iter(uows.state.tickets.values()))

    async def breach(uow: MemoryUnitOfWork, now: datetime) -> None:
        uow.record(
            SlaBreached(
                ticket_id=ticket.id,
                actor=Actor.system(),
                at=now,
                kind="resolution",
                level=1,
                share=1.0,
                notify="supervisor",
                due_at="2026-03-02T15:00:00+00:00",
            )
        )

    await engine.run_system(breach)
    last = group_rows(uows)[-1]
    assert last.thread_of == ticket.id and last.text.startswith("🚨 SLA ")
    assert "срок нарушен (02.03 15:00 UTC)" in last.text
