"""Text sends as one JSON POST on aiogram's own HTTP session, without aiogram's models on either side.

A reply is `sendMessage` (or a live card's `editMessageText` / `editMessageReplyMarkup`). Through
`bot(SendMessage(...))` aiogram validates the method's pydantic model, encodes every field as form data
(the keyboard as a JSON string inside it) and validates the whole answer into a `Message` model, of which the
delivery reads one number, `message_id`: about half of a delivered reply's CPU in the worker. Here the same
parameters (`json_params`, the Bot API's JSON as `bots.telegram.outbound.to_method` would send it) go as one
prepared JSON body through the bot's aiohttp session (its connection pool, timeout and API server), and a
successful answer is read for its `message_id` only.

Every other answer is read by aiogram's own `check_response`, which raises what it means
(`TelegramRetryAfter` for a 429 with `retry_after`, `TelegramMigrateToChat`, `TelegramBadRequest`,
`TelegramForbiddenError`, `TelegramServerError`...), and a network failure or a timeout becomes
`TelegramNetworkError` as aiogram's session makes it: `AiogramSender.classify` sees the same exceptions
either way. Media steps (a file id or an upload) still go through aiogram (`to_method`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import Bot as AiogramBot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError

from bots.telegram.outbound import to_method
from bots.telegram_common.plan import SendKind, SendStep

_JSON_HEADERS = {"Content-Type": "application/json"}
_OK_STATUS = range(200, 227)  # aiogram's check: HTTPStatus.OK <= status <= HTTPStatus.IM_USED


@dataclass(frozen=True, slots=True)
class Sent:
    """What a successful text send answered that the delivery reads: the message's id (None for `true`)."""

    message_id: int | None


def json_params(step: SendStep, chat: int | str) -> dict[str, Any] | None:
    """Return the Bot API parameters of a text step addressed to `chat`, as JSON; None for a media step.

    The same fields `to_method` gives aiogram (which leaves out what is None): HTML parse mode for a text,
    the forum topic, the reply to a message (sent even when that message was deleted) and the keyboard.
    """
    params: dict[str, Any]
    if step.kind is SendKind.MESSAGE:
        params = {"chat_id": chat, "text": step.text, "parse_mode": "HTML"}
        if step.thread_id is not None:
            params["message_thread_id"] = step.thread_id
        if step.reply_to is not None:
            params["reply_parameters"] = {"message_id": step.reply_to, "allow_sending_without_reply": True}
    elif step.kind is SendKind.EDIT_TEXT:
        params = {"chat_id": chat, "message_id": step.message_id, "text": step.text, "parse_mode": "HTML"}
    elif step.kind is SendKind.EDIT_MARKUP:
        params = {"chat_id": chat, "message_id": step.message_id}
    else:
        return None
    if step.reply_markup is not None:
        params["reply_markup"] = step.reply_markup.to_dict()
    return params


async def send_json(bot: AiogramBot, step: SendStep, chat: int | str, params: dict[str, Any]) -> Sent:
    """POST `params` to the step's method on the bot's session; return what was sent.

    Raises:
        TelegramAPIError: what aiogram raises for the same answer (its `check_response`), or
            `TelegramNetworkError` when the request failed or timed out.
        ClientDecodeError: an answer that is not the Bot API's JSON (as aiogram raises it).
    """
    session = bot.session
    if not isinstance(session, AiohttpSession):  # the channel always builds one; a test may not
        return Sent(getattr(await bot(to_method(step, chat)), "message_id", None))
    http = await session.create_session()
    url = session.api.api_url(token=bot.token, method=step.kind.value)
    body = json.dumps(params, ensure_ascii=False).encode()
    try:
        async with http.post(
            url, data=body, headers=_JSON_HEADERS, timeout=aiohttp.ClientTimeout(total=session.timeout)
        ) as resp:
            status, raw = resp.status, await resp.text()
    except TimeoutError as e:
        raise TelegramNetworkError(method=to_method(step, chat), message="Request timeout error") from e
    except aiohttp.ClientError as e:
        raise TelegramNetworkError(method=to_method(step, chat), message=f"{type(e).__name__}: {e}") from e
    if status in _OK_STATUS:
        sent = _sent(raw)
        if sent is not None:
            return sent
    # Not a plain success: aiogram reads it, raising what it means (or returning an odd success's model).
    answer = session.check_response(bot=bot, method=to_method(step, chat), status_code=status, content=raw)
    return Sent(getattr(answer.result, "message_id", None))


def _sent(raw: str) -> Sent | None:
    """A successful answer's message id; None for anything but `{"ok": true, "result": <Message or true>}`."""
    try:
        answer = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        return None
    result = answer.get("result")
    if result is True:
        return Sent(None)  # an edit of an inline message answers true
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return Sent(result["message_id"])
    return None
