"""The pure parts of the python-telegram-bot sender: PTB keyboards, PTB errors, PTB's retry_after."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import telegram as tg
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bots.telegram_common import TelegramLimits
from bots.telegram_common.delivery import Failure, FailureKind
from bots.telegram_common.plan import plan_outbound
from bots.telegram_ptb.sender import PtbSender, retry_seconds, to_markup
from dialogue.messages import Bot, Button, Channel, Outbound

# PTB 22 reads RetryAfter.retry_after while building the error, which warns about a future type.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def out(text: str, **kwargs: object) -> Outbound:
    return Outbound(Channel.TELEGRAM, Bot.STAFF, "-100", text, **kwargs)  # type: ignore[arg-type]


def test_planned_keyboards_become_ptb_keyboards() -> None:
    [both] = plan_outbound(out("Where are you?", request_contact=True, request_location=True))
    [inline] = plan_outbound(
        out("Да?", buttons=((Button("Да", "ok:1"), Button("Сайт", url="https://x.org")),))
    )

    reply = to_markup(both.reply_markup)
    buttons = to_markup(inline.reply_markup)

    assert isinstance(reply, tg.ReplyKeyboardMarkup)
    assert (reply.one_time_keyboard, reply.resize_keyboard) == (True, True)
    assert [(b.request_contact, b.request_location) for b in reply.keyboard[0]] == [
        (True, None),
        (None, True),
    ]
    assert isinstance(buttons, tg.InlineKeyboardMarkup)
    assert [(b.text, b.callback_data, b.url) for b in buttons.inline_keyboard[0]] == [
        ("Да", "ok:1", None),
        ("Сайт", None, "https://x.org"),
    ]
    assert to_markup(None) is None


def test_retry_after_in_seconds_from_int_or_timedelta() -> None:
    assert retry_seconds(RetryAfter(7)) == 7.0
    assert retry_seconds(RetryAfter(dt.timedelta(seconds=2.5))) == 2.5


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: ChatMigrated(-1009),
            Failure(
                FailureKind.MIGRATED, "Group migrated to supergroup. New chat id: -1009", migrate_to=-1009
            ),
        ),
        (
            lambda: RetryAfter(7),
            Failure(FailureKind.RETRY_AFTER, "Flood control exceeded. Retry in 7 seconds", retry_after=7.0),
        ),
        (
            lambda: Forbidden("Forbidden: bot was blocked by the user"),
            Failure(FailureKind.REFUSED, "Forbidden: bot was blocked by the user"),
        ),
        (lambda: BadRequest("Chat not found"), Failure(FailureKind.REFUSED, "Chat not found")),
        (
            lambda: NetworkError("Request Entity Too Large"),
            Failure(FailureKind.REFUSED, "Request Entity Too Large"),
        ),
        (lambda: NetworkError("Bad Gateway"), Failure(FailureKind.FAILED, "NetworkError: Bad Gateway")),
        (lambda: TimedOut(), Failure(FailureKind.FAILED, "TimedOut: Timed out")),
        (lambda: ValueError("not ours"), None),
    ],
)
def test_ptb_errors_are_classified(make: Callable[[], Exception], expected: Failure | None) -> None:
    # Made inside the test: PTB warns while building RetryAfter, and the module's filter applies only here.
    sender = PtbSender(tg.Bot("1:x"), TelegramLimits.none())

    assert sender.classify(make()) == expected
