"""Outgoing webhooks in SQL: subscriptions (who wants which ticket events, where, with what secret) and
`SqlWebhookOutbox`, the unit of work's `webhooks_out` port that queues deliveries.

A delivery is an outbox row of kind "webhook" (`storage.outbox_delivery.OutboxKind`) whose payload is a
`WebhookDelivery`, queued in the same transaction as the change; the delivery loop hands such rows to the
webhook deliverer only, never to a chat channel. Its (channel, bot, chat_id) are ("webhook", "out",
subscription id), so deliveries to one subscriber keep their order as a chat's messages do.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from storage.api_tables import webhook_subscriptions
from storage.outbox_delivery import LEGACY_WEBHOOK_CHANNEL, OutboxKind, OutboxRow
from storage.repositories._sql import json_safe
from storage.tables import outbox

WEBHOOK_CHANNEL = LEGACY_WEBHOOK_CHANNEL
WEBHOOK_BOT = "out"
"""The outbox (channel, bot) of webhook deliveries: their per-subscriber order key, never a chat's sender."""


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One queued webhook: the subscription it goes to and the JSON envelope POSTed (signed at send time)."""

    subscription_id: str
    body: dict[str, Any]

    @property
    def event(self) -> str:
        """The envelope's event name ("ticket_opened"...), or "" when it has none."""
        return str(self.body.get("event", ""))

    def to_payload(self) -> dict[str, Any]:
        """The outbox row's payload."""
        return {"webhook": {"subscription_id": self.subscription_id, "body": self.body}}

    @classmethod
    def from_row(cls, row: OutboxRow) -> WebhookDelivery:
        """Read a webhook row's payload, also as queued before rows had a kind (an `Outbound` whose text
        was the JSON envelope).

        Raises:
            ValueError: the payload is not a webhook delivery.
        """
        payload = row.payload if isinstance(row.payload, Mapping) else {}
        stored = payload.get("webhook")
        if isinstance(stored, Mapping):
            body, subscription_id = stored.get("body"), stored.get("subscription_id")
        elif row.kind is OutboxKind.WEBHOOK and isinstance(payload.get("text"), str):  # before 0025
            try:
                body = json.loads(payload["text"])
            except json.JSONDecodeError:
                raise ValueError("the queued webhook body is not JSON") from None
            subscription_id = row.chat_id
        else:
            raise ValueError("not a webhook delivery")
        if not isinstance(body, dict) or not isinstance(subscription_id, str) or not subscription_id:
            raise ValueError("a webhook delivery needs a subscription id and a JSON object body")
        return cls(subscription_id, body)


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


class SqlWebhookOutbox:
    """Implements `dialogue.ports.WebhookOutbox` on a unit's session: who wants an event, and queueing a
    delivery as an outbox row of kind "webhook". Never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.queued = False  # rows were added in this transaction (the unit rings the outbox bell on commit)
        self._subscriptions: builtins.list[WebhookSubscription] | None = None

    async def subscribers(self, event: str) -> builtins.list[str]:
        """The ids of the subscriptions that want `event`, oldest first (read once per unit)."""
        if self._subscriptions is None:
            self._subscriptions = await SqlWebhookSubscriptions(self.session).list()
        return [s.id for s in self._subscriptions if event in s.events]

    async def add(self, subscription_id: str, body: Mapping[str, Any], at: datetime) -> None:
        """Queue one delivery of `body` to the subscription, due at once."""
        delivery = WebhookDelivery(subscription_id, dict(body))
        await self.session.execute(
            _ADD_DELIVERY,
            {
                "channel": WEBHOOK_CHANNEL,
                "bot": WEBHOOK_BOT,
                "chat_id": subscription_id,
                "payload": json_safe(delivery.to_payload()),
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": at,
                "created_at": at,
                "kind": OutboxKind.WEBHOOK.value,
            },
        )
        self.queued = True


_ADD_DELIVERY = outbox.insert()
