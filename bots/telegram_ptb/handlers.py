"""The python-telegram-bot handlers of one bot: every message, edited message and button press -> `Inbound`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bots.telegram_ptb.inbound import callback_to_inbound, is_user_content, message_to_inbound
from dialogue.messages import Bot, Inbound

log = logging.getLogger(__name__)

# accept(update_id, inbound): hand the converted update over to the channel.
Accept = Callable[[int, Inbound], Awaitable[None]]

# The update types these handlers read; polling and the webhook ask Telegram for exactly these.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


def build_handlers(bot_kind: Bot, accept: Accept) -> list[BaseHandler[Update, Any, None]]:
    """Return the handlers that convert updates of one bot and hand them to `accept`."""

    async def on_message(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message or update.edited_message
        if message is None:
            return
        if not is_user_content(message):
            log.debug("skipping service message in chat %s", message.chat.id)
            return
        await accept(update.update_id, message_to_inbound(bot_kind, update.update_id, message))

    async def on_callback(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        # Answer first so the button's spinner stops now, whatever the app then takes to reply.
        try:
            await query.answer()
        except TelegramError as e:
            # An old query (after a restart) cannot be answered any more; the press still counts.
            log.warning("answerCallbackQuery failed: %s", e)
        if query.data is None:
            return  # a game button; we offer none
        await accept(update.update_id, callback_to_inbound(bot_kind, update.update_id, query))

    return [
        MessageHandler(filters.UpdateType.MESSAGES, on_message),
        CallbackQueryHandler(on_callback),
    ]
