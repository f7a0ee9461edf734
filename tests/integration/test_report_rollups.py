"""The rollup path of `SqlReportSource` agrees with the Python reference on SQLite and PostgreSQL.

`exact_limit=-1` sends every report the rollups can answer through them (whole days and months from the
cells the triggers keep, the edges live). Counts must be equal; percentiles within the histograms' stated
bound. The reference reads the facts back from the database, so after every kind of change (through the
repositories and SLA store, as the application makes them, and in raw SQL) the rollups must still agree
with the rows; and the back-fill must build exactly what the triggers kept.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import AsyncIterator
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import make_sessionmaker
from storage.report_fold import fold_report_deltas
from storage.report_rollup_sql import backfill
from storage.report_rollups import RollupQueries
from storage.report_tables import report_cell_deltas, report_cells, report_dist_deltas, report_dists
from storage.reports import SqlReportSource
from storage.sla_tables import sla_alerts
from storage.sla_timers import SqlSlaStore
from storage.tables import contacts, inbound_log, interactions, tickets
from storage.uow import UnitOfWorkFactory
from tests.integration.test_reports_sql import _empty
from tests.support.report_data import random_data
from ticket_core.enums import TicketStatus
from ticket_core.reports import Figures, GroupBy, Report, ReportFilter
from ticket_core.reports.histogram import within_bound
from ticket_core.reports.reference import InboundFact, KbFact, TicketFacts, compute_report
from ticket_core.sla.clock import SlaKind

START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)

PERIODS = {
    # partial edge days, day cells on both sides of a whole month (February)
    "edges and a month": (START + 2 * D + 7 * H, START + 66 * D + 2 * H),
    # whole days only: no live edge
    "whole days": (START + 4 * D, START + 19 * D),
    # inside one day: all live
    "one day": (START + 6 * D + 3 * H, START + 6 * D + 20 * H),
    # two whole months and nothing else
    "two months": (START, START + 59 * D),
}
PERCENTILE_FIELDS = {"frt_median_s", "frt_p90_s", "mttr_median_s", "mttr_p90_s"}


@pytest.fixture
async def clean(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The engine on empty tables (and rollups), emptied again afterwards."""
    await _empty(engine)
    yield engine
    await _empty(engine)


@pytest.fixture
def rollup_calls(monkeypatch: pytest.MonkeyPatch) -> list[GroupBy]:
    """The groupings the rollup path answered (so a test knows it was not the live path)."""
    calls: list[GroupBy] = []
    original = RollupQueries.collect

    async def spy(self: RollupQueries, group_by: GroupBy) -> Any:
        calls.append(group_by)
        return await original(self, group_by)

    monkeypatch.setattr(RollupQueries, "collect", spy)
    return calls


@dataclasses.dataclass
class Facts:
    """What the reference reads, as the database holds it now."""

    tickets: list[TicketFacts]
    kb: list[KbFact]
    inbound: list[InboundFact]
    labels: dict[str, str]


async def read_facts(engine: AsyncEngine, breach_level: int = 1) -> Facts:
    """Every ticket, KB interaction and inbound message, read back from the tables."""
    async with engine.connect() as conn:
        breached = {
            r[0]
            for r in await conn.execute(
                select(sla_alerts.c.ticket_id).where(sla_alerts.c.level >= breach_level)
            )
        }
        t = tickets.c
        rows = await conn.execute(
            select(
                t.id,
                t.created_at,
                t.status,
                t.category,
                t.client_id,
                t.site_id,
                t.assignee_id,
                t.first_response_at,
                t.resolved_at,
                t.cancelled_at,
                t.on_hold_at,
                t.rating,
                t.reopen_count,
            )
        )
        facts = [TicketFacts(*r, sla_breached=r[0] in breached) for r in rows]
        kb = [
            KbFact(*r)
            for r in await conn.execute(
                select(
                    interactions.c.kind,
                    interactions.c.at,
                    interactions.c.contact_id,
                    contacts.c.client_id,
                    interactions.c.query,
                ).select_from(interactions.outerjoin(contacts, contacts.c.id == interactions.c.contact_id))
            )
        ]
        inbound = [
            InboundFact(*r)
            for r in await conn.execute(
                select(inbound_log.c.dedup_key, inbound_log.c.at, inbound_log.c.answered)
            )
        ]
        labels: dict[str, str] = {}
        for table in ("clients", "sites", "staff"):
            labels.update({r[0]: r[1] for r in await conn.execute(text(f"SELECT id, name FROM {table}"))})
    return Facts(facts, kb, inbound, labels)


