"""Webhooks out: subscriptions over the API, signed deliveries through the outbox, retries after a 500."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from dialogue.outgoing import Outgoing
from dialogue.reaction import Reaction
from helpdesk.api.signing import verify
from helpdesk.api.webhook_queue import queue_webhooks
from storage.outbox_delivery import OutboxKind
from storage.tables import outbox
from storage.webhooks_out import WEBHOOK_BOT, WEBHOOK_CHANNEL
from tests.integration.test_api_http import Api, running_api
from ticket_core import events as ev
from ticket_core.model import Actor

SECRET = "subscriber-secret-0123456789"


@dataclass
class Subscriber:
    """A webhook receiver on 127.0.0.1 that answers the queued statuses (then 200) and records each call."""

    url: str
    answers: list[int] = field(default_factory=list)
    calls: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        self.arrived.set()
        return web.Response(status=self.answers.pop(0) if self.answers else 200)

    async def wait_calls(self, n: int, within_s: float = 10.0) -> None:
        """Wait until `n` calls arrived."""
        async with asyncio.timeout(within_s):
            while len(self.calls) < n:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def api(db_url: str, unused_tcp_port: int) -> AsyncIterator[Api]:
    """A running app on SQLite and on PostgreSQL."""
    async with running_api(db_url, unused_tcp_port) as running:
        yield running


@pytest.fixture
async def subscriber(unused_tcp_port_factory: Any) -> AsyncIterator[Subscriber]:
    port = unused_tcp_port_factory()
    sub = Subscriber(f"http://127.0.0.1:{port}/hooks")
    app = web.Application()
    app.router.add_post("/hooks", sub.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield sub
    finally:
        await runner.cleanup()


async def _subscribe(api: Api, url: str, events: list[str], secret: str | None = SECRET) -> dict[str, Any]:
    token = await api.token(f"hooks-{uuid.uuid4().hex[:8]}", "webhooks:admin")
    body: dict[str, Any] = {"url": url, "events": events, "description": "CRM"}
    if secret is not None:
        body["secret"] = secret
    status, created, _ = await api.call("POST", "/api/webhooks", token, body)
    assert status == 201, created
    return dict(created)


async def test_subscriber_gets_a_signed_delivery_and_a_500_is_retried(
    api: Api, subscriber: Subscriber
) -> None:
    subscription = await _subscribe(api, subscriber.url, ["ticket_opened"])
    assert subscription["secret"] == SECRET
    subscriber.answers = [500]
    crm = await api.token("crm", "tickets:write")
    status, ticket, _ = await api.call(
        "POST", "/api/tickets", crm, {"client_id": "acme", "category": "it", "description": "Mail is down"}
    )
    assert status == 201

    await subscriber.wait_calls(2)  # the first answer was 500; the outbox retries after its backoff
    (first_headers, first_body), (headers, body) = subscriber.calls[:2]
    for h, b in ((first_headers, first_body), (headers, body)):
        assert verify(SECRET, b, h["X-Helpdesk-Signature"])
        assert not verify("another-secret-0000000000", b, h["X-Helpdesk-Signature"])
        assert not verify(SECRET, b + b" ", h["X-Helpdesk-Signature"])
    delivery = json.loads(body)
    assert delivery["event"] == "ticket_opened" == headers["X-Helpdesk-Event"]
    assert delivery["id"] == json.loads(first_body)["id"] == headers["X-Helpdesk-Delivery"]
    assert delivery["ticket"]["number"] == ticket["number"]
    assert delivery["actor"]["id"] == "api:crm"
    sent_at = datetime.fromisoformat(delivery["sent_at"])
    assert int(headers["X-Helpdesk-Timestamp"]) == int(sent_at.timestamp())
    assert abs((datetime.now(UTC) - sent_at).total_seconds()) < 30

    async def row() -> Any:
        async with api.rt.sessions() as session:
            query = select(outbox).where(
                outbox.c.kind == OutboxKind.WEBHOOK.value, outbox.c.chat_id == subscription["id"]
            )
            return (await session.execute(query)).mappings().one()

    for _ in range(100):  # the delivery loop marks the row right after the successful POST
        stored = await row()
        if stored["status"] == "sent":
            break
        await asyncio.sleep(0.05)
    assert stored["status"] == "sent"
    # Its (channel, bot) is the per-subscriber order key, no chat's.
    assert (stored["channel"], stored["bot"]) == (WEBHOOK_CHANNEL, WEBHOOK_BOT)
    assert stored["attempts"] == 2  # one failed try (500), one delivered
    assert len(subscriber.calls) == 2


async def test_subscriptions_are_listed_without_secret_and_deleted(api: Api, subscriber: Subscriber) -> None:
    created = await _subscribe(api, subscriber.url, ["status_changed", "sla_breached"], secret=None)
    assert created["secret"].startswith("whsec_")
    token = await api.token("hooks-reader", "webhooks:admin")
    status, listed, _ = await api.call("GET", "/api/webhooks", token)
    assert status == 200 and [w["id"] for w in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]
    for body, field_name in [
        ({"url": "ftp://x", "events": ["ticket_opened"]}, "url"),
        ({"url": subscriber.url, "events": ["ticket_closed"]}, "events"),
        ({"url": subscriber.url, "events": []}, "events"),
        ({"url": subscriber.url, "events": ["ticket_opened"], "secret": "short"}, "secret"),
    ]:
        status, error, _ = await api.call("POST", "/api/webhooks", token, body)
        assert status == 422 and error["error"]["field"] == field_name
    status, _, _ = await api.call("DELETE", f"/api/webhooks/{created['id']}", token)
    assert status == 204
    status, _, _ = await api.call("DELETE", f"/api/webhooks/{created['id']}", token)
    assert status == 404
    status, listed, _ = await api.call("GET", "/api/webhooks", token)
    assert listed["items"] == []


async def test_queue_writes_one_row_per_interested_subscription_once(
    api: Api, subscriber: Subscriber
) -> None:
    status_hook = await _subscribe(api, subscriber.url, ["status_changed"])
    await _subscribe(api, subscriber.url + "?other", ["ticket_opened"])
    crm = await api.token("crm", "tickets:write")
    _, ticket, _ = await api.call(
        "POST", "/api/tickets", crm, {"client_id": "acme", "category": "it", "description": "VPN is down"}
    )
    at = datetime.now(UTC)
    actor = Actor.system()
    broadcast = [
        ev.TicketOffered(ticket_id=ticket["id"], actor=actor, at=at, engineer_id=e, offer_id=f"o-{e}")
        for e in ("e-smirnov", "e-petrov")
    ]
    async with api.rt.uows() as uow:
        # The bus's settled subscriber, as the engine calls it once the unit settled.
        await queue_webhooks(broadcast, Reaction(uow, Outgoing(api.rt.engine.signer), at))
        await uow.commit()
    async with api.rt.sessions() as session:
        rows = (
            (await session.execute(select(outbox).where(outbox.c.chat_id == status_hook["id"])))
            .mappings()
            .all()
        )
    # The API's own open already offered the job (one "offered" row from the engine's hook); the broadcast
    # queued here adds exactly one more, however many engineers it names.
    rows = [r for r in rows if r["created_at"] >= at]
    assert len(rows) == 1 and rows[0]["kind"] == OutboxKind.WEBHOOK.value
    envelope = rows[0]["payload"]["webhook"]["body"]
    assert rows[0]["payload"]["webhook"]["subscription_id"] == status_hook["id"]
    assert envelope["event"] == "status_changed" and envelope["data"]["status"] == "offered"
