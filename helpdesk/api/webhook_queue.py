"""Outgoing webhooks as a settled subscriber of the engine's message bus.

`subscribe` registers `queue_webhooks`: once a unit's events and the follow-ups they caused are settled,
each event a subscriber wants is rendered (the envelope with the ticket as the change left it) and queued
through the unit's typed `webhooks_out` port, in the same transaction as the change. The port writes an
outbox row of kind "webhook", which only the webhook deliverer sends (`helpdesk.api.webhook_sender`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from dialogue.reaction import ChatBus, Reaction
from helpdesk.api import serialize
from helpdesk.api.webhook_events import envelope, notices
from ticket_core.events import DomainEvent


async def queue_webhooks(events: Sequence[DomainEvent], ctx: Reaction) -> None:
    """Queue one delivery per event and interested subscription (signed when it is sent)."""
    webhooks = ctx.uow.webhooks_out
    for notice in notices(events):
        targets = await webhooks.subscribers(str(notice.kind))
        if not targets:
            continue
        ticket = await ctx.uow.tickets.get(notice.ticket_id)
        snapshot = serialize.ticket(ticket) if ticket is not None else None
        for subscription_id in targets:
            await webhooks.add(subscription_id, envelope(str(uuid.uuid4()), notice, snapshot), ctx.now)


def subscribe(bus: ChatBus) -> None:
    """Outgoing webhooks as a subscriber of the engine's bus: they see every event once the unit settled."""
    bus.subscribe_settled(queue_webhooks)