def assert_agrees(got: Report, want: Report) -> None:
    """Counts and rates equal, percentiles within the histogram bound, the same rows."""

    def same(g: Figures, w: Figures, where: str) -> None:
        for f in fields(Figures):
            a, b = getattr(g, f.name), getattr(w, f.name)
            if f.name in PERCENTILE_FIELDS:
                assert within_bound(a, b), f"{where}: {f.name} is {a!r}, the reference says {b!r}"
            elif isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-9), f"{where}: {f.name} is {a!r}, not {b!r}"
            else:
                assert a == b, f"{where}: {f.name} is {a!r}, the reference says {b!r}"

    same(got.total, want.total, "total")
    assert [(r.key, r.label) for r in got.rows] == [(r.key, r.label) for r in want.rows]
    for g, w in zip(got.rows, want.rows, strict=True):
        same(g.figures, w.figures, f"row {g.key}")


async def check(
    engine: AsyncEngine,
    flt: ReportFilter,
    group_by: GroupBy,
    breach_level: int = 1,
    facts: Facts | None = None,
) -> Report:
    """The rollup report of `flt` agrees with the reference over what the database holds."""
    facts = facts or await read_facts(engine, breach_level)
    source = SqlReportSource(engine, breach_level=breach_level, clock=lambda: NOW, exact_limit=-1)
    got = await source.report(flt, group_by)
    want = compute_report(facts.tickets, facts.kb, facts.inbound, flt, group_by, NOW, facts.labels)
    assert_agrees(got, want)
    return got


@pytest.mark.parametrize(("seed", "fold"), [(3, None), (4, 2_000)])
async def test_every_grouping_and_period_agrees_with_the_reference(
    clean: AsyncEngine, rollup_calls: list[GroupBy], seed: int, fold: int | None
) -> None:
    """Reports read the deltas not folded yet (None: all of them; 2,000: the rest of a partial fold)."""
    data = random_data(random.Random(seed), START, timedelta(days=70), 500)
    await data.insert(clean)
    if fold is not None:
        assert await fold_report_deltas(clean, batch=fold) > 0
        assert await _count(clean, report_cell_deltas) > 0  # a part is still to fold
    facts = await read_facts(clean)
    for name, (start, end) in PERIODS.items():
        flt = ReportFilter(start, end)
        for group_by in GroupBy:
            rollup_calls.clear()
            report = await check(clean, flt, group_by, facts=facts)
            if name != "one day":
                assert rollup_calls == [group_by], f"{name} / {group_by} did not read the rollups"
        assert report.total.tickets_opened > 0, name
    whole = (await check(clean, ReportFilter(*PERIODS["edges and a month"]), GroupBy.NONE, facts=facts)).total
    # every figure is exercised: none trivially zero or undefined
    assert (
        whole.tickets_resolved > 50 and whole.backlog > 10 and 0 < whole.sla_breached < whole.tickets_resolved
    )
    assert whole.frt_median_s and whole.mttr_p90_s and whole.csat_count and whole.kb_requests
    assert whole.kb_deflected and whole.lost_requests


@pytest.mark.parametrize(
    ("filters", "groupings"),
    [
        ({"client_id": "c1"}, (GroupBy.NONE, GroupBy.WEEK, GroupBy.CLIENT)),
        ({"category": "hvac"}, (GroupBy.NONE, GroupBy.MONTH, GroupBy.CATEGORY)),
        ({"site_id": "s3"}, (GroupBy.DAY, GroupBy.SITE)),
        ({"engineer_id": "e2"}, (GroupBy.NONE, GroupBy.DAY, GroupBy.ENGINEER)),
        ({"client_id": "nobody"}, (GroupBy.NONE, GroupBy.CLIENT)),
    ],
)
async def test_one_filter_agrees_with_the_reference(
    clean: AsyncEngine, rollup_calls: list[GroupBy], filters: dict[str, str], groupings: tuple[GroupBy, ...]
) -> None:
    data = random_data(random.Random(8), START, timedelta(days=70), 400)
    await data.insert(clean)
    facts = await read_facts(clean)
    flt = ReportFilter(*PERIODS["edges and a month"], **filters)
    for group_by in groupings:
        await check(clean, flt, group_by, facts=facts)
    assert rollup_calls == list(groupings)
    # two filters, or rows by another dimension: the cells cannot say, the exact live path answers
    rollup_calls.clear()
    await check(
        clean, ReportFilter(flt.start, flt.end, category="it", engineer_id="e1"), GroupBy.SITE, facts=facts
    )
    await check(
        clean,
        ReportFilter(flt.start, flt.end, **filters),
        GroupBy.SITE if "site_id" not in filters else GroupBy.CLIENT,
        facts=facts,
    )
    assert rollup_calls == []


