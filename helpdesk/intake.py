"""Two small parts the runtime wires between the others: how the channels hand an inbound message to the
inbox (`InboundIntake`), and how the delivery loop tells supervisors that a chat cannot be reached
(`UnreachableAlert`, one alert per outage: `helpdesk.delivery_outages`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dialogue.delivery_alerts import chat_unreachable, outage_news
from dialogue.engine import DialogueEngine
from dialogue.messages import Inbound
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
from helpdesk.delivery_outages import Alert, OutageBook, Say
from helpdesk.inbox import Inbox
from helpdesk.metrics import received
from storage.outbox_delivery import OutboxRow
from storage.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class InboundIntake:
    """How the channels hand an inbound message to the inbox: recorded durably before it is acknowledged."""

    inbox: Inbox
    answer_wait_s: float

    async def answer(self, inbound: Inbound) -> None:
        """Record one inbound message durably, handle it, and return once its replies are queued.

        For webhooks and the web chat: the answer comes after the reply is in the outbox (or after
        INBOX_ANSWER_WAIT_S; the message is recorded either way, see `helpdesk.inbox`).

        Raises:
            InboundNotRecorded: it could not be recorded; the channel makes the platform send it again.
        """
        await self.inbox.accept(inbound, wait_s=self.answer_wait_s)
        received(str(inbound.channel), str(inbound.bot))

    async def record(self, inbound: Inbound) -> None:
        """Record one inbound message durably and start handling it; return at once (polling).

        Raises:
            InboundNotRecorded: it could not be recorded; the poller tries again before it reads on.
        """
        await self.inbox.accept(inbound)
        received(str(inbound.channel), str(inbound.bot))


@dataclass(slots=True)
class UnreachableAlert:
    """Tells supervisors that a chat's messages are not getting through (not for outgoing webhooks): the first
    chat of an outage by name, the rest in an hourly count, and the end of an outage of several chats."""

    engine: DialogueEngine[SqlUnitOfWork]
    wake_delivery: Callable[[], None]
    book: OutageBook = field(default_factory=OutageBook)

    async def __call__(self, row: OutboxRow, error: str, gave_up: bool) -> None:
        """The delivery loop's `on_unreachable` (chat rows only): a message to the supervisors, via the outbox."""
        alert = self.book.failed(row.channel, row.bot, row.chat_id, self.engine.clock(), gave_up=gave_up)
        if alert is None:
            return  # counted in its outage's next reminder
        if alert.say is Say.FIRST:

            async def first(uow: DialogueUnitOfWork, _now: datetime) -> Outgoing:
                out = Outgoing(self.engine.signer)
                await chat_unreachable(
                    uow,
                    out,
                    channel=row.channel,
                    bot=row.bot,
                    chat_id=row.chat_id,
                    since=row.created_at,
                    error=error,
                    gave_up=gave_up,
                )
                return out

            await self.engine.run_system(first)
        else:
            await self._news(alert)
        self.wake_delivery()

    async def delivered(self, row: OutboxRow) -> None:
        """The delivery loop's `on_delivered` (chat rows): a message got through, so its channel's outage is over."""
        if not self.book.is_open(row.channel, row.bot):
            return  # the usual case, with nothing to do
        alert = self.book.delivered(row.channel, row.bot)
        if alert is not None:
            await self._news(alert)
            self.wake_delivery()

    async def _news(self, alert: Alert) -> None:
        outage = alert.outage

        async def work(uow: DialogueUnitOfWork, _now: datetime) -> Outgoing:
            out = Outgoing(self.engine.signer)
            await outage_news(
                uow,
                out,
                channel=outage.channel,
                since=outage.since,
                chats=len(outage.chats),
                given_up=outage.given_up,
                over=alert.say is Say.OVER,
            )
            return out

        await self.engine.run_system(work)
