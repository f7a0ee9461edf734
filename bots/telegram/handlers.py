"""The aiogram Router of one bot: handlers chosen by aiogram's filters, each handing an `Inbound` over.

What an update means is the engine's business, not the adapter's: every handler converts the update with
the framework-free `update_to_inbound` (the python-telegram-bot adapter uses the same function, so both give
the same `Inbound`). The filters sort updates the way aiogram intends, by what they carry:

| filter | handler |
|---|---|
| `Command(<any command>)`, mentions ignored (`/client@bot ...` in the staff group) | `on_command` |
| `F.text`; then `F.photo`, `F.video`, `F.video_note`, `F.document`, `F.voice`, `F.audio`; then `F.location`, `F.contact`; then what is left (stickers, polls...; a service message gives no `Inbound`) | `on_message` |
| `<Factory>.filter()` of every action in `dialogue.payloads` (`bots.telegram.callbacks`) | `on_button` |
| `F.data`: a payload no factory reads (out of date, forged); the engine refuses it | `on_unread_button` |

Messages and edited messages from bots are dropped by the routers' own filter. A webhook passes the update's
dict as `raw_update`, so it is not dumped back from aiogram's models; polling has only the models. A person's
plain text message by webhook never gets here: it would end in the same `update_to_inbound(raw)` call, so the
channel hands it over without aiogram (`bots.telegram_common.plain_update`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from magic_filter import MagicFilter

from bots.telegram.callbacks import SignedCallback, factories
from bots.telegram_common.inbound import update_to_inbound
from dialogue.messages import Bot, Inbound

log = logging.getLogger(__name__)

# accept(update_id, inbound, wait): hand over; with wait=True return only once the app has handled it.
Accept = Callable[[int, Inbound, bool], Awaitable[None]]

ANY_COMMAND = re.compile(r"[A-Za-z0-9_]{1,32}")
"""A command name as Telegram allows it; which commands exist (per bot and role) the engine decides."""


class Magic(Filter):
    """A magic filter (`F.text`) checked on the event loop.

    aiogram runs a bare `F` filter, being a plain callable, in a worker thread (`asyncio.to_thread`, in
    `CallableObject.call`): a thread hop per check, which made a text update cost 30 times what it does
    without. Wrapped in an async `Filter`, as aiogram's own `MagicData` is, it resolves in place.
    """

    __slots__ = ("magic",)

    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self.magic.resolve(event))

    def __str__(self) -> str:
        return self._signature_to_string(magic=self.magic)


NOT_A_BOT = Magic(~F.from_user.is_bot)
TEXT = Magic(F.text)
MEDIA = Magic(F.photo | F.video | F.video_note | F.document | F.voice | F.audio)
SHARED = Magic(F.location | F.contact)
WITH_DATA = Magic(F.data)


def update_dict(update: Update) -> dict[str, Any]:
    """Return the update as the Bot API's JSON dict (field aliases such as 'from', no empty fields)."""
    return update.model_dump(mode="json", by_alias=True, exclude_none=True)


def build_router(bot_kind: Bot, accept: Accept) -> Router:
    """Return a Router that sorts the updates of one bot by aiogram's filters and hands them to `accept`."""
    router = Router(name=f"helpdesk-telegram-{bot_kind}")

    async def hand_over(update: Update, wait: bool, raw: dict[str, Any] | None) -> None:
        inbound = update_to_inbound(bot_kind, raw if raw is not None else update_dict(update))
        if inbound is not None:
            await accept(update.update_id, inbound, wait)

    async def on_command(
        _message: Message,
        command: CommandObject,
        event_update: Update,
        wait_done: bool = False,
        raw_update: dict[str, Any] | None = None,
    ) -> None:
        log.debug("Telegram %s bot: /%s", bot_kind, command.command)
        await hand_over(event_update, wait_done, raw_update)

    async def on_message(
        _message: Message,
        event_update: Update,
        wait_done: bool = False,
        raw_update: dict[str, Any] | None = None,
    ) -> None:
        await hand_over(event_update, wait_done, raw_update)

    async def answer(query: CallbackQuery) -> None:
        # Answer first so the button's spinner stops now, whatever the app then takes to reply.
        try:
            await query.answer()
        except TelegramAPIError as e:
            # An old query (after a restart) cannot be answered any more; the press still counts.
            log.warning("answerCallbackQuery failed: %s", e)

    async def on_button(
        query: CallbackQuery,
        callback_data: SignedCallback,
        event_update: Update,
        wait_done: bool = False,
        raw_update: dict[str, Any] | None = None,
    ) -> None:
        await answer(query)
        log.debug("Telegram %s bot: button %s", bot_kind, callback_data.action())
        await hand_over(event_update, wait_done, raw_update)

    async def on_unread_button(
        query: CallbackQuery,
        event_update: Update,
        wait_done: bool = False,
        raw_update: dict[str, Any] | None = None,
    ) -> None:
        await answer(query)
        # Handed over all the same: the engine tells the person the button is out of date.
        log.info("Telegram %s bot: a button payload no factory reads: %r", bot_kind, query.data)
        await hand_over(event_update, wait_done, raw_update)

    for observer in (router.message, router.edited_message):
        observer.filter(NOT_A_BOT)
        observer.register(on_command, Command(ANY_COMMAND, ignore_mention=True))
        for kind in (TEXT, MEDIA, SHARED):
            observer.register(on_message, kind)
        observer.register(on_message)  # anything else a person sent; the conversion skips service messages
    for factory in factories():
        router.callback_query.register(on_button, factory.filter())
    router.callback_query.register(on_unread_button, WITH_DATA)
    return router
