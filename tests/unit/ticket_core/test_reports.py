"""Report metrics on hand-built cases with exact numbers, the filter, buckets, CSV, key figures and who may see."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from ticket_core.durations import DurationStyle, format_duration
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.model import Actor
from ticket_core.reports import (
    HEADER,
    Figures,
    GroupBy,
    Report,
    ReportFilter,
    ReportRow,
    get_report,
    key_figures,
    report_to_csv,
    time_buckets,
)
from ticket_core.reports.reference import (
    InboundFact,
    KbFact,
    TicketFacts,
    compute_report,
    percentile,
    ticket_figures,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
DAY = timedelta(days=1)


def ticket(i: int, created: datetime, status: str = "new", **kw: object) -> TicketFacts:
    values: dict[str, object] = {"category": "it", "client_id": "acme"}
    values.update(kw)
    return TicketFacts(f"t{i}", created, status, **values)  # type: ignore[arg-type]


# Four days, Monday to Thursday. Times are hours after T0.
TICKETS = [
    # answered after 1 h, resolved after 10 h, rated 5: first-contact resolution
    ticket(1, T0, "closed", first_response_at=T0 + H, resolved_at=T0 + 10 * H, rating=5, assignee_id="e1"),
    # answered after 3 h, resolved after 30 h with a breach, put on hold, rated 2
    ticket(
        2,
        T0 + 2 * H,
        "resolved",
        first_response_at=T0 + 5 * H,
        resolved_at=T0 + 32 * H,
        rating=2,
        on_hold_at=T0 + 6 * H,
        sla_breached=True,
        assignee_id="e2",
        category="hvac",
    ),
    # reopened once and resolved again after 50 h, no rating
    ticket(
        3,
        T0 + 4 * H,
        "resolved",
        first_response_at=T0 + 4.5 * H,
        resolved_at=T0 + 54 * H,
        reopen_count=1,
        assignee_id="e1",
    ),
    # reopened and open now: not resolved, in the backlog
    ticket(
        4,
        T0 + 30 * H,
        "reopened",
        first_response_at=T0 + 32 * H,
        resolved_at=T0 + 40 * H,
        reopen_count=1,
        assignee_id="e2",
    ),
    # cancelled after 5 h: finished, not resolved
    ticket(5, T0 + 50 * H, "cancelled", cancelled_at=T0 + 55 * H),
    # still new, no answer
    ticket(6, T0 + 70 * H, "new", client_id="globex", site_id="s9"),
    # opened before the period, resolved inside it
    ticket(7, T0 - 2 * DAY, "closed", first_response_at=T0 - 2 * DAY + H, resolved_at=T0 + 8 * H, rating=4),
]
PERIOD = ReportFilter(T0, T0 + 4 * DAY)


def test_percentile_is_linear_interpolation_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == pytest.approx(46.0)


def test_figures_of_a_hand_built_week() -> None:
    fig = ticket_figures(TICKETS, PERIOD.start, PERIOD.end)
    assert fig.tickets_opened == 6  # t7 was opened before the period
    # resolved in the period: t1 (10 h), t2 (30 h), t3 (50 h), t7 (56 h); t4 is reopened, t5 cancelled
    assert fig.tickets_resolved == 4
    # FRT of tickets opened in the period with a first response: 1, 3, 0.5, 2 h
    assert fig.frt_median_s == 1.5 * 3600
    assert fig.frt_p90_s == pytest.approx((2 + 0.7 * 1) * 3600)  # 0.9 * 3 = 2.7 -> between 2 h and 3 h
    assert fig.mttr_median_s == 40 * 3600  # 10, 30, 50, 56 h -> (30 + 50) / 2
    assert fig.mttr_p90_s == pytest.approx((50 + 0.7 * 6) * 3600)
    assert (fig.sla_met, fig.sla_breached, fig.sla_compliance) == (3, 1, 0.75)
    assert fig.fcr_rate == 0.5  # t1 and t7; t2 was on hold, t3 reopened
    assert (fig.csat_avg, fig.csat_count) == (11 / 3, 3)
    assert fig.reopen_rate == 0.25
    assert fig.backlog == 2  # t4 (reopened) and t6 (new)


def test_backlog_follows_the_instant() -> None:
    at = T0 + 9 * H  # t1, t2, t3 open; t7 resolved at 8 h; t4 not yet created
    assert ticket_figures(TICKETS, T0, at).backlog == 3
    assert ticket_figures(TICKETS, T0, T0 + 51 * H).backlog == 3  # t3, t4, t5 (cancelled at 55 h)


def test_requests_kb_deflection_and_lost_messages() -> None:
    kb = [
        KbFact("kb_answer", T0 + H, "k1", "acme", "printer"),
        KbFact("kb_answer", T0 + 2 * H, "k1", "acme", "printer"),  # the same question again: one request
        KbFact("kb_helped", T0 + 2 * H, "k1", "acme", "printer"),
        KbFact("kb_no_answer", T0 + 3 * H, "k2", "globex", "vpn"),
        KbFact("kb_not_helped", T0 + 3 * H, "k2", "globex", "vpn"),
        KbFact("kb_answer", T0 - H, "k2", "globex", "wifi"),  # before the period
    ]
    inbound = [
        InboundFact("tg:client:1", T0 + H, answered=True),
        InboundFact("tg:client:2", T0 + H, answered=False),
        InboundFact("wa:abc", T0 + 2 * H, answered=False),
        InboundFact("tg:staff:3", T0 + H, answered=False),  # staff messages are not client requests
        InboundFact("web:staff:x:1", T0 + H, answered=False),
        InboundFact("digest:2026-03-02", T0 + H, answered=False),  # the daily digest's run-once key
        InboundFact("web:client:c:1", T0 + H, answered=False),
    ]
    report = compute_report(TICKETS, kb, inbound, PERIOD, GroupBy.NONE, T0)
    total = report.total
    assert (total.kb_requests, total.kb_deflected, total.deflection_rate) == (2, 1, 0.5)
    assert total.lost_requests == 3
    acme = compute_report(
        TICKETS, kb, inbound, ReportFilter(T0, T0 + DAY, client_id="acme"), GroupBy.NONE, T0
    )
    assert (acme.total.kb_requests, acme.total.kb_deflected) == (1, 1)
    assert acme.total.lost_requests is None  # messages carry no client
    by_category = compute_report(
        TICKETS, kb, inbound, ReportFilter(T0, T0 + DAY, category="it"), GroupBy.NONE, T0
    )
    assert by_category.total.kb_requests is None and by_category.total.deflection_rate is None


def test_rows_by_day_and_by_engineer() -> None:
    report = compute_report(TICKETS, [], [], PERIOD, GroupBy.DAY, T0)
    assert [r.key for r in report.rows] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]
    assert [r.figures.tickets_opened for r in report.rows] == [3, 1, 2, 0]
    assert [r.figures.tickets_resolved for r in report.rows] == [2, 1, 1, 0]
    assert [r.figures.backlog for r in report.rows] == [2, 2, 2, 2]
    assert [r.figures.lost_requests for r in report.rows] == [0, 0, 0, 0]
    by_engineer = compute_report(TICKETS, [], [], PERIOD, GroupBy.ENGINEER, T0, {"e1": "Smirnov"})
    assert [(r.key, r.label) for r in by_engineer.rows] == [("", "-"), ("e1", "Smirnov"), ("e2", "e2")]
    assert [r.figures.tickets_resolved for r in by_engineer.rows] == [1, 2, 1]
    assert all(r.figures.kb_requests is None for r in by_engineer.rows)


def test_buckets_are_utc_days_iso_weeks_and_months_clipped_to_the_period() -> None:
    flt = ReportFilter(datetime(2026, 1, 30, 12, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))
    weeks = time_buckets(flt, GroupBy.WEEK)
    assert weeks[0].key == "2026-01-26" and weeks[0].start == flt.start  # the Monday, clipped
    assert weeks[0].label == "2026-W05" and weeks[-1].end == flt.end
    months = time_buckets(flt, GroupBy.MONTH)
    assert [(m.key, m.label) for m in months] == [
        ("2026-01-01", "2026-01"),
        ("2026-02-01", "2026-02"),
        ("2026-03-01", "2026-03"),
    ]
    assert len(time_buckets(flt, GroupBy.DAY)) == 32  # 30-31 Jan, 28 days of Feb, 1-2 Mar


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": T0, "end": T0}, "before its end"),
        ({"start": T0.replace(tzinfo=None), "end": T0 + DAY}, "timezone-aware"),
        ({"start": T0, "end": T0 + timedelta(days=4000)}, "three years"),
        ({"start": T0, "end": T0 + DAY, "client_id": " "}, "client_id"),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        ReportFilter(**kwargs)  # type: ignore[arg-type]


def test_csv_has_a_stable_header_with_units_and_the_total_first() -> None:
    report = compute_report(TICKETS, [], [], PERIOD, GroupBy.DAY, T0)
    rows = list(csv.reader(io.StringIO(report_to_csv(report))))
    assert tuple(rows[0]) == HEADER
    assert rows[0][:5] == ["group_by", "key", "label", "tickets_opened_count", "tickets_resolved_count"]
    assert "frt_median_s" in rows[0] and "sla_compliance_pct" in rows[0] and "csat_avg_score_1_5" in rows[0]
    total = dict(zip(rows[0], rows[1], strict=True))
    assert total["key"] == "total" and total["tickets_opened_count"] == "6"
    assert total["sla_compliance_pct"] == "75.00" and total["mttr_median_s"] == "144000.000"
    assert total["kb_requests_count"] == "0" and total["deflection_rate_pct"] == ""  # 0 of 0: undefined
    assert [r[1] for r in rows[2:]] == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]


def test_key_figures_format_durations_rates_and_leave_out_undefined_requests() -> None:
    report = compute_report(TICKETS, [], [], PERIOD, GroupBy.NONE, T0)
    lines = dict(key_figures(report))
    assert lines["Opened"] == "6" and lines["Resolved"] == "4"
    assert lines["First response (median / p90)"] == "1 h 30 min / 2 h 42 min"
    assert lines["Time to resolve (median / p90)"] == "1 d 16 h / 2 d 6 h"
    assert lines["SLA compliance"] == "75.0% (3/4)" and lines["CSAT"] == "3.67 (3)"
    assert lines["KB deflection"] == "— (0/0)" and lines["Lost requests"] == "0"
    mine = compute_report(TICKETS, [], [], ReportFilter(T0, T0 + DAY, engineer_id="e1"), GroupBy.NONE, T0)
    assert "KB deflection" not in dict(key_figures(mine))
    assert [format_duration(s, style=DurationStyle.REPORT) for s in (None, 42, 600, 86400 * 3 + 3600)] == [
        "—",
        "42 s",
        "10 min",
        "3 d 1 h",
    ]
    assert dict(key_figures(report, {"opened": "Открыто"}))["Открыто"] == "6"


class StubSource:
    """Records what it was asked and answers an empty report."""

    def __init__(self) -> None:
        self.asked: list[tuple[ReportFilter, GroupBy]] = []

    async def report(self, flt: ReportFilter, group_by: GroupBy) -> Report:
        self.asked.append((flt, group_by))
        return Report(flt, group_by, Figures(), [ReportRow("x", "x", Figures())], T0)


async def test_supervisors_and_admins_see_everything_engineers_only_themselves() -> None:
    source = StubSource()
    everything = ReportFilter(T0, T0 + DAY)
    for role in (Role.SUPERVISOR, Role.ADMIN):
        report = await get_report(source, Actor(role, "boss"), everything, "engineer")
        assert report.group_by is GroupBy.ENGINEER
    mine = ReportFilter(T0, T0 + DAY, engineer_id="e1")
    assert (await get_report(source, Actor(Role.ENGINEER, "e1"), mine, GroupBy.DAY)).filter == mine
    asked = len(source.asked)
    with pytest.raises(Forbidden, match="own figures"):
        await get_report(source, Actor(Role.ENGINEER, "e1"), everything, GroupBy.NONE)
    with pytest.raises(Forbidden, match="own figures"):
        await get_report(source, Actor(Role.ENGINEER, "e2"), mine, GroupBy.NONE)
    for role in (Role.CLIENT, Role.SYSTEM):
        with pytest.raises(Forbidden):
            await get_report(source, Actor(role, "x", client_id="acme"), everything, GroupBy.NONE)
    with pytest.raises(ValidationFailed, match="Unknown grouping"):
        await get_report(source, Actor(Role.ADMIN, "a"), everything, "year")
    assert len(source.asked) == asked  # nothing refused reached the source
