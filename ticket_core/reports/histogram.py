"""Log-bucket histograms of durations: how reports over many tickets estimate percentiles.

A duration `v` seconds falls in bucket 0 when `v < FLOOR_S` (a minute) and otherwise in bucket
`1 + floor(STEPS * log2(v / FLOOR_S))`: bucket `b >= 1` holds `[FLOOR_S * GAMMA**(b - 1), FLOOR_S * GAMMA**b)`
with `GAMMA = 2**(1 / STEPS)`. A bucket is read back as the point whose relative distance to both of its
bounds is the same, so every value in it is within `RELATIVE_ERROR` (`(GAMMA - 1) / (GAMMA + 1)`, about
4.3 %) of what is read; bucket 0 reads as 30 s, within `ABSOLUTE_ERROR` (30 s) of its values. Help-desk
durations run from minutes to days: a finer bucket under a minute would buy nobody anything, and every
bucket is rows the rollups keep and a year's report adds up (`storage.report_rollups`).

A percentile is the same linear interpolation between two order statistics as `reference.percentile`,
with each order statistic read from the bucket that holds it. Both are within the bound of the true
order statistics, and so is their weighted mean: an estimated percentile `e` of true value `t` obeys
`|e - t| <= RELATIVE_ERROR * t + ABSOLUTE_ERROR`. The storage layer computes the same bucket index in SQL
(`storage.report_rollup_sql.bucket_sql`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

STEPS = 8
"""Buckets per doubling of the duration."""

FLOOR_S = 60.0
"""Durations under this many seconds share bucket 0."""

GAMMA: float = 2.0 ** (1.0 / STEPS)
"""Upper over lower bound of a bucket."""

RELATIVE_ERROR = (GAMMA - 1.0) / (GAMMA + 1.0)
"""The largest relative error of a value read back from its bucket (about 0.0433)."""

ABSOLUTE_ERROR = FLOOR_S / 2
"""The largest error, in seconds, of a value under a minute (bucket 0 reads as 30 s)."""


def bucket_of(seconds: float) -> int:
    """The bucket of a duration in seconds (0 for anything under a minute)."""
    if seconds < FLOOR_S:
        return 0
    return 1 + math.floor(STEPS * math.log(seconds / FLOOR_S) / math.log(2.0))


def bucket_value(bucket: int) -> float:
    """The value a bucket is read back as: equally close, relatively, to its lower and upper bound."""
    if bucket <= 0:
        return ABSOLUTE_ERROR
    lower: float = FLOOR_S * 2.0 ** ((bucket - 1) / STEPS)
    return 2.0 * lower * GAMMA / (1.0 + GAMMA)


def merge(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """Add histograms up, bucket by bucket (zero and negative counts left out)."""
    out: dict[int, int] = {}
    for hist in histograms:
        for bucket, n in hist.items():
            out[bucket] = out.get(bucket, 0) + n
    return {b: n for b, n in out.items() if n > 0}


def _order_statistic(buckets: list[tuple[int, int]], rank: int) -> float:
    """The value read for the `rank`-th smallest (0-based) of the counted values."""
    seen = 0
    for bucket, n in buckets:
        seen += n
        if rank < seen:
            return bucket_value(bucket)
    return bucket_value(buckets[-1][0])


def histogram_percentile(hist: Mapping[int, int], p: float) -> float | None:
    """The `p`-th percentile (0-1) estimated from a histogram, interpolated like percentile_cont.

    Returns None for an empty histogram. The error bound is in the module docstring.
    """
    buckets = sorted((b, n) for b, n in hist.items() if n > 0)
    total = sum(n for _, n in buckets)
    if total == 0:
        return None
    pos = p * (total - 1)
    low = math.floor(pos)
    high = min(low + 1, total - 1)
    a, b = _order_statistic(buckets, low), _order_statistic(buckets, high)
    return a + (pos - low) * (b - a)


def within_bound(estimate: float | None, true: float | None) -> bool:
    """Tell whether an estimate is within the stated error of the true value (both None counts too)."""
    if estimate is None or true is None:
        return estimate is None and true is None
    return abs(estimate - true) <= RELATIVE_ERROR * abs(true) + ABSOLUTE_ERROR + 1e-9
