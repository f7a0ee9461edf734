"""Webhook mode over real HTTP: the secret-token header guards the route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bots.telegram import TelegramChannel
from dialogue.messages import Bot
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegramAPI
from tests.unit.bots.conftest import ChannelFactory, Inbox

PATH = "/webhook/telegram/client"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}{PATH}"


@pytest.fixture
async def hooked(make_channel: ChannelFactory) -> AsyncIterator[tuple[TelegramChannel, str]]:
    channel = await make_channel(webhook_secret="s3cret-Token_1")
    app = web.Application()
    channel.add_webhook_route(app, PATH)
    runner, url = await serve(app)
    yield channel, url
    await runner.cleanup()


async def test_good_secret_is_handled(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[TelegramChannel, str]
) -> None:
    _, url = hooked
    update = {"update_id": 501, **_text_message(42, "hello over webhook")}

    status = await api.post_to_webhook(url, update, "s3cret-Token_1")

    assert status == 200
    # The answer comes only after the app has handled the update, so it is there already.
    assert [(i.text, i.dedup_key) for i in inbox.items] == [("hello over webhook", "tg:client:501")]


@pytest.mark.parametrize("secret", ["wrong", None, ""])
async def test_bad_or_missing_secret_gets_401_and_nothing_happens(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[TelegramChannel, str], secret: str | None
) -> None:
    _, url = hooked
    calls_before = len(api.calls)

    status = await api.post_to_webhook(url, {"update_id": 502, **_text_message(42, "evil")}, secret)
    await asyncio.sleep(0.05)

    assert status == 401
    assert inbox.items == []
    assert len(api.calls) == calls_before


async def test_button_press_by_webhook_is_answered(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[TelegramChannel, str]
) -> None:
    _, url = hooked
    update = api.push_callback(chat_id=42, user_id=42, data="rate:5", message_id=1)

    assert await api.post_to_webhook(url, update, "s3cret-Token_1") == 200

    assert [i.payload for i in inbox.items] == ["rate:5"]
    assert (
        api.calls_to("answerCallbackQuery")[0].params["callback_query_id"] == update["callback_query"]["id"]
    )


async def test_repeated_update_is_dropped_and_garbage_is_400(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[TelegramChannel, str]
) -> None:
    _, url = hooked
    update = {"update_id": 503, **_text_message(42, "once")}
    assert await api.post_to_webhook(url, update, "s3cret-Token_1") == 200
    assert await api.post_to_webhook(url, update, "s3cret-Token_1") == 200
    async with aiohttp.ClientSession() as http:
        headers = {SECRET_HEADER: "s3cret-Token_1"}
        async with http.post(url, data=b"not json", headers=headers) as bad_json:
            assert bad_json.status == 400
        async with http.post(
            url, json={"update_id": 504, "message": {"nope": 1}}, headers=headers
        ) as bad_shape:
            assert bad_shape.status == 400

    assert [i.text for i in inbox.items] == ["once"]


async def test_set_webhook_then_fake_delivers_pushed_updates(
    api: FakeTelegramAPI, inbox: Inbox, hooked: tuple[TelegramChannel, str]
) -> None:
    channel, url = hooked

    await channel.set_webhook(url)
    api.push_text(chat_id=42, user_id=42, text="pushed")
    await api.wait_delivered()

    [call] = api.calls_to("setWebhook")
    assert call.params["url"] == url
    assert call.params["secret_token"] == "s3cret-Token_1"
    assert set(call.params["allowed_updates"]) == {"message", "edited_message", "callback_query"}
    assert [i.text for i in inbox.items] == ["pushed"]
    assert api.webhook_posts[-1][2] == 200


async def test_without_configured_secret_one_is_derived_from_the_token(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    other = await make_channel(token="654321:ANOTHER", bot_kind=Bot.STAFF)

    await channel.set_webhook("https://example.org/hook")

    assert api.calls_to("setWebhook")[0].params["secret_token"] == channel.webhook_secret
    assert len(channel.webhook_secret) >= 32
    assert channel.webhook_secret != other.webhook_secret


def _text_message(chat_id: int, text: str) -> dict[str, object]:
    return {
        "message": {
            "message_id": 10,
            "date": 1700000000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Anna"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Anna", "language_code": "en"},
            "text": text,
        }
    }
