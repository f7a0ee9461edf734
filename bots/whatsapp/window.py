"""The 24-hour customer-service window: free-form messages only within 24 h of the person's last message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

WINDOW = timedelta(hours=24)


class ServiceWindowStore(Protocol):
    """Remembers when each WhatsApp contact last wrote to us."""

    async def last_inbound(self, wa_id: str) -> datetime | None:
        """Return when `wa_id` last wrote (timezone-aware UTC), or None if never (as far as we know)."""
        ...

    async def record_inbound(self, wa_id: str, at: datetime) -> None:
        """Note that `wa_id` wrote at `at`; an older time than the one stored changes nothing."""
        ...


class MemoryServiceWindowStore:
    """A `ServiceWindowStore` in this process's memory (lost on restart: then templates are used at first)."""

    def __init__(self) -> None:
        self._last: dict[str, datetime] = {}

    async def last_inbound(self, wa_id: str) -> datetime | None:
        """Return when `wa_id` last wrote, or None."""
        return self._last.get(wa_id)

    async def record_inbound(self, wa_id: str, at: datetime) -> None:
        """Note that `wa_id` wrote at `at` (webhooks may arrive out of order, so keep the latest).

        Raises:
            ValueError: `at` is naive; the window is computed in UTC.
        """
        if at.tzinfo is None:
            raise ValueError("record_inbound needs a timezone-aware time")
        known = self._last.get(wa_id)
        if known is None or at > known:
            self._last[wa_id] = at.astimezone(UTC)


def is_open(last_inbound: datetime | None, now: datetime) -> bool:
    """Tell whether the service window is open at `now` for a contact who last wrote at `last_inbound`."""
    return last_inbound is not None and now - last_inbound < WINDOW
