"""Client promise and staff badge texts in Russian and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ticket_core.durations import DurationStyle, format_duration
from ticket_core.enums import Priority
from ticket_core.sla import Fact, FirstResponse, Opened, Paused, Resolved, compute_sla
from ticket_core.sla.display import format_promise, normalize_lang, sla_badge

from .conftest import POLICY, berlin, hours, minutes

DUE = datetime(2026, 3, 4, 11, 30, tzinfo=UTC)  # 14:30 in Moscow, a Wednesday
MON_10 = berlin(2026, 3, 2, 10, 0)


def test_promise_in_russian_and_english_in_the_site_zone() -> None:
    assert format_promise(DUE, lang="ru", tz="Europe/Moscow") == "до 14:30 в среду, 4 марта"
    assert format_promise(DUE, lang="en", tz="Europe/Moscow") == "by 2:30 PM Wed, 4 March"
    assert format_promise(DUE, lang="en", tz="America/New_York") == "by 6:30 AM Wed, 4 March"


def test_promise_midnight_and_noon_in_english() -> None:
    assert (
        format_promise(datetime(2026, 3, 4, 0, 5, tzinfo=UTC), lang="en", tz="UTC")
        == "by 12:05 AM Wed, 4 March"
    )
    assert (
        format_promise(datetime(2026, 3, 4, 12, 0, tzinfo=UTC), lang="en", tz="UTC")
        == "by 12:00 PM Wed, 4 March"
    )


def test_promise_adds_the_year_when_it_differs() -> None:
    due = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    now = datetime(2026, 12, 30, 9, 0, tzinfo=UTC)
    assert (
        format_promise(due, lang="ru-RU", tz="Europe/Moscow", now=now) == "до 12:00 во вторник, 5 января 2027"
    )
    assert format_promise(due, lang="ru", tz="Europe/Moscow", now=due) == "до 12:00 во вторник, 5 января"


def test_promise_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="time zone 'Nowhere/City' is unknown"):
        format_promise(DUE, lang="en", tz="Nowhere/City")
    with pytest.raises(ValueError, match="no time zone"):
        format_promise(datetime(2026, 3, 4, 11, 30), lang="en", tz="UTC")  # noqa: DTZ001


def test_language_fallback() -> None:
    assert normalize_lang("RU_ru") == "ru"
    assert normalize_lang("de") == "en"
    assert normalize_lang(None) == "en"


@pytest.mark.parametrize(
    ("value", "ru", "en"),
    [
        (minutes(80), "1 ч 20 мин", "1 h 20 min"),
        (minutes(35) + timedelta(seconds=59), "35 мин", "35 min"),
        (hours(2), "2 ч", "2 h"),
        (timedelta(seconds=30), "<1 мин", "<1 min"),
        (timedelta(days=2, hours=3, minutes=10), "2 д 3 ч", "2 d 3 h"),
        (-minutes(5), "5 мин", "5 min"),
    ],
)
def test_format_duration(value: timedelta, ru: str, en: str) -> None:
    assert format_duration(value, "ru", style=DurationStyle.SHORT) == ru
    assert format_duration(value, "en", style=DurationStyle.SHORT) == en


def badge(timeline: list[Fact], now: datetime, lang: str) -> str:
    return sla_badge(compute_sla(POLICY, timeline, now), lang)


def test_badge_shows_the_response_clock_until_met() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2)]
    assert badge(timeline, MON_10 + minutes(40), "ru") == "SLA ответа: 1 ч 20 мин осталось"
    assert badge(timeline, MON_10 + minutes(100), "en") == "⚠ Response SLA: 20 min left"


def test_badge_shows_resolution_after_response() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10 + minutes(5))]
    assert badge(timeline, MON_10 + hours(2), "ru") == "SLA: 6 ч осталось"
    assert badge(timeline, MON_10 + hours(6) + minutes(40), "ru") == "⚠ SLA: 1 ч 20 мин осталось"
    assert badge(timeline, MON_10 + hours(8) + minutes(35), "en") == "SLA: breached 35 min ago"
    assert badge(timeline, MON_10 + hours(8) + minutes(35), "ru") == "SLA: нарушен 35 мин назад"


def test_badge_keeps_a_response_breach_visible() -> None:
    timeline: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10 + hours(3))]
    assert badge(timeline, MON_10 + hours(4), "en") == "SLA: 4 h left · Response SLA: met late"


def test_badge_paused_and_met() -> None:
    paused: list[Fact] = [Opened(MON_10, Priority.P2), FirstResponse(MON_10), Paused(MON_10 + hours(2))]
    assert badge(paused, MON_10 + hours(30), "ru") == "SLA: пауза, осталось 6 ч"
    assert badge(paused, MON_10 + hours(30), "en") == "SLA: paused, 6 h left"
    done: list[Fact] = [Opened(MON_10, Priority.P2), Resolved(MON_10 + hours(1))]
    assert badge(done, MON_10 + hours(30), "en") == "SLA: met"
    assert badge(done, MON_10 + hours(30), "ru") == "SLA: выполнен"
