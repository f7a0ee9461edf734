"""Outbox rows have a kind: a webhook row is only ever given to the webhook deliverer, and a chat row only
to the sender of its (channel, bot), whatever their channel columns say (issue #16).

Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dialogue.messages import Bot, Channel, Delivered, DeliveryError, Outbound
from helpdesk.delivery import DeliveryLoop
from helpdesk.queues import list_outbox
from storage.outbox_delivery import OutboxKind, OutboxStatus
from storage.tables import outbox
from storage.uow import UnitOfWorkFactory
from storage.webhooks_out import WEBHOOK_BOT, WEBHOOK_CHANNEL, WebhookDelivery, WebhookSubscription
from tests.integration.conftest import NOW

SUBSCRIPTION = "wh-1"
BODY = {"id": "d-1", "event": "ticket_opened", "ticket": {"ref": "HD-1001"}, "data": {}}


class ChatSender:
    """A chat channel's sender that records what it was given."""

    def __init__(self) -> None:
        self.sent: list[Outbound] = []

    async def send(self, out: Outbound) -> Delivered | None:
        self.sent.append(out)
        return None


class Deliverer:
    """The webhook deliverer's place: records each delivery, or fails with `error`."""

    def __init__(self, error: DeliveryError | None = None) -> None:
        self.delivered: list[WebhookDelivery] = []
        self.error = error

    async def deliver(self, delivery: WebhookDelivery) -> None:
        if self.error is not None:
            raise self.error
        self.delivered.append(delivery)


async def _rows(uows: UnitOfWorkFactory) -> list[dict[str, Any]]:
    async with uows() as uow:
        result = await uow.session.execute(select(outbox).order_by(outbox.c.id))
        return [dict(r) for r in result.mappings()]


async def test_a_webhook_row_reaches_the_deliverer_only_even_with_a_chat_sender_on_its_channel(
    uow_factory: UnitOfWorkFactory,
) -> None:
    chat = Outbound(Channel.WEB, Bot.CLIENT, SUBSCRIPTION, "Your ticket HD-1001 is open")
    async with uow_factory() as uow:
        await uow.webhooks_out.add(SUBSCRIPTION, BODY, NOW)
        await uow.outbox.add("web", "client", SUBSCRIPTION, chat.to_dict(), NOW)
        await uow.commit()
    web, on_webhook_channel, deliverer = ChatSender(), ChatSender(), Deliverer()
    loop = DeliveryLoop(
        uow_factory.sessionmaker,
        # A chat sender sits where webhook rows are addressed: it must still get none of them.
        {("web", "client"): web, (WEBHOOK_CHANNEL, WEBHOOK_BOT): on_webhook_channel},
        webhooks=deliverer,
        clock=lambda: NOW,
        batch=1,  # one row a tick: the PostgreSQL fixture is one connection, not one per concurrent send
    )
    assert await loop.deliver_once() == 1 and await loop.deliver_once() == 1

    assert deliverer.delivered == [WebhookDelivery(SUBSCRIPTION, BODY)]
    assert on_webhook_channel.sent == []
    assert [o.text for o in web.sent] == [chat.text]  # the chat message, never the webhook's envelope
    rows = await _rows(uow_factory)
    assert [(r["kind"], r["status"]) for r in rows] == [("webhook", "sent"), ("chat", "sent")]
    assert rows[0]["payload"] == {"webhook": {"subscription_id": SUBSCRIPTION, "body": BODY}}


async def test_a_chat_row_is_never_given_to_the_webhook_deliverer(uow_factory: UnitOfWorkFactory) -> None:
    # A chat message addressed, wrongly, like a webhook: there is no chat channel there, so it fails
    # visibly; it is not POSTed to a subscriber.
    disguised = Outbound(Channel.WEB, Bot.STAFF, SUBSCRIPTION, '{"event": "ticket_opened"}')
    async with uow_factory() as uow:
        await uow.outbox.add(WEBHOOK_CHANNEL, WEBHOOK_BOT, SUBSCRIPTION, disguised.to_dict(), NOW)
        await uow.commit()
    deliverer = Deliverer()
    loop = DeliveryLoop(uow_factory.sessionmaker, {}, webhooks=deliverer, clock=lambda: NOW)
    await loop.deliver_once()

    assert deliverer.delivered == []
    (row,) = await _rows(uow_factory)
    assert (row["kind"], row["status"]) == ("chat", "failed")
    assert row["last_error"] == "no webhook/out channel is configured"


