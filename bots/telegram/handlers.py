"""The aiogram Router of one bot: every message, edited message and button press becomes an `Inbound`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, Update

from bots.telegram.inbound import callback_to_inbound, is_user_content, message_to_inbound
from dialogue.messages import Bot, Inbound

log = logging.getLogger(__name__)

# accept(update_id, inbound, wait): hand over; with wait=True return only once the app has handled it.
Accept = Callable[[int, Inbound, bool], Awaitable[None]]


def build_router(bot_kind: Bot, accept: Accept) -> Router:
    """Return a Router that converts updates of one bot and hands them to `accept`."""
    router = Router(name=f"helpdesk-telegram-{bot_kind}")

    async def on_message(message: Message, event_update: Update, wait_done: bool = False) -> None:
        if not is_user_content(message):
            log.debug("skipping service message in chat %s", message.chat.id)
            return
        inbound = message_to_inbound(bot_kind, event_update.update_id, message)
        await accept(event_update.update_id, inbound, wait_done)

    async def on_callback(query: CallbackQuery, event_update: Update, wait_done: bool = False) -> None:
        # Answer first so the button's spinner stops now, whatever the app then takes to reply.
        try:
            await query.answer()
        except TelegramAPIError as e:
            # An old query (after a restart) cannot be answered any more; the press still counts.
            log.warning("answerCallbackQuery failed: %s", e)
        if query.data is None:
            return  # a game button; we offer none
        inbound = callback_to_inbound(bot_kind, event_update.update_id, query)
        await accept(event_update.update_id, inbound, wait_done)

    router.message.register(on_message)
    router.edited_message.register(on_message)
    router.callback_query.register(on_callback)
    return router