@pytest.mark.parametrize("level", [0, 2])
async def test_any_configured_breach_level_is_counted(clean: AsyncEngine, level: int) -> None:
    data = random_data(random.Random(5), START, timedelta(days=70), 300)
    await data.insert(clean)
    flt = ReportFilter(*PERIODS["edges and a month"])
    for group_by in (GroupBy.NONE, GroupBy.MONTH, GroupBy.ENGINEER):
        report = await check(clean, flt, group_by, breach_level=level)
    assert report.total.sla_breached > 0


async def _count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_fold_moves_every_delta_into_the_cells_and_changes_no_report(clean: AsyncEngine) -> None:
    data = random_data(random.Random(6), START, timedelta(days=70), 300)
    await data.insert(clean)
    flt = ReportFilter(*PERIODS["edges and a month"])
    source = SqlReportSource(clean, breach_level=1, clock=lambda: NOW, exact_limit=-1)
    before = await source.report(flt, GroupBy.ENGINEER)
    assert await _count(clean, report_cells) == 0  # the writes only added deltas
    while await fold_report_deltas(clean, batch=500):
        pass
    assert await _count(clean, report_cell_deltas) == await _count(clean, report_dist_deltas) == 0
    assert await source.report(flt, GroupBy.ENGINEER) == before


async def _rollups(engine: AsyncEngine) -> tuple[list[Any], list[Any]]:
    async with engine.connect() as conn:
        c, d = report_cells.c, report_dists.c
        counts = [c.opened, c.resolved, c.fcr, c.reopened, c.rated, c.rating_sum, c.finished]
        cells = await conn.execute(
            select(c.grain, c.dim, c.start, c.key, *counts)
            .where(
                text(
                    "opened <> 0 OR resolved <> 0 OR fcr <> 0 OR reopened <> 0 OR rated <> 0 OR rating_sum <> 0 OR finished <> 0"
                )
            )
            .order_by(c.grain, c.dim, c.start, c.key)
        )
        dists = await conn.execute(
            select(d.grain, d.dim, d.metric, d.start, d.key, d.bucket, d.n)
            .where(d.n != 0)
            .order_by(d.grain, d.dim, d.metric, d.start, d.key, d.bucket)
        )
        links = await conn.execute(
            select(interactions.c.id, interactions.c.prev_at).order_by(interactions.c.id)
        )
        return [tuple(r) for r in cells] + [tuple(r) for r in dists], [tuple(r) for r in links]


