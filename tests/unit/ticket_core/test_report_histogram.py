"""Log-bucket histograms: every value reads back within the stated bound, and so do percentiles."""

from __future__ import annotations

import random

import pytest

from ticket_core.reports.histogram import (
    ABSOLUTE_ERROR,
    FLOOR_S,
    GAMMA,
    RELATIVE_ERROR,
    STEPS,
    bucket_of,
    bucket_value,
    histogram_percentile,
    merge,
    within_bound,
)
from ticket_core.reports.reference import percentile


def test_the_bound_is_about_four_percent_or_half_a_minute() -> None:
    assert RELATIVE_ERROR == pytest.approx((GAMMA - 1) / (GAMMA + 1))
    assert 0.043 < RELATIVE_ERROR < 0.044 and ABSOLUTE_ERROR == 30


@pytest.mark.parametrize("value", [0.0, 0.3, 1.0, 59.9, 60.0, 61.5, 3600.0, 86_399.5, 2.5e7, 9.4e7])
def test_a_value_reads_back_within_the_bound(value: float) -> None:
    read = bucket_value(bucket_of(value))
    assert abs(read - value) <= RELATIVE_ERROR * value + (ABSOLUTE_ERROR if value < FLOOR_S else 0) + 1e-9


def test_the_worst_case_is_at_the_bucket_bounds() -> None:
    bucket = bucket_of(1000.0)
    lower = FLOOR_S * 2.0 ** ((bucket - 1) / STEPS)
    assert bucket_of(lower) == bucket and bucket_of(lower * GAMMA * 0.999999) == bucket
    read = bucket_value(bucket)
    assert (read - lower) / lower == pytest.approx(RELATIVE_ERROR)
    assert (lower * GAMMA - read) / (lower * GAMMA) == pytest.approx(RELATIVE_ERROR)


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_agree_with_the_reference_within_the_bound(seed: int) -> None:
    rng = random.Random(seed)
    values = [
        rng.choice((0.2, rng.uniform(1, 90), rng.expovariate(1 / 7200))) for _ in range(rng.randint(1, 400))
    ]
    hist = merge([{bucket_of(v): 1} for v in values])
    assert sum(hist.values()) == len(values)
    for p in (0.5, 0.9, 0.0, 1.0):
        assert within_bound(histogram_percentile(hist, p), percentile(values, p))


def test_empty_and_cancelled_out_histograms_have_no_percentile() -> None:
    assert histogram_percentile({}, 0.5) is None
    assert histogram_percentile(merge([{5: 2}, {5: -2}]), 0.5) is None
    assert within_bound(None, None) and not within_bound(1.0, None) and not within_bound(1000.0, 1200.0)
