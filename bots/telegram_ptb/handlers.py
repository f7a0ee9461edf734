"""The python-telegram-bot handlers of one bot: every message, edited message and button press -> `Inbound`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bots.telegram_common.inbound import update_to_inbound
from dialogue.messages import Bot, Inbound

log = logging.getLogger(__name__)

# accept(update_id, inbound): hand the converted update over to the channel.
Accept = Callable[[int, Inbound], Awaitable[None]]


def build_handlers(bot_kind: Bot, accept: Accept) -> list[BaseHandler[Update, Any, None]]:
    """Return the handlers that convert updates of one bot and hand them to `accept`."""

    async def hand_over(update: Update) -> None:
        inbound = update_to_inbound(bot_kind, update.to_dict())
        if inbound is not None:
            await accept(update.update_id, inbound)

    async def on_message(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await hand_over(update)

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
        await hand_over(update)

    return [
        MessageHandler(filters.UpdateType.MESSAGES, on_message),
        CallbackQueryHandler(on_callback),
    ]
