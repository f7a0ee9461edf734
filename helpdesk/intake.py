"""Two small parts the runtime wires between the others: how the channels hand an inbound message to the
inbox (`InboundIntake`), and how the delivery loop tells supervisors that a chat cannot be reached
(`UnreachableAlert`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dialogue.delivery_alerts import chat_unreachable
from dialogue.engine import DialogueEngine
from dialogue.messages import Inbound
from dialogue.outgoing import Outgoing
from dialogue.ports import DialogueUnitOfWork
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


@dataclass(frozen=True, slots=True)
class UnreachableAlert:
    """Tells supervisors that a chat's messages are not getting through (not for outgoing webhooks)."""

    engine: DialogueEngine[SqlUnitOfWork]
    wake_delivery: Callable[[], None]

    async def __call__(self, row: OutboxRow, error: str, gave_up: bool) -> None:
        """The delivery loop's `on_unreachable` (chat rows only): a message to the supervisors, via the outbox."""

        async def work(uow: DialogueUnitOfWork, _now: datetime) -> Outgoing:
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

        await self.engine.run_system(work)
        self.wake_delivery()
