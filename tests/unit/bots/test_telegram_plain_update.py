"""A person's plain text message skips the framework (`bots.telegram_common.plain_update`).

The promise is that the shortcut never says yes where aiogram or python-telegram-bot would read the update
differently: whatever it takes, both frameworks validate too and their handlers give the same `Inbound`.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import telegram
from aiogram.types import Update
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.telegram import TelegramChannel
from bots.telegram_common.inbound import update_to_inbound
from bots.telegram_common.plain_update import plain_text_message
from dialogue.messages import Bot, Inbound

PLAIN: dict[str, Any] = {
    "update_id": 7,
    "message": {
        "message_id": 11,
        "date": 1700000000,
        "chat": {"id": 42, "type": "private", "first_name": "Anna", "username": "anna"},
        "from": {"id": 42, "is_bot": False, "first_name": "Anna", "language_code": "ru"},
        "text": "Не печатает принтер",
    },
}


def _with(path: tuple[str, ...], value: object, base: dict[str, Any] = PLAIN) -> dict[str, Any]:
    update = copy.deepcopy(base)
    target = update
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return update


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    update = copy.deepcopy(PLAIN)
    target = update
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return update


def _edited(update: dict[str, Any]) -> dict[str, Any]:
    message = update["message"]
    return {"update_id": update["update_id"], "edited_message": {**message, "edit_date": 1700000100}}


def test_a_plain_message_new_or_edited_with_entities_and_a_topic_is_taken() -> None:
    with_entities = _with(("message", "entities"), [{"type": "bot_command", "offset": 0, "length": 6}])
    group = _with(("message", "chat"), {"id": -100, "type": "supergroup", "title": "Staff", "is_forum": True})
    topic = _with(("message", "message_thread_id"), 5, _with(("message", "is_topic_message"), True, group))

    for update in (PLAIN, _edited(PLAIN), with_entities, _with(("message", "text"), "/start"), topic):
        assert plain_text_message(update) is not None, update


@pytest.mark.parametrize(
    "update",
    [
        _with(("message", "from", "is_bot"), True),  # the routers drop bots
        _with(("message", "photo"), [{"file_id": "P", "file_unique_id": "p", "width": 1, "height": 1}]),
        _with(("message", "reply_to_message"), {"message_id": 1}),  # a nested message: the framework's
        _with(("message", "chat", "id"), "42"),  # a wrong type
        _with(("message", "from", "id"), True),  # a bool is not an id
        _with(("message", "date"), 1.5),
        _with(("message", "text"), 5),
        _with(("message", "entities"), [{"type": "bold", "offset": 0}]),  # no length
        _with(("message", "entities"), [{"type": "bold", "offset": 0, "length": 1, "user": {}}]),
        _with(("message", "chat"), "42"),
        _with(("message", "brand_new_field"), 1),  # a newer Bot API: let the framework decide
        _with(("callback_query",), {"id": "1"}),
        _without(("message", "text")),
        _without(("message", "from")),  # an anonymous admin speaks as sender_chat
        _without(("message", "chat", "type")),
        _without(("message", "date")),
        {"update_id": 7, "edited_message": PLAIN["message"]},  # an edit without edit_date
        {"update_id": "7", "message": PLAIN["message"]},
        {"update_id": 7, "message": PLAIN["message"], "edited_message": PLAIN["message"]},
        {"update_id": 7},
    ],
)
def test_anything_else_goes_to_the_framework(update: dict[str, Any]) -> None:
    assert plain_text_message(update) is None


def _aiogram_reads(update: dict[str, Any]) -> list[Inbound]:
    """What aiogram's own path (validation, dispatcher, filters, handlers) hands over for `update`."""
    got: list[Inbound] = []

    async def feed() -> None:
        channel = TelegramChannel(Bot.CLIENT, "42:abc", _record(got), webhook_secret="s")
        try:
            parsed = Update.model_validate(update, context={"bot": channel.bot})
            await channel.dispatcher.feed_update(channel.bot, parsed, wait_done=True, raw_update=update)
        finally:
            await channel.bot.session.close()

    asyncio.run(feed())
    return got


def _record(into: list[Inbound]) -> Callable[[Inbound], Awaitable[None]]:
    async def on_inbound(inbound: Inbound) -> None:
        into.append(inbound)

    return on_inbound


def _ptb_reads(update: dict[str, Any]) -> Inbound | None:
    """What python-telegram-bot's handlers hand over: they convert its objects' `to_dict()`."""
    parsed = telegram.Update.de_json(update, None)  # type: ignore[arg-type]
    return update_to_inbound(Bot.CLIENT, parsed.to_dict())


# A plain message with fields swapped for other values: some a valid update, most not.
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=8), st.floats(allow_nan=False)
)
_PATHS = [
    ("message", "message_id"),
    ("message", "date"),
    ("message", "text"),
    ("message", "edit_date"),
    ("message", "message_thread_id"),
    ("message", "is_topic_message"),
    ("message", "chat", "id"),
    ("message", "chat", "type"),
    ("message", "chat", "title"),
    ("message", "chat", "is_forum"),
    ("message", "from", "id"),
    ("message", "from", "is_bot"),
    ("message", "from", "first_name"),
    ("message", "from", "last_name"),
    ("message", "from", "language_code"),
    ("message", "entities"),
    ("message", "link_preview_options"),
]
_VALUES = st.one_of(
    _SCALARS,
    st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["bold", "url", "mention"]), "offset": st.integers(0, 3)},
            optional={"length": st.integers(0, 3), "url": _SCALARS},
        ),
        max_size=2,
    ),
    st.fixed_dictionaries({}, optional={"is_disabled": _SCALARS, "url": _SCALARS}),
)


@settings(max_examples=300, deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from(_PATHS), _VALUES), max_size=3), edited=st.booleans())
def test_whatever_the_shortcut_takes_both_frameworks_read_the_same(
    changes: list[tuple[tuple[str, ...], object]], edited: bool
) -> None:
    update = copy.deepcopy(PLAIN)
    for path, value in changes:
        update = _with(path, value, update)
    if edited:
        update = {"update_id": update["update_id"], "edited_message": update["message"]}

    message = plain_text_message(update)

    if message is None:
        return
    expected = update_to_inbound(Bot.CLIENT, update)
    assert _aiogram_reads(update) == ([expected] if expected is not None else [])
    assert _ptb_reads(update) == expected


async def test_a_plain_message_by_webhook_is_handed_over_without_aiogram(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    got: list[Inbound] = []
    channel = TelegramChannel(Bot.CLIENT, "42:abc", _record(got), webhook_secret="s")

    def no_models(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("aiogram's models were built for a plain text message")

    monkeypatch.setattr(Update, "model_validate", no_models)
    try:
        await channel.feed_webhook_update(copy.deepcopy(PLAIN))
        await channel.feed_webhook_update(copy.deepcopy(PLAIN))  # Telegram re-sent it: dropped as before
        with pytest.raises(AssertionError, match="models were built"):
            await channel.feed_webhook_update(_with(("message", "reply_to_message"), {"message_id": 1}))
    finally:
        await channel.bot.session.close()

    assert got == [update_to_inbound(Bot.CLIENT, PLAIN)]
