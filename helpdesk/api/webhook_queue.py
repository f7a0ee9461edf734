"""Queue webhook deliveries as outbox rows in the same transaction as the change that caused them.

The runtime gives `WebhookQueue` to `storage.uow.UnitOfWorkFactory`, so every unit carries one as
`uow.webhooks_out`. `uow.webhooks_out.queue(uow.collected, now)` may be called several times in one unit
(by the API right after its use case, and by the engine after the notifier's follow-ups): each event is
queued once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogue.messages import Bot, Channel, Outbound
from helpdesk.api import serialize
from helpdesk.api.jsonio import dumps
from helpdesk.api.webhook_events import Notice, envelope, notices
from storage.repositories import SqlOutbox, SqlTicketRepository
from storage.webhooks_out import WEBHOOK_BOT, WEBHOOK_CHANNEL, SqlWebhookSubscriptions
from ticket_core.events import DomainEvent


class WebhookQueue:
    """Turns recorded domain events into one outbox row per interested subscription (a `ticket_core.ports.EventPublisher`)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.subscriptions = SqlWebhookSubscriptions(session)
        self._outbox = SqlOutbox(session)
        self._tickets = SqlTicketRepository(session)
        self._seen: set[int] = set()

    async def queue(self, events: Sequence[DomainEvent], now: datetime) -> int:
        """Queue deliveries for the events not queued yet by this unit; return how many rows were written."""
        fresh = [e for e in events if id(e) not in self._seen]
        self._seen.update(id(e) for e in fresh)
        wanted = notices(fresh)
        if not wanted:
            return 0
        subscribers = await self.subscriptions.list()
        written = 0
        for notice in wanted:
            targets = [s for s in subscribers if str(notice.kind) in s.events]
            if not targets:
                continue
            snapshot = await self._ticket(notice)
            for subscription in targets:
                body = envelope(str(uuid.uuid4()), notice, snapshot)
                await self._outbox.add(
                    WEBHOOK_CHANNEL, WEBHOOK_BOT, subscription.id, payload(subscription.id, body), now
                )
                written += 1
        return written

    async def _ticket(self, notice: Notice) -> dict[str, Any] | None:
        ticket = await self._tickets.get(notice.ticket_id)
        return serialize.ticket(ticket) if ticket is not None else None


def payload(subscription_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The outbox payload of one delivery.

    The delivery loop rebuilds every row as an `Outbound`; a webhook row carries its JSON envelope as the
    text, and the row's own (channel, bot) columns - ("webhook", "out") - pick the webhook sender. The
    channel and bot inside the payload only satisfy `Outbound` and are never used to send.
    """
    return Outbound(Channel.WEB, Bot.STAFF, subscription_id, dumps(body)).to_dict()
