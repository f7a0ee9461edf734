"""Migration 0006 on SQLite and PostgreSQL: engineer profiles, site regions, ticket levels, ticket threads,
and the delivery loop that creates a ticket's topic and addresses later messages to it."""

from __future__ import annotations

from datetime import timedelta

from dialogue.messages import Bot, Channel, Delivered, DeliveryError, Outbound, ThreadOp
from helpdesk.delivery import DeliveryLoop
from storage.repositories.threads import get_thread
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import NOW, Seed
from ticket_core.model import Site, ThreadState, TicketThread
from ticket_core.working_hours import WeeklyHours

GROUP = "-100777"


async def test_profile_region_and_level_round_trip(acme: UnitOfWorkFactory, seed: Seed) -> None:
    hours = WeeklyHours.parse("mon-fri 09:00-18:00; sat 10:00-14:00")
    async with acme() as uow:
        await uow.directory.add_staff(
            seed.engineer("e-1", regions=("MOW", "MOS"), timezone="Asia/Yekaterinburg", working_hours=hours)
        )
        await uow.directory.add_staff(seed.engineer("e-2"))
        await uow.directory.add_site(Site("spb", "acme", "Shop", "Nevsky 1", region="SPB"))
        await uow.tickets.add(seed.ticket(1001))
        await uow.commit()
    async with acme() as uow:
        one, two = await uow.directory.get_staff("e-1"), await uow.directory.get_staff("e-2")
        assert one is not None and two is not None
        assert (one.regions, one.timezone, one.working_hours) == (("MOW", "MOS"), "Asia/Yekaterinburg", hours)
        assert (two.regions, two.timezone, two.working_hours) == ((), "Europe/Moscow", None)
        assert (await uow.directory.get_site("spb")).region == "SPB"  # type: ignore[union-attr]
        assert (await uow.directory.get_site("hq")).region is None  # type: ignore[union-attr]
        ticket = await uow.tickets.get("t-1001")
        assert ticket is not None and ticket.min_level == 1
        ticket.min_level = 3
        await uow.tickets.update(ticket)
        await uow.commit()
    async with acme() as uow:
        assert (await uow.tickets.get("t-1001")).min_level == 3  # type: ignore[union-attr]


class RecordingSender:
    """Answers like the Telegram channel: a created topic's id, the id of each message sent."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, out: Outbound) -> Delivered:
        self.sent.append(out)
        if out.thread_op is ThreadOp.CREATE_TOPIC:
            return Delivered(thread_id="77")
        return Delivered(message_id=str(100 + len(self.sent)), thread_id=out.thread_id)


async def _queue(uows: UnitOfWorkFactory, *messages: Outbound) -> None:
    async with uows() as uow:
        for message in messages:
            await uow.outbox.add(
                str(message.channel), str(message.bot), message.chat_id, message.to_dict(), NOW
            )
        await uow.commit()


def _to_group(text: str, **kw: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.STAFF, GROUP, text, thread_of="t-1001", **kw)  # type: ignore[arg-type]


async def test_the_topic_is_created_once_and_later_rows_are_addressed_to_it(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.threads.add(TicketThread("t-1001", "telegram", "staff", GROUP, True), NOW)
        await uow.commit()
    await _queue(
        acme,
        _to_group("", thread_op=ThreadOp.CREATE_TOPIC, thread_title="HD-1001 · ACME · IT"),
        _to_group("🆕 HD-1001"),
        _to_group("✅ Accepted"),
        _to_group("", thread_op=ThreadOp.CLOSE_TOPIC),
    )
    sender = RecordingSender()
    loop = DeliveryLoop(
        acme.sessionmaker, {("telegram", "staff"): sender}, clock=lambda: NOW + timedelta(seconds=1)
    )
    for _ in range(6):  # one row of the group's chat at a time: per-chat order holds later rows back
        await loop.deliver_once()
    assert [(o.thread_op, o.text, o.thread_id) for o in sender.sent] == [
        (ThreadOp.CREATE_TOPIC, "", None),
        (None, "🆕 HD-1001", "77"),
        (None, "✅ Accepted", "77"),
        (ThreadOp.CLOSE_TOPIC, "", "77"),
    ]
    async with acme() as uow:
        thread = await get_thread(uow.session, "t-1001")
        assert thread is not None and (thread.state, thread.thread_id) == (ThreadState.OPEN, "77")
        found = await uow.threads.find("telegram", "staff", GROUP, thread_id="77")
        assert found is not None and found.ticket_id == "t-1001"
        assert await uow.threads.find("telegram", "staff", GROUP, thread_id="78") is None
        await uow.threads.set_state("t-1001", ThreadState.CLOSED, NOW)
        await uow.commit()
    async with acme() as uow:
        assert (await uow.threads.get("t-1001")).state is ThreadState.CLOSED  # type: ignore[union-attr]


async def test_without_topics_the_card_message_roots_the_replies(acme: UnitOfWorkFactory, seed: Seed) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.threads.add(TicketThread("t-1001", "telegram", "staff", GROUP, False), NOW)
        await uow.commit()
    await _queue(acme, _to_group("🆕 HD-1001", thread_op=ThreadOp.ROOT), _to_group("✅ Accepted"))
    sender = RecordingSender()
    loop = DeliveryLoop(
        acme.sessionmaker, {("telegram", "staff"): sender}, clock=lambda: NOW + timedelta(seconds=1)
    )
    for _ in range(3):
        await loop.deliver_once()
    assert [(o.text, o.reply_to) for o in sender.sent] == [("🆕 HD-1001", None), ("✅ Accepted", "101")]
    async with acme() as uow:
        found = await uow.threads.find("telegram", "staff", GROUP, root="101")
        assert found is not None and found.state is ThreadState.OPEN and found.thread_id is None


class NoTopicsSender(RecordingSender):
    """Telegram refusing the topic for good (the group has no topics, or the bot may not manage them)."""

    async def send(self, out: Outbound) -> Delivered:
        if out.thread_op is ThreadOp.CREATE_TOPIC:
            self.sent.append(out)
            raise DeliveryError("Telegram refused createForumTopic: the chat is not a forum", permanent=True)
        return await super().send(out)


async def test_a_topic_that_cannot_be_made_leaves_later_rows_to_the_group(
    acme: UnitOfWorkFactory, seed: Seed
) -> None:
    async with acme() as uow:
        await uow.tickets.add(seed.ticket(1001))
        await uow.threads.add(TicketThread("t-1001", "telegram", "staff", GROUP, True), NOW)
        await uow.commit()
    await _queue(
        acme, _to_group("", thread_op=ThreadOp.CREATE_TOPIC, thread_title="HD-1001"), _to_group("🆕 HD-1001")
    )
    sender = NoTopicsSender()
    loop = DeliveryLoop(
        acme.sessionmaker, {("telegram", "staff"): sender}, clock=lambda: NOW + timedelta(seconds=1)
    )
    for _ in range(3):
        await loop.deliver_once()
    assert [(o.text, o.thread_id, o.reply_to) for o in sender.sent] == [
        ("", None, None),
        ("🆕 HD-1001", None, None),
    ]
    async with acme() as uow:
        thread = await uow.threads.get("t-1001")
        assert thread is not None and thread.state is ThreadState.OPENING and thread.thread_id is None
