"""One duration formatter for every part: the same values cut into parts by each style, in both languages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ticket_core.durations import DASH, DurationStyle, format_duration

EXACT, SHORT, REPORT, WHOLE = (
    DurationStyle.EXACT,
    DurationStyle.SHORT,
    DurationStyle.REPORT,
    DurationStyle.WHOLE,
)


@pytest.mark.parametrize(
    ("seconds", "exact", "short", "report", "whole"),
    [
        (42, "0 min", "<1 min", "42 s", "0 min"),
        (90 * 60, "1 h 30 min", "1 h 30 min", "1 h 30 min", "90 min"),
        (2 * 3600, "2 h 0 min", "2 h", "2 h 00 min", "2 h"),
        (3 * 3600 + 300, "3 h 5 min", "3 h 5 min", "3 h 05 min", "185 min"),
        (86400, "1 d 0 h", "1 d", "1 d 0 h", "1 d"),
        (2 * 86400 + 3 * 3600 + 600, "2 d 3 h", "2 d 3 h", "2 d 3 h", "3070 min"),
    ],
)
def test_each_style_cuts_the_same_duration_its_own_way(
    seconds: int, exact: str, short: str, report: str, whole: str
) -> None:
    said = [format_duration(seconds, "en", style=s) for s in (EXACT, SHORT, REPORT, WHOLE)]
    assert said == [exact, short, report, whole]
    assert (
        format_duration(timedelta(seconds=seconds), "en", style=EXACT) == exact
    )  # a timedelta reads the same


def test_units_are_the_domains_words_in_russian() -> None:
    assert format_duration(3 * 3600 + 300, "ru", style=EXACT) == "3 ч 5 мин"
    assert format_duration(3 * 3600 + 300, "ru-RU", style=REPORT) == "3 ч 05 мин"
    assert format_duration(30, "ru", style=SHORT) == "<1 мин"
    assert format_duration(19, "ru", style=REPORT) == "19 с"
    assert format_duration(86400, "ru", style=WHOLE) == "1 д"
    assert format_duration(7200, "de", style=SHORT) == "2 h"  # another language reads English


def test_sign_and_nothing() -> None:
    assert format_duration(-600, style=EXACT) == "-10 min"
    assert format_duration(timedelta(minutes=-5), style=SHORT) == "5 min"  # a badge says "left" or "ago"
    assert format_duration(-3700, style=REPORT) == "-1 h 01 min"
    assert format_duration(None, style=EXACT) == ""
    assert format_duration(None, style=SHORT) == ""
    assert format_duration(None, style=REPORT) == DASH
