"""Queue webhook deliveries as outbox rows in the same transaction as the change that caused them.

The runtime gives `WebhookQueue` to `storage.uow.UnitOfWorkFactory`, so every unit carries one as
`uow.webhooks_out`, and subscribes `queue_webhooks` on the engine's message bus (`subscribe`): once a
unit's events and the follow-ups they caused are settled, each event is queued once, with the ticket as
the change left it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dialogue.messages import Bot, Channel, Outbound
from dialogue.reaction import ChatBus, Reaction
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


async def queue_webhooks(events: Sequence[DomainEvent], ctx: Reaction) -> None:
    """Queue signed webhooks for a unit's events, where its unit keeps webhooks (`uow.webhooks_out`)."""
    if ctx.uow.webhooks_out is not None:
        await ctx.uow.webhooks_out.queue(events, ctx.now)


def subscribe(bus: ChatBus) -> None:
    """Outgoing webhooks as a subscriber of the engine's bus: they see every event once the unit settled."""
    bus.subscribe_settled(queue_webhooks)


def payload(subscription_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The outbox payload of one delivery.

    The delivery loop rebuilds every row as an `Outbound`; a webhook row carries its JSON envelope as the
    text, and the row's own (channel, bot) columns - ("webhook", "out") - pick the webhook sender. The
    channel and bot inside the payload only satisfy `Outbound` and are never used to send.
    """
    return Outbound(Channel.WEB, Bot.STAFF, subscription_id, dumps(body)).to_dict()
