"""The shared Telegram core: rate limits per chat, the error mapping, and staying free of both frameworks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bots.ratelimit import Rate
from bots.telegram_common.delivery import Failure, FailureKind
from bots.telegram_common.limits import TelegramLimits, limits_for


def test_limits_private_group_and_bot_wide() -> None:
    private, group, overall = Rate(1, 1.0), Rate(20, 60.0), Rate(30, 1.0)
    limits = TelegramLimits(private_chat=private, group_chat=group, overall=overall)

    assert limits_for(limits, 42) == [("*", overall), (("chat", 42), private)]
    assert limits_for(limits, -100) == [("*", overall), (("chat", -100), group)]
    assert limits_for(limits, "@news") == [("*", overall), (("chat", "@news"), group)]
    assert limits_for(limits, None) == [("*", overall)]
    assert limits_for(TelegramLimits.none(), 42) == []


@pytest.mark.parametrize(
    ("failure", "text", "permanent", "retry_after"),
    [
        (Failure(FailureKind.RETRY_AFTER, "Too Many Requests", retry_after=7.0), "slow down", False, 7.0),
        (Failure(FailureKind.REFUSED, "Forbidden: bot was blocked"), "refused sendMessage", True, None),
        (Failure(FailureKind.FAILED, "ServerError: oops"), "sendMessage failed", False, None),
        (Failure(FailureKind.MIGRATED, "moved", migrate_to=-9), "chat -5 keeps moving", True, None),
    ],
)
def test_failures_become_delivery_errors_the_delivery_loop_understands(
    failure: Failure, text: str, permanent: bool, retry_after: float | None
) -> None:
    error = failure.delivery_error("sendMessage", -5)

    assert text in str(error) and failure.detail in str(error)
    assert (error.permanent, error.retry_after) == (permanent, retry_after)


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("bots.telegram_common", ("aiogram", "telegram")), ("bots.telegram_ptb", ("aiogram",))],
)
def test_importing_a_package_loads_no_framework_it_does_not_use(
    package: str, forbidden: tuple[str, ...]
) -> None:
    # A fresh interpreter: in this one the other adapter's tests have loaded both frameworks already.
    modules = (
        "bots.telegram_common.channel bots.telegram_common.delivery bots.telegram_common.inbound "
        "bots.telegram_common.plan bots.telegram_common.commands"
    )
    code = (
        f"import importlib, sys; importlib.import_module({package!r}); "
        f"[importlib.import_module(m) for m in {modules!r}.split()]; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(forbidden)!r}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )

    assert result.stdout.strip() == "[]"
