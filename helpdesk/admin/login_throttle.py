"""Admin login throttling: whose password may be checked now, and how long the others wait.

Built the way OWASP's Authentication and Credential Stuffing cheat sheets describe it (growing delays
rather than a hard lock-out, and "device cookies" so that an attack on a login does not lock its owner out):

* **Counters.** Each attempt is counted on rows of `admin_login_throttle`:

  - `address`: attempts from one IP address (an IPv6 address counts by its /64, the block one subscriber
    usually holds, so an attacker cannot step through addresses of their own block);
  - `login`: attempts at one login from browsers that never signed in as it ("unknown" browsers);
  - `device`: attempts from a browser that signed in as this login before and shows its device cookie
    (`hd_admin_device`, a random value kept as its sha256 in `admin_devices`). Such an attempt is counted
    on that device alone: the attacker's address and the login's counter do not apply to it, so the real
    user still signs in while someone else guesses their password.

* **Limits.** A counter lets `max_failures` attempts through at once (ADMIN_LOGIN_MAX_FAILURES). After that
  each attempt must wait a delay that doubles from one second up to `window` (ADMIN_LOGIN_WINDOW_S): 1 s,
  2 s, 4 s, ... The one that fails waits; another address, and a known browser, do not.
* **Forgetting.** A count starts again once it has been quiet for `window` after its last wait ended, so a
  patient attacker stays at one guess per window per counter and a person who mistyped is forgotten soon.
* **Atomic.** An attempt is counted *before* its password is checked, in one short transaction that locks
  its counter rows (an upsert takes the row lock on PostgreSQL; SQLite units begin with BEGIN IMMEDIATE),
  re-reads them, and bumps them or refuses. A right password gives its count back. So whatever the
  concurrency and however many processes, no more than `max_failures` passwords are checked per counter
  before the delays start, and a refused request costs no password hash.

This module is the pure policy; `helpdesk.admin.usecases.log_in` runs it over `storage.admin_store`.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from storage.admin_store import ThrottleCount

if TYPE_CHECKING:
    from helpdesk.settings import Settings

SUBJECT_LENGTH = 64
"""Longest counter subject (the column's length): logins are cut to it, device ids are sha256 hex."""

DEVICE_COOKIE = "hd_admin_device"
DEVICE_LIFETIME = timedelta(days=90)
"""A browser stays known for this long after its last successful sign-in."""

FIRST_DELAY = timedelta(seconds=1)
"""The wait after the last free attempt; each further attempt doubles it, up to the window."""


class Scope(StrEnum):
    """What a throttle counter counts attempts of."""

    ADDRESS = "address"
    LOGIN = "login"
    DEVICE = "device"


@dataclass(frozen=True, slots=True, order=True)
class ThrottleKey:
    """One counter: its scope and what it counts (an address, a login or a device id)."""

    scope: Scope
    subject: str


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many attempts each counter lets through before it delays, and over which window."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=5)
    first_delay: timedelta = FIRST_DELAY

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        """Read ADMIN_LOGIN_MAX_FAILURES and ADMIN_LOGIN_WINDOW_S."""
        return cls(settings.admin_login_max_failures, timedelta(seconds=settings.admin_login_window_s))

    def delay_after(self, failures: int) -> timedelta:
        """How long the next attempt waits once `failures` attempts are counted (nothing below the limit)."""
        over = failures - self.max_failures
        if over < 0:
            return timedelta(0)
        # Past 2**40 the window has long been reached; the cap keeps the arithmetic small.
        return min(self.window, self.first_delay * 2 ** min(over, 40))

    def current(self, count: ThrottleCount | None, now: datetime) -> ThrottleCount | None:
        """The count as it stands at `now`: None when there is none or it has been forgotten."""
        if count is None or now >= count.forget_at or count.failures <= 0:
            return None
        return count

    def wait(self, count: ThrottleCount | None, now: datetime) -> timedelta:
        """How long an attempt at `now` must still wait (zero: it may be checked now)."""
        live = self.current(count, now)
        if live is None or now >= live.next_at:
            return timedelta(0)
        return live.next_at - now

    def counted(self, count: ThrottleCount | None, now: datetime) -> ThrottleCount:
        """The count with one more attempt: the next one waits `delay_after`, forgotten a window after."""
        live = self.current(count, now)
        failures = (live.failures if live is not None else 0) + 1
        next_at = now + self.delay_after(failures)
        return ThrottleCount(failures, next_at, next_at + self.window)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an attempt is not checked now, and for how long."""

    scope: Scope
    wait: timedelta

    @property
    def retry_after_s(self) -> int:
        """Whole seconds to wait, at least one (the Retry-After header)."""
        return max(1, math.ceil(self.wait.total_seconds()))

    @property
    def message(self) -> str:
        """What the person sees: what happened, how long to wait and what else they can do."""
        wait = _say_wait(self.retry_after_s)
        if self.scope is Scope.DEVICE:
            return f"Too many failed logins from this browser. Wait {wait} and try again."
        if self.scope is Scope.LOGIN:
            return (
                f"Too many failed logins for this login from unknown browsers. Wait {wait} and try again, "
                "or sign in from a browser you have signed in with before."
            )
        return f"Too many failed logins from your network address. Wait {wait} and try again."


def _say_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"about {minutes} minute{'s' if minutes != 1 else ''}"


def refusal(
    limits: LoginLimits, counts: Iterable[tuple[ThrottleKey, ThrottleCount | None]], now: datetime
) -> Refusal | None:
    """The longest wait among an attempt's counters, or None when every one lets it through."""
    worst: Refusal | None = None
    for key, count in counts:
        wait = limits.wait(count, now)
        if wait > timedelta(0) and (worst is None or wait > worst.wait):
            worst = Refusal(key.scope, wait)
    return worst


def address_subject(ip: str) -> str:
    """The address counter's subject: the IPv4 address, or the /64 an IPv6 address belongs to."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip[:SUBJECT_LENGTH] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def login_subject(login: str) -> str:
    """The login counter's subject: the login as typed, case-folded (so "A-Admin" counts as "a-admin")."""
    return login.strip().casefold()[:SUBJECT_LENGTH] or "-"


def keys_for(ip: str, login: str, device_id: str | None) -> list[ThrottleKey]:
    """The counters an attempt is checked and counted on, in lock order.

    A known device (its id given) counts on itself alone; an unknown browser on its address and the login.
    """
    if device_id is not None:
        return [ThrottleKey(Scope.DEVICE, device_id)]
    return sorted(
        [ThrottleKey(Scope.ADDRESS, address_subject(ip)), ThrottleKey(Scope.LOGIN, login_subject(login))]
    )
