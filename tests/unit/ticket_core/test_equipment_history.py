"""A unit's history: the last tickets, a repeat fault within 30 days, parts named in a done note."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ticket_core.equipment.history import last_tickets, parse_parts, repeat_of
from ticket_core.equipment.model import UnitTicket

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _t(n: int, days: float) -> UnitTicket:
    return UnitTicket(f"t{n}", "u", n, "hvac", "closed", T0 + timedelta(days=days))


def test_repeat_within_30_days_and_the_last_three() -> None:
    history = [_t(5, 40), _t(4, 20), _t(3, 5), _t(2, 1), _t(1, 0)]  # newest first
    assert repeat_of(history, "t5", T0 + timedelta(days=40)) == _t(4, 20)
    assert repeat_of(history, "t4", T0 + timedelta(days=20)) == _t(3, 5)
    assert repeat_of([_t(1, 0)], "t2", T0 + timedelta(days=30, seconds=1)) is None
    assert repeat_of([_t(1, 0)], "t1", T0) is None
    assert [h.number for h in last_tickets(history, "t5")] == [4, 3, 2]


def test_two_tickets_opened_in_the_same_instant_only_the_later_number_is_a_repeat() -> None:
    history = [_t(2, 0), _t(1, 0)]
    assert repeat_of(history, "t2", T0) == _t(1, 0)
    assert repeat_of(history, "t1", T0) is None


def test_parts_from_a_done_note() -> None:
    note = "Прочистил дренаж\nЗаменено: фильтр x2, ремень; насос (3 шт)\nreplaced: belt ×2\nЗаменил фильтр"
    assert parse_parts(note) == [("фильтр", 2), ("ремень", 1), ("насос", 3), ("belt", 2)]
    assert parse_parts("Заменено:   , ;") == [] and parse_parts("") == []
