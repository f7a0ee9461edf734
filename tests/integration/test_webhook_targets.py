"""Webhooks never reach internal addresses unless the operator allows it (server-side request forgery).

A `webhooks:admin` token chooses the URL; the app POSTs from inside the company's network. A subscriber
URL whose host is, or resolves to, a loopback, private or link-local address is refused at delivery
(permanently: it will not get better by retrying), unless WEBHOOK_PRIVATE_TARGETS is on.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web

from dialogue.messages import DeliveryError
from helpdesk.api.webhook_sender import WebhookSender
from helpdesk.api.webhook_targets import PrivateTargetRefused, check_literal, is_public
from storage.webhooks_out import WebhookDelivery, WebhookSubscription


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[int, list[bytes]]]:
    got: list[bytes] = []

    async def hook(request: web.Request) -> web.Response:
        got.append(await request.read())
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield port, got
    await runner.cleanup()


def sender(url: str, monkeypatch: pytest.MonkeyPatch, *, private_targets: bool) -> WebhookSender:
    async def get(_self: object, _id: str) -> WebhookSubscription:
        return WebhookSubscription("s1", url, ("ticket_opened",), "s" * 32, datetime.now(UTC))

    monkeypatch.setattr("helpdesk.api.webhook_sender.SqlWebhookSubscriptions.get", get)

    class NoSession:
        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *exc: object) -> None:
            return None

    return WebhookSender(lambda: NoSession(), timeout_s=5, private_targets=private_targets)


DELIVERY = WebhookDelivery(subscription_id="s1", body={"event": "ticket_opened", "id": "d1"})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_an_internal_address_is_refused_and_not_retried(
    host: str, receiver: tuple[int, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, got = receiver
    with pytest.raises(DeliveryError) as refused:
        await sender(f"http://{host}:{port}/hooks", monkeypatch, private_targets=False).deliver(DELIVERY)
    assert refused.value.permanent and "WEBHOOK_PRIVATE_TARGETS" in str(refused.value)
    assert got == []  # nothing reached the internal service


async def test_with_private_targets_allowed_it_is_delivered(
    receiver: tuple[int, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, got = receiver
    await sender(f"http://localhost:{port}/hooks", monkeypatch, private_targets=True).deliver(DELIVERY)
    assert len(got) == 1


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("169.254.169.254", False),  # the cloud's metadata service
        ("10.0.0.5", False),
        ("192.168.1.1", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fe80::1", False),
        ("224.0.0.1", False),
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public
    if public:
        check_literal(address)
    else:
        with pytest.raises(PrivateTargetRefused):
            check_literal(address)
