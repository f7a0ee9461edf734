"""The Telegram and WhatsApp webhooks read JSON within the app's limits: a clear 4xx, never a 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bots.telegram_common.webhook import SECRET_HEADER, make_webhook_handler
from bots.whatsapp.signature import SIGNATURE_HEADER, sign
from bots.whatsapp.webhook import make_receive_handler

SECRET = "telegram-secret"
APP_SECRET = "meta-app-secret"


@pytest.fixture
async def telegram() -> AsyncIterator[tuple[TestClient, list[dict[str, Any]]]]:
    fed: list[dict[str, Any]] = []

    async def feed(update: dict[str, Any]) -> None:
        fed.append(update)

    app = web.Application()
    app.router.add_post("/tg", make_webhook_handler(SECRET, feed))
    async with TestClient(TestServer(app)) as client:
        yield client, fed


def update(text: str = "hello") -> dict[str, Any]:
    return {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


@pytest.mark.parametrize(
    ("body", "content_type", "status", "fragment"),
    [
        (b'{"update_id": 1, "message": ' + b"[" * 5000 + b"]" * 5000 + b"}", None, 400, "nested too deeply"),
        (b"[" * 100_000, None, 400, "nested too deeply"),
        (json.dumps(update()).encode(), "application/json; charset=xx-unknown", 400, "charset"),
        (b'{"update_id": NaN}', None, 400, "NaN"),
        (b'{"update_id": ' + b"9" * 5000 + b"}", None, 400, "64 bits"),
        (b'{"update_id": 1, "x": "\xff"}', None, 400, "UTF-8"),
        (b"", None, 400, "empty"),
        (b'{"update_id": 1, "pad": "' + b"a" * (1024 * 1024) + b'"}', None, 413, "too large"),
    ],
)
async def test_telegram_webhook_refuses_unacceptable_json(
    telegram: tuple[TestClient, list[dict[str, Any]]],
    body: bytes,
    content_type: str | None,
    status: int,
    fragment: str,
) -> None:
    client, fed = telegram
    headers = {SECRET_HEADER: SECRET, "Content-Type": content_type or "application/json"}
    resp = await client.post("/tg", data=body, headers=headers)
    assert resp.status == status
    answer = await resp.json()
    assert answer["ok"] is False and fragment in answer["description"]
    assert fed == []


async def test_telegram_webhook_hands_on_text_without_control_characters(
    telegram: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, fed = telegram
    body = json.dumps(update("Принтер\u0000 не\u001b печатает\ud800")).encode("utf-8", "surrogatepass")
    resp = await client.post("/tg", data=body, headers={SECRET_HEADER: SECRET})
    assert resp.status == 200
    assert fed[0]["message"]["text"] == "Принтер не печатает"


async def test_telegram_webhook_checks_the_secret_before_reading_the_body(
    telegram: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, _ = telegram
    resp = await client.post("/tg", data=b"[" * 5000, headers={SECRET_HEADER: "wrong"})
    assert resp.status == 401


@pytest.fixture
async def whatsapp() -> AsyncIterator[TestClient]:
    def accept(body: Any) -> Any:
        raise AssertionError(f"nothing should be accepted: {body!r}")

    app = web.Application()
    app.router.add_post("/wa", make_receive_handler(APP_SECRET, accept))
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"entry": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
        (b'{"entry": []}', "application/json; charset=xx-unknown"),
        (b'{"entry": [], "n": 1e999}', "application/json"),
        (b"\xff\xfe\x00", "application/json"),
    ],
)
async def test_whatsapp_signed_but_unacceptable_json_is_dropped_with_200(
    whatsapp: TestClient, body: bytes, content_type: str
) -> None:
    # 200, not 400: Meta re-sends anything else for days, and the same body would fail the same way.
    headers = {SIGNATURE_HEADER: sign(body, APP_SECRET), "Content-Type": content_type}
    resp = await whatsapp.post("/wa", data=body, headers=headers)
    assert resp.status == 200


async def test_whatsapp_body_over_the_limit_is_413(whatsapp: TestClient) -> None:
    body = b'{"pad": "' + b"a" * (1024 * 1024) + b'"}'
    resp = await whatsapp.post("/wa", data=body, headers={SIGNATURE_HEADER: sign(body, APP_SECRET)})
    assert resp.status == 413