async def test_a_webhook_row_queued_before_rows_had_a_kind_is_still_delivered(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A rolling upgrade: a release before migration 0025 queued webhooks as web-chat-shaped rows, no kind."""
    legacy = Outbound(Channel.WEB, Bot.STAFF, SUBSCRIPTION, '{"id": "d-0", "event": "ticket_opened"}')
    async with uow_factory() as uow:
        await uow.session.execute(
            outbox.insert().values(
                channel=WEBHOOK_CHANNEL,
                bot=WEBHOOK_BOT,
                chat_id=SUBSCRIPTION,
                payload=legacy.to_dict(),
                status="pending",
                attempts=0,
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )
        await uow.commit()
    web, deliverer = ChatSender(), Deliverer()
    loop = DeliveryLoop(
        uow_factory.sessionmaker, {("web", "staff"): web}, webhooks=deliverer, clock=lambda: NOW
    )
    await loop.deliver_once()

    assert deliverer.delivered == [WebhookDelivery(SUBSCRIPTION, {"id": "d-0", "event": "ticket_opened"})]
    assert web.sent == []
    (row,) = await _rows(uow_factory)
    assert (row["kind"], row["status"]) == (None, "sent")


async def test_a_kind_this_version_does_not_know_is_given_up_visibly(uow_factory: UnitOfWorkFactory) -> None:
    message = Outbound(Channel.WEB, Bot.CLIENT, "c-1", "hello").to_dict()
    async with uow_factory() as uow:
        await uow.outbox.add("web", "client", "c-1", message, NOW)
        await uow.session.execute(outbox.update().values(kind="sms"))
        await uow.commit()
    web, deliverer = ChatSender(), Deliverer()
    loop = DeliveryLoop(
        uow_factory.sessionmaker, {("web", "client"): web}, webhooks=deliverer, clock=lambda: NOW
    )
    await loop.deliver_once()

    assert web.sent == [] and deliverer.delivered == []
    (row,) = await _rows(uow_factory)
    assert row["status"] == "failed" and "kind" in row["last_error"]


async def test_a_failed_webhook_backs_off_as_a_webhook_and_tells_no_supervisor(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.webhooks.add(
            WebhookSubscription(SUBSCRIPTION, "https://crm.example/hook", ("x",), "s" * 24, NOW, "CRM")
        )
        await uow.webhooks_out.add(SUBSCRIPTION, BODY, NOW)
        await uow.commit()
    alerts: list[str] = []

    async def unreachable(row: Any, error: str, gave_up: bool) -> None:
        alerts.append(error)

    deliverer = Deliverer(DeliveryError("webhook http://crm answered 410 Gone", permanent=True))
    loop = DeliveryLoop(
        uow_factory.sessionmaker, {}, webhooks=deliverer, clock=lambda: NOW, on_unreachable=unreachable
    )
    await loop.deliver_once()

    (row,) = await _rows(uow_factory)
    assert row["status"] == "failed" and alerts == []  # supervisors hear of chats, not of subscribers
    async with uow_factory() as uow:
        listing = await list_outbox(uow.session, [OutboxStatus.FAILED], limit=10, now=NOW)
    (shown,) = listing.messages
    assert shown.what == "webhook ticket_opened HD-1001"  # the Messages page says what it was
    assert shown.person == "CRM · https://crm.example/hook"  # and whom it was for


async def test_a_unit_that_queues_only_a_webhook_rings_the_outbox_bell(
    uow_factory: UnitOfWorkFactory,
) -> None:
    rings: list[int] = []
    units = UnitOfWorkFactory(uow_factory.sessionmaker, on_outbox=lambda: rings.append(1))
    async with units() as uow:
        await uow.webhooks_out.add(SUBSCRIPTION, BODY, NOW)
        await uow.commit()
    assert rings == [1]  # workers wake at once, not at their next poll


async def test_subscribers_are_those_that_want_the_event(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        for sid, events in (("wh-a", ("ticket_opened",)), ("wh-b", ("status_changed", "ticket_opened"))):
            await uow.webhooks.add(WebhookSubscription(sid, "http://crm/" + sid, events, "s" * 24, NOW))
        assert await uow.webhooks_out.subscribers("ticket_opened") == ["wh-a", "wh-b"]
        assert await uow.webhooks_out.subscribers("status_changed") == ["wh-b"]
        assert await uow.webhooks_out.subscribers("sla_breached") == []
    assert OutboxKind.of(None, WEBHOOK_CHANNEL) is OutboxKind.WEBHOOK
    assert OutboxKind.of(None, "telegram") is OutboxKind.CHAT
