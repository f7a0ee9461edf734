"""Shared calendars, policies and time helpers for the SLA tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ticket_core.enums import Priority
from ticket_core.sla import BusinessCalendar, SlaPolicy, SlaTarget

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# Mon-Fri 09:00-18:00 with lunch 13:00-14:00 (8 working hours a day) in Berlin; 1 May is a holiday.
OFFICE = BusinessCalendar.office(
    "berlin-office", "Europe/Berlin", hours="09:00-13:00,14:00-18:00", holidays=[date(2026, 5, 1)]
)
# The same hours without lunch (9 hours a day), for clock tests that read more easily.
PLAIN = BusinessCalendar.office("berlin-plain", "Europe/Berlin", hours="09:00-18:00")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Berlin wall time as an aware datetime in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A New York wall time as an aware datetime in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


POLICY = SlaPolicy(
    "standard",
    PLAIN,
    {
        Priority.P1: SlaTarget(hours(1), hours(4)),
        Priority.P2: SlaTarget(hours(2), hours(8)),
        Priority.P3: SlaTarget(hours(4), hours(18)),
        Priority.P4: SlaTarget(hours(8), hours(45)),
    },
)
