"""The aiogram Router of one bot: every message, edited message and button press becomes an `Inbound`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update

from bots.telegram_common.inbound import update_to_inbound
from dialogue.messages import Bot, Inbound

log = logging.getLogger(__name__)

# accept(update_id, inbound, wait): hand over; with wait=True return only once the app has handled it.
Accept = Callable[[int, Inbound, bool], Awaitable[None]]


def update_dict(update: Update) -> dict[str, Any]:
    """Return the update as the Bot API's JSON dict (field aliases such as 'from', no empty fields)."""
    return update.model_dump(mode="json", by_alias=True, exclude_none=True)


def build_router(bot_kind: Bot, accept: Accept) -> Router:
    """Return a Router that converts updates of one bot and hands them to `accept`."""
    router = Router(name=f"helpdesk-telegram-{bot_kind}")

    async def hand_over(update: Update, wait: bool) -> None:
        inbound = update_to_inbound(bot_kind, update_dict(update))
        if inbound is not None:
            await accept(update.update_id, inbound, wait)

    async def on_message(_message: Message, event_update: Update, wait_done: bool = False) -> None:
        await hand_over(event_update, wait_done)

    async def on_callback(query: CallbackQuery, event_update: Update, wait_done: bool = False) -> None:
        # Answer first so the button's spinner stops now, whatever the app then takes to reply.
        try:
            await query.answer()
        except TelegramAPIError as e:
            # An old query (after a restart) cannot be answered any more; the press still counts.
            log.warning("answerCallbackQuery failed: %s", e)
        await hand_over(event_update, wait_done)

    router.message.register(on_message)
    router.edited_message.register(on_message)
    router.callback_query.register(on_callback)
    return router
