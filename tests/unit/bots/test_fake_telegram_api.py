"""The fake Bot API itself: shapes, long polling, failures on demand (other tests trust it)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from aiogram import Bot as AiogramBot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramServerError
from aiogram.types import BufferedInputFile

from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:TEST-TOKEN-client"


async def call(api: FakeTelegramAPI, method: str, *, token: str = TOKEN, **params: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{api.base_url}/bot{token}/{method}", json=params) as response:
            return response.status, await response.json()


async def test_unknown_method_answers_like_telegram(api: FakeTelegramAPI) -> None:
    assert await call(api, "sendTelepathy", chat_id=1) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


async def test_get_updates_honours_offset_and_timeout(api: FakeTelegramAPI) -> None:
    first = api.push_text(1, 1, "a")
    second = api.push_text(1, 1, "b")

    _, both = await call(api, "getUpdates")
    _, after_first = await call(api, "getUpdates", offset=first["update_id"] + 1)
    started = time.monotonic()
    _, empty = await call(api, "getUpdates", offset=second["update_id"] + 1, timeout=0.3)
    waited = time.monotonic() - started

    assert [u["update_id"] for u in both["result"]] == [first["update_id"], second["update_id"]]
    assert [u["message"]["text"] for u in after_first["result"]] == ["b"]
    assert empty["result"] == [] and 0.25 <= waited < 2
    assert api.pending_updates() == 0


async def test_long_poll_returns_as_soon_as_an_update_arrives(api: FakeTelegramAPI) -> None:
    poll = asyncio.create_task(call(api, "getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    api.push_text(1, 1, "wake up")

    _, body = await poll

    assert time.monotonic() - started < 1
    assert body["result"][0]["message"]["text"] == "wake up"


async def test_messages_have_the_documented_shape_and_can_be_edited(api: FakeTelegramAPI) -> None:
    status, sent = await call(api, "sendMessage", chat_id=5, text="<b>hi</b>", parse_mode="HTML")
    message = sent["result"]
    _, edited = await call(
        api,
        "editMessageText",
        chat_id=5,
        message_id=message["message_id"],
        text="bye",
        reply_markup={"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]},
    )
    not_modified, _ = await call(
        api,
        "editMessageText",
        chat_id=5,
        message_id=message["message_id"],
        text="bye",
        reply_markup={"inline_keyboard": [[{"text": "ok", "callback_data": "ok"}]]},
    )

    assert status == 200
    assert message["text"] == "hi"
    assert message["chat"]["id"] == 5 and message["from"]["is_bot"] is True
    assert isinstance(message["date"], int)
    assert edited["result"]["text"] == "bye" and edited["result"]["reply_markup"]["inline_keyboard"]
    assert not_modified == 400


async def test_unescaped_html_is_refused_like_telegram(api: FakeTelegramAPI) -> None:
    status, body = await call(api, "sendMessage", chat_id=5, text="temp <18", parse_mode="HTML")
    also_status, _ = await call(api, "sendMessage", chat_id=5, text="x" * 4097)

    assert (status, also_status) == (400, 400)
    assert "can't parse entities" in body["description"]


async def test_failures_on_demand_then_recovery(api: FakeTelegramAPI) -> None:
    api.fail_next("sendMessage", status=500, times=2)
    api.fail_next("sendMessage", status=429, retry_after=3)

    results = [await call(api, "sendMessage", chat_id=5, text="hi") for _ in range(4)]

    assert [status for status, _ in results] == [500, 500, 429, 200]
    assert results[2][1]["parameters"] == {"retry_after": 3}
    assert api.sent_texts(5) == ["hi"]
    assert [c.status for c in api.calls] == [500, 500, 429, 200]


async def test_webhook_blocks_get_updates(api: FakeTelegramAPI) -> None:
    await call(api, "setWebhook", url="http://127.0.0.1:1/hook", secret_token="abc")
    status, body = await call(api, "getUpdates")
    _, info = await call(api, "getWebhookInfo")
    await call(api, "deleteWebhook")
    after, _ = await call(api, "getUpdates")

    assert status == 409 and "webhook is active" in body["description"]
    assert info["result"]["url"] == "http://127.0.0.1:1/hook"
    assert after == 200


async def test_aiogram_upload_multipart_get_file_and_download(api: FakeTelegramAPI) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api.base_url))
    bot = AiogramBot(TOKEN, session=session)
    try:
        photo = await bot.send_photo(5, BufferedInputFile(b"JPEGDATA", "p.jpg"), caption="a & b")
        file = await bot.get_file(photo.photo[-1].file_id)  # type: ignore[index]
        content = await bot.download_file(file.file_path or "")
        chat = await bot.get_chat(5)
        with pytest.raises(TelegramBadRequest):
            await bot.get_file("nope")
        api.fail_next("getMe", status=500)
        with pytest.raises(TelegramServerError):
            await bot.get_me()
    finally:
        await session.close()

    [upload] = api.calls_to("sendPhoto")
    assert upload.params["caption"] == "a & b"
    assert next(iter(upload.files.values())) == ("p.jpg", b"JPEGDATA")
    assert content is not None and content.read() == b"JPEGDATA"
    assert chat.id == 5


async def test_wait_for_call_returns_each_call_once(api: FakeTelegramAPI) -> None:
    await call(api, "sendMessage", chat_id=5, text="one")
    await call(api, "sendMessage", chat_id=5, text="two")

    first = await api.wait_for_call("sendMessage")
    second = await api.wait_for_call("sendMessage")
    with pytest.raises(TimeoutError, match="no sendMessage call"):
        await api.wait_for_call("sendMessage", timeout=0.1)

    assert (first.plain_text, second.plain_text) == ("one", "two")


async def test_each_bot_has_its_own_chat_with_a_person(api: FakeTelegramAPI) -> None:
    staff = "222:staff"
    _, to_client_chat = await call(api, "sendMessage", chat_id=5, text="from client bot")
    await call(api, "sendMessage", chat_id=5, text="from staff bot", token=staff)
    await call(api, "sendMessage", chat_id=5, text="staff again", token=staff)

    pressed = api.push_callback(5, 5, "ok")  # default token: the client bot

    assert pressed["callback_query"]["message"]["text"] == "from client bot"
    assert pressed["callback_query"]["message"]["message_id"] == to_client_chat["result"]["message_id"]
    assert api.sent_texts(5, token=staff) == ["from staff bot", "staff again"]
    assert api.pending_updates(staff) == 0 and api.pending_updates() == 1
