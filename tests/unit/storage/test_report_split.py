"""How a report period splits into month blocks, day cells and live edges, and reads percentiles back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage.report_periods import CellRange, split_period
from storage.report_rollups import picked_percentiles
from ticket_core.reports.histogram import bucket_of, histogram_percentile


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_a_year_is_a_few_aligned_blocks_the_edge_days_and_two_live_pieces() -> None:
    split = split_period(at(2025, 12, 2, 6), at(2026, 12, 2, 6), months=8)
    assert split.live == [(at(2025, 12, 2, 6), at(2025, 12, 3)), (at(2026, 12, 2), at(2026, 12, 2, 6))]
    assert split.cells == [
        CellRange("8", date(2026, 1, 1), date(2026, 1, 2)),  # January to August
        CellRange("2", date(2026, 9, 1), date(2026, 9, 2)),
        CellRange("1", date(2026, 11, 1), date(2026, 11, 2)),
        # December 3-31: the month less its first two days
        CellRange("1", date(2025, 12, 1), date(2025, 12, 2)),
        CellRange("d", date(2025, 12, 1), date(2025, 12, 3), -1),
        # December 1, 2026: one day cell
        CellRange("d", date(2026, 12, 1), date(2026, 12, 2)),
    ]


def test_rows_by_month_use_single_months_and_rows_by_day_only_days() -> None:
    by_month = split_period(at(2026, 1, 1), at(2026, 5, 1), months=1)
    assert [c.grain for c in by_month.cells] == ["1", "1", "1", "1"] and by_month.live == []
    by_day = split_period(at(2026, 1, 1, 12), at(2026, 5, 1), months=0)
    assert by_day.cells == [CellRange("d", date(2026, 1, 2), date(2026, 5, 1))]


def test_short_periods() -> None:
    inside_a_day = split_period(at(2026, 3, 4, 1), at(2026, 3, 4, 23), months=8)
    assert inside_a_day.cells == [] and inside_a_day.live == [(at(2026, 3, 4, 1), at(2026, 3, 4, 23))]
    a_few_days = split_period(at(2026, 3, 4), at(2026, 3, 9), months=8)
    assert a_few_days.cells == [CellRange("d", date(2026, 3, 4), date(2026, 3, 9))]
    most_of_a_month = split_period(at(2026, 3, 2), at(2026, 3, 31), months=8)
    assert most_of_a_month.cells == [
        CellRange("1", date(2026, 3, 1), date(2026, 3, 2)),
        CellRange("d", date(2026, 3, 1), date(2026, 3, 2), -1),
        CellRange("d", date(2026, 3, 31), date(2026, 4, 1), -1),
    ]


def test_all_history_before_an_instant() -> None:
    split = split_period(None, at(2026, 11, 20, 5), months=8)
    assert split.cells[0] == CellRange("8", None, date(2026, 9, 1))
    assert split.cells[1:3] == [
        CellRange("2", date(2026, 9, 1), date(2026, 9, 2)),
        CellRange("1", date(2026, 11, 1), date(2026, 11, 2)),
    ]
    assert split.live == [(at(2026, 11, 20), at(2026, 11, 20, 5))]


def test_picked_buckets_give_the_histogram_percentiles() -> None:
    values = [30.0, 31.0, 45.0, 600.0, 610.0, 7200.0, 7300.0, 90_000.0]
    hist: dict[int, int] = {}
    for v in values:
        hist[bucket_of(v)] = hist.get(bucket_of(v), 0) + 1
    picks, below = [], 0
    for bucket in sorted(hist):
        picks.append((bucket, below, hist[bucket]))
        below += hist[bucket]
    assert picked_percentiles(picks, len(values)) == (
        histogram_percentile(hist, 0.5),
        histogram_percentile(hist, 0.9),
    )
    assert picked_percentiles([], 0) == (None, None)
