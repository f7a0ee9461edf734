"""The admin login throttle's policy without a database: delays, forgetting, which counters apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpdesk.admin.login_throttle import (
    LoginLimits,
    Refusal,
    Scope,
    ThrottleKey,
    address_subject,
    keys_for,
    login_subject,
    refusal,
)
from helpdesk.settings import Settings
from storage.admin_store import ThrottleCount

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LIMITS = LoginLimits(max_failures=5, window=timedelta(seconds=300))


def test_settings_give_the_limit_and_the_window() -> None:
    limits = LoginLimits.from_settings(
        Settings(_env_file=None, admin_login_max_failures=3, admin_login_window_s=60)  # type: ignore[call-arg]
    )
    assert limits.max_failures == 3 and limits.window == timedelta(seconds=60)
    assert LoginLimits.from_settings(Settings(_env_file=None)) == LoginLimits()  # type: ignore[call-arg]


def test_the_limit_is_free_then_the_delay_doubles_up_to_the_window() -> None:
    delays = [LIMITS.delay_after(n).total_seconds() for n in range(1, 16)]
    assert delays == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert LIMITS.delay_after(10_000) == LIMITS.window  # no overflow however long an attack goes on


def test_attempts_are_counted_until_the_count_is_forgotten() -> None:
    count = None
    at = NOW
    for _ in range(5):
        assert LIMITS.wait(count, at) == timedelta(0)
        count = LIMITS.counted(count, at)
    assert count is not None and count.failures == 5
    assert LIMITS.wait(count, at) == timedelta(seconds=1)
    assert LIMITS.wait(count, at + timedelta(seconds=1)) == timedelta(0)
    count = LIMITS.counted(count, at + timedelta(seconds=1))
    assert LIMITS.wait(count, at + timedelta(seconds=1)) == timedelta(seconds=2)
    # Quiet for a window after the wait ended: the count starts again.
    assert count.forget_at == at + timedelta(seconds=3) + LIMITS.window
    later = count.forget_at
    assert LIMITS.current(count, later) is None
    assert LIMITS.counted(count, later).failures == 1


def test_a_patient_attacker_keeps_the_longest_wait() -> None:
    count, at = None, NOW
    for _ in range(40):  # every attempt as soon as it is allowed
        at += LIMITS.wait(count, at)
        count = LIMITS.counted(count, at)
    assert count is not None and count.failures == 40  # never forgotten in between
    assert count.next_at - at == LIMITS.window


def test_an_empty_counter_lets_through() -> None:
    empty = ThrottleCount(0, NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    assert LIMITS.wait(empty, NOW) == timedelta(0)


def test_refusal_names_the_longest_wait_and_says_what_to_do() -> None:
    address = ThrottleKey(Scope.ADDRESS, "192.0.2.1")
    login = ThrottleKey(Scope.LOGIN, "a-admin")
    counts = [
        (address, ThrottleCount(6, NOW + timedelta(seconds=2), NOW + timedelta(minutes=5))),
        (login, ThrottleCount(9, NOW + timedelta(seconds=90), NOW + timedelta(minutes=6))),
    ]
    found = refusal(LIMITS, counts, NOW)
    assert found == Refusal(Scope.LOGIN, timedelta(seconds=90))
    assert found.retry_after_s == 90
    assert "about 2 minutes" in found.message and "browser you have signed in with before" in found.message
    assert refusal(LIMITS, counts, NOW + timedelta(seconds=90)) is None
    assert refusal(LIMITS, [(address, None), (login, None)], NOW) is None
    short = Refusal(Scope.ADDRESS, timedelta(milliseconds=200))
    assert short.retry_after_s == 1 and "Wait 1 second and try again" in short.message
    assert "this browser" in Refusal(Scope.DEVICE, timedelta(seconds=5)).message


@pytest.mark.parametrize(
    ("ip", "subject"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),  # same /64, same counter
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("unknown", "unknown"),
        ("", "unknown"),
    ],
)
def test_addresses_are_counted_by_host_or_ipv6_block(ip: str, subject: str) -> None:
    assert address_subject(ip) == subject


def test_logins_are_counted_case_folded() -> None:
    assert login_subject(" A-Admin ") == "a-admin"
    assert login_subject("") == "-"
    assert len(login_subject("x" * 500)) == 64


def test_a_known_device_counts_on_itself_and_an_unknown_browser_on_address_and_login() -> None:
    assert keys_for("192.0.2.1", "a-admin", "d" * 64) == [ThrottleKey(Scope.DEVICE, "d" * 64)]
    assert keys_for("192.0.2.1", "a-admin", None) == [
        ThrottleKey(Scope.ADDRESS, "192.0.2.1"),
        ThrottleKey(Scope.LOGIN, "a-admin"),
    ]
