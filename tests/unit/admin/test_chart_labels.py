"""Report chart labels: 30 days read as dates people use and never overlap (#18: the 30 ISO dates of a month's
report were drawn on top of each other)."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest

from helpdesk.charts import LABEL_CHAR_PX, bar_chart, group_value_label

LABEL = re.compile(r'<text x="([\d.]+)" y="\d+" class="chart-label" text-anchor="middle">([^<]*)</text>')


def _shown(svg: str) -> list[tuple[float, float, str]]:
    """Each shown label's left and right edge (at LABEL_CHAR_PX a character) and text."""
    out = []
    for x, text in LABEL.findall(svg):
        half = len(text) * LABEL_CHAR_PX / 2
        out.append((float(x) - half, float(x) + half, text))
    return out


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("days", [7, 30, 31, 90])
def test_day_labels_do_not_overlap(lang: str, days: int) -> None:
    start = date(2026, 11, 1)
    labels = [group_value_label((start + timedelta(days=i)).isoformat(), "day", lang) for i in range(days)]
    shown = _shown(bar_chart("Tickets", labels, [1.0] * days))
    assert len(shown) >= min(days, 5)
    for (_l, right, first), (left, _r, second) in itertools.pairwise(shown):
        assert right < left, f"{first!r} and {second!r} overlap"


def test_bucket_labels_read_as_dates() -> None:
    assert group_value_label("2026-11-07", "day", "ru") == "7 нояб."
    assert group_value_label("2026-11-07", "day", "en") == "Nov 7"
    assert group_value_label("2026-11", "month", "en") == "Nov 2026"
    assert group_value_label("2026-W45", "week", "ru") == "нед. 45"
    assert group_value_label("Ромашка", "client", "ru") == "Ромашка"  # names stay as they are