async def _change(engine: AsyncEngine, sql: str, **params: Any) -> None:
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def test_rollups_follow_every_kind_of_change(clean: AsyncEngine) -> None:
    data = random_data(random.Random(11), START, timedelta(days=70), 300)
    await data.insert(clean)
    flt = ReportFilter(*PERIODS["edges and a month"])
    groupings = (GroupBy.NONE, GroupBy.DAY, GroupBy.MONTH, GroupBy.CATEGORY, GroupBy.SITE, GroupBy.ENGINEER)
    uows = UnitOfWorkFactory(make_sessionmaker(clean))
    at = START + 20 * D + 5 * H

    async def through_repository(ticket_id: str, **changes: Any) -> None:
        async with uows() as uow:
            ticket = await uow.tickets.get(ticket_id)
            assert ticket is not None
            await uow.tickets.update(dataclasses.replace(ticket, **changes))
            await uow.commit()

    async def agree(step: str) -> None:
        facts = await read_facts(clean)
        for group_by in groupings:
            try:
                await check(clean, flt, group_by, facts=facts)
            except AssertionError as error:
                raise AssertionError(f"after {step}, by {group_by}: {error}") from None

    open_ids = [t.id for t in data.tickets if t.status in ("new", "offered", "accepted", "in_progress")][:8]
    resolved_ids = [t.id for t in data.tickets if t.status in ("resolved", "closed")][:8]
    a, b, c, d, e, f, g, h = open_ids
    # assign, and reassign to another engineer
    await through_repository(a, assignee_id="e1", status=TicketStatus.ACCEPTED, first_response_at=at)
    await through_repository(a, assignee_id="e3")
    await agree("assign and reassign")
    # resolve, reopen, resolve again, rate
    await through_repository(b, status=TicketStatus.RESOLVED, resolved_at=at + H, assignee_id="e2")
    await agree("resolve")
    await through_repository(b, status=TicketStatus.REOPENED, reopen_count=1, reopened_at=at + 2 * H)
    await agree("reopen")
    await through_repository(b, status=TicketStatus.RESOLVED, resolved_at=at + 30 * D)
    await through_repository(b, status=TicketStatus.CLOSED, rating=2)
    await agree("resolve again, close and rate")
    # cancel; put on hold (no first-contact resolution any more)
    await through_repository(c, status=TicketStatus.CANCELLED, cancelled_at=at + 3 * H)
    await through_repository(resolved_ids[0], on_hold_at=at)
    await agree("cancel and hold")
    # SLA alerts as the SLA runtime writes them: a warning, a breach, an escalation; then one is withdrawn
    async with uows() as uow:
        store = SqlSlaStore(uow.session)
        for ticket_id in resolved_ids[1:4]:
            await store.add_alert(ticket_id, SlaKind.RESPONSE, 0, "assignee", at)
            await store.add_alert(ticket_id, SlaKind.RESOLUTION, 1, "supervisor", at)
        await store.add_alert(resolved_ids[1], SlaKind.RESOLUTION, 2, "L2", at)
        await uow.commit()
    await agree("breach alerts")
    await _change(clean, "DELETE FROM sla_alerts WHERE ticket_id = :t AND level = 1", t=resolved_ids[2])
    await _change(
        clean, "UPDATE sla_alerts SET level = 3 WHERE ticket_id = :t AND level = 0", t=resolved_ids[3]
    )
    await _change(
        clean,
        "UPDATE sla_alerts SET ticket_id = :u WHERE ticket_id = :t AND level = 2",
        t=resolved_ids[1],
        u=resolved_ids[4],
    )
    await agree("alerts withdrawn, raised and moved")
    # category, site and client changes, a first response, a new ticket, a deleted one (with its alerts)
    await through_repository(resolved_ids[5], category="plumbing")
    await _change(
        clean, "UPDATE tickets SET site_id = 's4', client_id = 'c3' WHERE id = :t", t=resolved_ids[6]
    )
    await _change(clean, "UPDATE tickets SET site_id = NULL WHERE id = :t", t=d)
    await through_repository(
        e, first_response_at=at + 7 * H, status=TicketStatus.IN_PROGRESS, assignee_id="e1"
    )
    await _change(clean, "UPDATE tickets SET created_at = :c WHERE id = :t", c=START + 40 * D, t=f)
    async with uows() as uow:
        ticket = await uow.tickets.get(g)
        assert ticket is not None
        await uow.tickets.add(dataclasses.replace(ticket, id="t-new", number=9999, created_at=at))
        await uow.commit()
    await _change(clean, "DELETE FROM tickets WHERE id = :t", t=resolved_ids[1])
    await _change(clean, "UPDATE tickets SET description = 'no reported column' WHERE id = :t", t=h)
    await agree("dimension changes, a new ticket and a deleted one")
    # KB questions recorded out of time order, and a new client of a contact
    async with clean.begin() as conn:
        for minutes, kind in ((90, "kb_answer"), (30, "kb_no_answer"), (60, "kb_helped"), (10, "kb_helped")):
            await conn.execute(
                interactions.insert().values(
                    kind=kind, at=at + timedelta(minutes=minutes), contact_id="k1", query="vpn"
                )
            )
    await _change(clean, "UPDATE contacts SET client_id = 'c2' WHERE id = 'k2'")
    await agree("KB interactions out of order")
    # what the triggers kept, folded, is what the back-fill builds from the rows
    await fold_report_deltas(clean)
    kept = await _rollups(clean)
    async with clean.begin() as conn:
        for statement in backfill(clean.dialect.name):
            await conn.exec_driver_sql(statement)
    assert await _rollups(clean) == kept
