"""`SqlReportSource` agrees with the Python reference on random data, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.reports import SqlReportSource
from tests.integration.conftest import truncate_core
from tests.support.report_data import ReportData, random_data
from ticket_core.reports import Figures, GroupBy, Report, ReportFilter
from ticket_core.reports.reference import compute_report

START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
async def clean(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine on empty tables, emptied again afterwards (the source commits nothing, the seed does)."""
    await _empty(engine)
    yield engine
    await _empty(engine)


async def _empty(engine: AsyncEngine) -> None:
    if engine.dialect.name == "postgresql":
        await truncate_core(engine)  # CASCADE empties the SLA tables too
        return
    async with engine.begin() as conn:
        for name in ("sla_alerts", "outbox", "inbound_log", "interactions", "tickets", "staff", "sites"):
            await conn.execute(text(f"DELETE FROM {name}"))
        await conn.execute(text("DELETE FROM contacts"))
        await conn.execute(text("DELETE FROM clients"))


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-3)
    return a == b


def assert_same_figures(got: Figures, want: Figures, where: str) -> None:
    """Every figure equal (floats within a millisecond / a millionth)."""
    for f in fields(Figures):
        g, w = getattr(got, f.name), getattr(want, f.name)
        assert _close(g, w), f"{where}: {f.name} is {g!r}, the reference says {w!r}"


def assert_same_report(got: Report, want: Report) -> None:
    """Total, row keys, labels and every figure agree."""
    assert_same_figures(got.total, want.total, "total")
    assert [(r.key, r.label) for r in got.rows] == [(r.key, r.label) for r in want.rows]
    for g, w in zip(got.rows, want.rows, strict=True):
        assert_same_figures(g.figures, w.figures, f"row {g.key}")


async def _check(engine: AsyncEngine, data: ReportData, flt: ReportFilter, group_by: GroupBy) -> Report:
    got = await SqlReportSource(engine, clock=lambda: NOW).report(flt, group_by)
    want = compute_report(data.tickets, data.kb, data.inbound, flt, group_by, NOW, data.labels)
    assert_same_report(got, want)
    return got


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_grouping_matches_the_reference(clean: AsyncEngine, seed: int) -> None:
    data = random_data(random.Random(seed), START, timedelta(days=70), 400)
    await data.insert(clean)
    flt = ReportFilter(START + timedelta(days=10, hours=5), START + timedelta(days=50, hours=3))
    for group_by in GroupBy:
        report = await _check(clean, data, flt, group_by)
        assert report.group_by is group_by
    total = (await SqlReportSource(clean).report(flt, GroupBy.NONE)).total
    # the random data exercises every figure: none of them is trivially zero or undefined
    assert total.tickets_opened > 50 and total.tickets_resolved > 20 and total.backlog > 10
    assert 0 < total.sla_breached < total.tickets_resolved
    assert total.csat_count > 5 and total.kb_requests and total.kb_deflected and total.lost_requests


@pytest.mark.parametrize(
    "filters",
    [
        {"client_id": "c1"},
        {"category": "hvac"},
        {"site_id": "s3"},
        {"engineer_id": "e2"},
        {"client_id": "c1", "engineer_id": "e1", "category": "it"},
        {"client_id": "nobody"},
    ],
)
async def test_filters_match_the_reference(clean: AsyncEngine, filters: dict[str, str]) -> None:
    data = random_data(random.Random(7), START, timedelta(days=40), 300)
    await data.insert(clean)
    flt = ReportFilter(START + timedelta(days=3), START + timedelta(days=33), **filters)
    for group_by in (GroupBy.NONE, GroupBy.WEEK, GroupBy.CLIENT, GroupBy.ENGINEER):
        await _check(clean, data, flt, group_by)


async def test_empty_database_gives_zeros_and_undefined_figures(clean: AsyncEngine) -> None:
    flt = ReportFilter(START, START + timedelta(days=3))
    report = await SqlReportSource(clean, clock=lambda: NOW).report(flt, GroupBy.DAY)
    assert report.total == Figures(kb_requests=0, kb_deflected=0, lost_requests=0)
    assert [r.key for r in report.rows] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert report.generated_at == NOW
    by_site = await SqlReportSource(clean).report(flt, GroupBy.SITE)
    assert by_site.rows == []
