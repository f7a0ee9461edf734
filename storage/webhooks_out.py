"""SQL repository for outgoing webhook subscriptions: who wants which ticket events, where, with what secret.

Deliveries themselves are outbox rows (channel "webhook", bot "out", chat_id = subscription id), queued by
`helpdesk.api.webhook_queue` in the same transaction as the change, and sent by the delivery loop.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.api_tables import webhook_subscriptions

WEBHOOK_CHANNEL = "webhook"
WEBHOOK_BOT = "out"
"""The outbox (channel, bot) pair of webhook deliveries; the runtime maps it to the webhook sender."""


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    """A subscriber: the URL deliveries are POSTed to, the events it wants and the signing secret."""

    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    created_at: datetime
    description: str | None = None
    created_by: str | None = None


def _subscription(row: RowMapping) -> WebhookSubscription:
    return WebhookSubscription(
        id=row["id"],
        url=row["url"],
        events=tuple(row["events"] or ()),
        secret=row["secret"],
        created_at=row["created_at"],
        description=row["description"],
        created_by=row["created_by"],
    )


class SqlWebhookSubscriptions:
    """Webhook subscriptions on the caller's session; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, subscription: WebhookSubscription) -> None:
        """Insert a subscription."""
        await self.session.execute(
            insert(webhook_subscriptions).values(
                id=subscription.id,
                url=subscription.url,
                events=list(subscription.events),
                secret=subscription.secret,
                description=subscription.description,
                created_at=subscription.created_at,
                created_by=subscription.created_by,
            )
        )

    async def get(self, subscription_id: str) -> WebhookSubscription | None:
        """The subscription, or None."""
        query = select(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
        row = (await self.session.execute(query)).mappings().first()
        return _subscription(row) if row is not None else None

    async def list(self) -> builtins.list[WebhookSubscription]:
        """Every subscription, oldest first."""
        query = select(webhook_subscriptions).order_by(
            webhook_subscriptions.c.created_at, webhook_subscriptions.c.id
        )
        return [_subscription(r) for r in (await self.session.execute(query)).mappings()]

    async def delete(self, subscription_id: str) -> bool:
        """Delete a subscription; its queued deliveries then fail for good. False when there was none."""
        result = await self.session.execute(
            delete(webhook_subscriptions).where(webhook_subscriptions.c.id == subscription_id)
        )
        return bool(getattr(result, "rowcount", 0))
