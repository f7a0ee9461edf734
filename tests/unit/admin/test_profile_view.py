"""How the admin shows a profile: readable working hours, in/off hours now on the engineer's clock, form texts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from helpdesk.admin.i18n import Texts
from helpdesk.admin.profile_view import form_values, hours_now, hours_text, vocabulary
from ticket_core.enums import Role
from ticket_core.model import StaffMember
from ticket_core.staff_profile import parse_profile
from ticket_core.working_hours import WeeklyHours

MONDAY_0600_UTC = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 09:00 in Moscow, 11:00 in Yekaterinburg


@pytest.mark.parametrize(
    ("spec", "shown"),
    [
        ("mon-fri 09:00-18:00; sat 10:00-14:00", "Mon–Fri 09:00–18:00; Sat 10:00–14:00"),
        ("daily 00:00-24:00", "Every day all day"),
        ("mon,wed 08:00-12:00, 13:00-17:00", "Mon 08:00–12:00, 13:00–17:00; Wed 08:00–12:00, 13:00–17:00"),
        ("fri-sun 22:00-06:00", "Fri–Sun 22:00–06:00 (overnight)"),
        ("sat 10:00-24:00", "Sat 10:00–24:00"),
        ("mon 09:00-09:00", "Mon 09:00–09:00 (overnight)"),
    ],
)
def test_hours_read_like_a_timetable(spec: str, shown: str) -> None:
    assert hours_text(WeeklyHours.parse(spec), Texts("en")) == shown


def test_no_schedule_reads_any_time() -> None:
    assert hours_text(None, Texts("en")) == "any time on shift"


def test_hours_read_in_russian_for_a_russian_admin() -> None:
    """#18 walk: the Russian engineer page read "any time on shift" and "Sun 20:45"."""
    ru = Texts("ru")
    assert hours_text(None, ru) == "в любое время на смене"
    assert hours_text(WeeklyHours.parse("mon-fri 09:00-18:00; sat 10:00-14:00"), ru) == (
        "Пн–Пт 09:00–18:00; Сб 10:00–14:00"
    )
    assert hours_text(WeeklyHours.parse("fri-sun 22:00-06:00"), ru) == "Пт–Вс 22:00–06:00 (через полночь)"
    member = StaffMember("e1", "E", Role.ENGINEER, timezone="Europe/Moscow")
    assert hours_now(member, MONDAY_0600_UTC, ru).local == "Пн 09:00"


def test_in_or_off_hours_now_on_the_engineers_own_clock() -> None:
    office = WeeklyHours.parse("mon-fri 10:00-18:00")
    moscow = StaffMember("e1", "E", Role.ENGINEER, working_hours=office, timezone="Europe/Moscow")
    urals = StaffMember("e2", "E", Role.ENGINEER, working_hours=office, timezone="Asia/Yekaterinburg")
    off, on = hours_now(moscow, MONDAY_0600_UTC, Texts("en")), hours_now(urals, MONDAY_0600_UTC, Texts("en"))
    assert (off.in_hours, off.label, off.local) == (False, "off hours now", "Mon 09:00")
    assert (on.in_hours, on.label, on.local) == (True, "in hours now", "Mon 11:00")
    free = hours_now(StaffMember("e3", "E", Role.ENGINEER), MONDAY_0600_UTC, Texts("en"))
    assert (free.in_hours, free.label) == (None, "no set hours")


def test_form_texts_read_back_to_the_same_profile() -> None:
    member = StaffMember(
        "e1",
        "E",
        Role.ENGINEER,
        ("it", "printers"),
        55.123456789,
        37.5,
        level=2,
        regions=("MOW", "SPB"),
        timezone="Asia/Omsk",
        working_hours=WeeklyHours.parse("mon-fri 09:00-18:00"),
        phone="+79161234501",
        lang="en",
    )
    values = form_values(member)
    assert values["skills"] == "it, printers" and values["home_lat"] == "55.123456789"
    parsed = parse_profile(values)
    assert all(parsed[name] == getattr(member, name) for name in parsed)
    empty = form_values(StaffMember("e2", "E", Role.ENGINEER))
    assert (empty["home_lat"], empty["working_hours"], empty["phone"]) == ("", "", "")
    shown_again = form_values(member, {"level": "9"})
    assert (shown_again["level"], shown_again["skills"]) == ("9", "it, printers")  # the rest as stored


def test_vocabulary_is_distinct_and_sorted() -> None:
    assert vocabulary({"it": 1, "hvac": 2}, ["it", ""], ("plumbing",)) == ["hvac", "it", "plumbing"]
