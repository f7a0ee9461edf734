"""A text step goes as one JSON POST (`bots.telegram.json_send`): the Bot API gets what aiogram's method would
send, and every answer that is not a plain success means what it means through aiogram."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiohttp import web

from bots.telegram.json_send import Sent, json_params, send_json
from bots.telegram.outbound import to_method
from bots.telegram_common.plan import (
    InlineButton,
    InlineKeyboard,
    KeyboardRemoval,
    ReplyButton,
    ReplyKeyboard,
    SendKind,
    SendStep,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory, serve

KEYBOARD = InlineKeyboard(
    ((InlineButton("Да", callback_data="ok:1"), InlineButton("Docs", url="https://x.y")),)
)

TEXT_STEPS = [
    SendStep(SendKind.MESSAGE, 42, "<b>Привет</b> &amp; hi", reply_markup=KEYBOARD),
    SendStep(SendKind.MESSAGE, -1001, "in a topic", thread_id=7, reply_to=3),
    SendStep(
        SendKind.MESSAGE,
        42,
        "where?",
        reply_markup=ReplyKeyboard((ReplyButton("Here", request_location=True),)),
    ),
    SendStep(SendKind.MESSAGE, 42, "typed it", reply_markup=KeyboardRemoval()),
    SendStep(SendKind.EDIT_TEXT, 42, "card, now", reply_markup=KEYBOARD, message_id=1),
    SendStep(SendKind.EDIT_MARKUP, 42, "", message_id=1),
]


@pytest.mark.parametrize("step", TEXT_STEPS, ids=lambda s: f"{s.kind}")
async def test_a_text_step_sends_what_aiograms_method_sends(
    step: SendStep, api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    await channel.bot(to_method(SendStep(SendKind.MESSAGE, 42, "the card")))  # message 1 of chat 42, to edit
    await channel.bot(to_method(step, step.chat_id))
    by_aiogram = api.calls[-1]
    params = json_params(step, step.chat_id)
    assert params is not None
    if step.kind is SendKind.EDIT_TEXT:  # the same edit twice: Telegram says "not modified" the second time
        with pytest.raises(TelegramBadRequest, match="not modified"):
            await send_json(channel.bot, step, step.chat_id, params)
        sent = None
    else:
        sent = await send_json(channel.bot, step, step.chat_id, params)
    by_json = api.calls[-1]

    assert by_json.method == by_aiogram.method
    assert by_json.params == by_aiogram.params
    if step.kind is SendKind.MESSAGE:
        assert (
            sent is not None
            and isinstance(sent.message_id, int)
            and sent.message_id == by_aiogram.result["message_id"] + 1
        )


def test_a_media_step_is_left_to_aiogram() -> None:
    assert json_params(SendStep(SendKind.PHOTO, 42, "caption", file_id="P1"), 42) is None


async def test_a_429_raises_aiograms_retry_after(api: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    api.fail_next("sendMessage", status=429, retry_after=7)
    step = TEXT_STEPS[0]

    with pytest.raises(TelegramRetryAfter) as caught:
        await send_json(channel.bot, step, 42, json_params(step, 42) or {})

    assert caught.value.retry_after == 7


async def _answering(status: int, body: str) -> tuple[web.AppRunner, str]:
    async def answer(_request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", answer)
    runner, url = await serve(app, "")
    return runner, url


async def test_a_success_that_answers_true_has_no_message_id(make_channel: ChannelFactory) -> None:
    runner, base = await _answering(200, '{"ok": true, "result": true}')
    try:
        channel = await make_channel(api_base=base)
        step = TEXT_STEPS[-1]
        assert await send_json(channel.bot, step, 42, json_params(step, 42) or {}) == Sent(None)
    finally:
        await runner.cleanup()


async def test_an_answer_that_is_not_the_bot_apis_json_is_aiograms_decode_error(
    make_channel: ChannelFactory,
) -> None:
    runner, base = await _answering(200, "<html>proxy says hello</html>")
    try:
        channel = await make_channel(api_base=base)
        step = TEXT_STEPS[0]
        with pytest.raises(ClientDecodeError):
            await send_json(channel.bot, step, 42, json_params(step, 42) or {})
    finally:
        await runner.cleanup()


async def test_a_timeout_is_aiograms_network_error(make_channel: ChannelFactory) -> None:
    released = asyncio.Event()

    async def slow(_request: web.Request) -> web.Response:
        await released.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", slow)
    runner, base = await serve(app, "")
    try:
        channel = await make_channel(api_base=base)
        channel.bot.session.timeout = 0.2
        step = TEXT_STEPS[0]
        with pytest.raises(TelegramNetworkError, match="timeout"):
            await send_json(channel.bot, step, 42, json_params(step, 42) or {})
    finally:
        released.set()
        await runner.cleanup()
