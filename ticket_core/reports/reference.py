"""The metric definitions, executable: a plain-Python report over per-ticket facts.

This is the specification the SQL source (`storage.reports.SqlReportSource`) must agree with; tests run
both on the same random data. docs/reports.md states the same definitions in words. All periods are
half-open [start, end) in UTC.

* opened: `created_at` in the period.
* resolved: status is resolved or closed (a reopened ticket is not resolved) and `resolved_at` (its last
  resolve) in the period. MTTR, SLA, FCR, CSAT and the reopen rate are measured on these tickets.
* FRT: `first_response_at - created_at` (wall-clock seconds) of the tickets opened in the period that
  had a first response (an accept or the first public staff comment).
* MTTR: `resolved_at - created_at` (wall-clock seconds) of the resolved tickets.
* SLA breached: a resolved ticket with a breach alert (a `sla_alerts` row at the breach level or above,
  for either clock); met: resolved and not breached; compliance = met / resolved.
* FCR: share of resolved tickets never reopened and never put on hold (no second contact was needed).
* CSAT: mean rating (1-5) of the resolved tickets that were rated, and how many were.
* reopen rate: share of resolved tickets reopened at least once.
* backlog: tickets created before the row's end that were not finished at that end. A ticket is
  finished at `resolved_at` (status resolved/closed) or `cancelled_at` (status cancelled); one that is
  open now is counted from its creation.
* KB requests: distinct (contact, question) pairs the bot searched the KB for (`kb_answer` or
  `kb_no_answer` interactions); deflected: those the client marked as helped (`kb_helped`).
* lost requests: client-bot inbound messages (inbound log) to which nothing was queued in the outbox
  (neither an answer nor a ticket confirmation).

KB figures follow the client filter and grouping only; lost requests follow none. They are None where a
filter or grouping cannot apply to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ticket_core.reports.buckets import time_buckets
from ticket_core.reports.model import Figures, GroupBy, Report, ReportFilter, ReportRow

RESOLVED_STATUSES = ("resolved", "closed")
"""Statuses of a ticket that counts as resolved (its `resolved_at` is the last resolve)."""

KB_REQUEST_KINDS = ("kb_answer", "kb_no_answer")
"""Interaction kinds that mark a question searched in the KB."""

KB_DEFLECTED_KIND = "kb_helped"
"""Interaction kind that marks a KB answer the client said helped."""

CLIENT_INBOUND_PREFIXES = ("tg:client:", "web:client:", "wa:")
"""Dedup-key prefixes of inbound messages to the client bots: Telegram, the web chat and WhatsApp (which has only
a client bot). Everything else in the inbound log is not a client request: the staff bots' messages, and the
keys that system jobs use to run once (the daily digest's `digest:<date>`)."""

NO_KEY = ""
"""Row key of tickets without the grouped dimension (no site, no engineer)."""


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the reports read of one ticket."""

    id: str
    created_at: datetime
    status: str
    category: str
    client_id: str
    site_id: str | None = None
    assignee_id: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    cancelled_at: datetime | None = None
    on_hold_at: datetime | None = None
    rating: int | None = None
    reopen_count: int = 0
    sla_breached: bool = False

    @property
    def done_at(self) -> datetime | None:
        """When the ticket was finished, or None while it is open."""
        if self.status in RESOLVED_STATUSES:
            return self.resolved_at
        if self.status == "cancelled":
            return self.cancelled_at
        return None


@dataclass(frozen=True, slots=True)
class KbFact:
    """One KB interaction: its kind, time, the contact (and their client) and the question."""

    kind: str
    at: datetime
    contact_id: str | None
    client_id: str | None
    query: str | None


@dataclass(frozen=True, slots=True)
class InboundFact:
    """One inbound message: its dedup key, time and whether anything was queued in reply."""

    key: str
    at: datetime
    answered: bool


def percentile(values: Sequence[float], p: float) -> float | None:
    """Continuous percentile with linear interpolation (PostgreSQL's percentile_cont); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = p * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (pos - low) * (ordered[high] - ordered[low])


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is zero."""
    return part / whole if whole else None


def _in(at: datetime | None, start: datetime, end: datetime) -> bool:
    return at is not None and start <= at < end


def is_resolved_in(t: TicketFacts, start: datetime, end: datetime) -> bool:
    """Tell whether the ticket counts as resolved in [start, end)."""
    return t.status in RESOLVED_STATUSES and _in(t.resolved_at, start, end)


def in_backlog_at(t: TicketFacts, at: datetime) -> bool:
    """Tell whether the ticket was open (created, not finished) at the instant `at`."""
    done = t.done_at
    return t.created_at < at and (done is None or done >= at)


def ticket_figures(tickets: Iterable[TicketFacts], start: datetime, end: datetime) -> Figures:
    """The ticket figures over [start, end); request figures are left None."""
    items = list(tickets)
    opened = [t for t in items if _in(t.created_at, start, end)]
    frt = [
        (t.first_response_at - t.created_at).total_seconds()
        for t in opened
        if t.first_response_at is not None
    ]
    resolved = [t for t in items if is_resolved_in(t, start, end)]
    mttr = [(t.resolved_at - t.created_at).total_seconds() for t in resolved if t.resolved_at is not None]
    breached = sum(1 for t in resolved if t.sla_breached)
    rated = [t.rating for t in resolved if t.rating is not None]
    n = len(resolved)
    return Figures(
        tickets_opened=len(opened),
        tickets_resolved=n,
        frt_median_s=percentile(frt, 0.5),
        frt_p90_s=percentile(frt, 0.9),
        mttr_median_s=percentile(mttr, 0.5),
        mttr_p90_s=percentile(mttr, 0.9),
        sla_met=n - breached,
        sla_breached=breached,
        sla_compliance=share(n - breached, n),
        fcr_rate=share(sum(1 for t in resolved if t.reopen_count == 0 and t.on_hold_at is None), n),
        csat_avg=sum(rated) / len(rated) if rated else None,
        csat_count=len(rated),
        reopen_rate=share(sum(1 for t in resolved if t.reopen_count > 0), n),
        backlog=sum(1 for t in items if in_backlog_at(t, end)),
    )


def kb_counts(facts: Iterable[KbFact], start: datetime, end: datetime) -> tuple[int, int]:
    """(requests, deflected) over [start, end): distinct (contact, question) pairs."""
    requests: set[tuple[str | None, str | None]] = set()
    helped: set[tuple[str | None, str | None]] = set()
    for f in facts:
        if not _in(f.at, start, end):
            continue
        if f.kind in KB_REQUEST_KINDS:
            requests.add((f.contact_id, f.query))
        elif f.kind == KB_DEFLECTED_KIND:
            helped.add((f.contact_id, f.query))
    return len(requests), len(helped)


def is_client_inbound(key: str) -> bool:
    """Tell whether an inbound dedup key belongs to a client-facing bot."""
    return key.startswith(CLIENT_INBOUND_PREFIXES)


def lost_count(facts: Iterable[InboundFact], start: datetime, end: datetime) -> int:
    """Client inbound messages in [start, end) that got nothing queued in reply."""
    return sum(1 for f in facts if _in(f.at, start, end) and is_client_inbound(f.key) and not f.answered)


def with_requests(fig: Figures, kb: tuple[int, int] | None, lost: int | None) -> Figures:
    """Return `fig` with the KB and lost-request figures set (None leaves them undefined)."""
    if kb is None:
        return replace(fig, kb_requests=None, kb_deflected=None, deflection_rate=None, lost_requests=lost)
    requests, deflected = kb
    return replace(
        fig,
        kb_requests=requests,
        kb_deflected=deflected,
        deflection_rate=share(deflected, requests),
        lost_requests=lost,
    )


def matches(t: TicketFacts, flt: ReportFilter) -> bool:
    """Tell whether a ticket passes the filter's dimensions (not its period)."""
    return (
        (flt.category is None or t.category == flt.category)
        and (flt.client_id is None or t.client_id == flt.client_id)
        and (flt.site_id is None or t.site_id == flt.site_id)
        and (flt.engineer_id is None or t.assignee_id == flt.engineer_id)
    )


_DIMENSION: dict[GroupBy, Callable[[TicketFacts], str | None]] = {
    GroupBy.CATEGORY: lambda t: t.category,
    GroupBy.CLIENT: lambda t: t.client_id,
    GroupBy.SITE: lambda t: t.site_id,
    GroupBy.ENGINEER: lambda t: t.assignee_id,
}


def _active(fig: Figures) -> bool:
    return bool(
        fig.tickets_opened or fig.tickets_resolved or fig.backlog or fig.kb_requests or fig.kb_deflected
    )


def compute_report(
    tickets: Iterable[TicketFacts],
    kb: Iterable[KbFact],
    inbound: Iterable[InboundFact],
    flt: ReportFilter,
    group_by: GroupBy,
    now: datetime,
    labels: dict[str, str] | None = None,
) -> Report:
    """Compute a report the slow, obvious way (the reference for every source).

    Args:
        tickets: facts of every ticket.
        kb: every KB interaction.
        inbound: every inbound message.
        flt: period and filters.
        group_by: how rows are split.
        now: the report's `generated_at`.
        labels: display names of dimension keys (client, site, engineer ids); the key itself otherwise.
    """
    chosen = [t for t in tickets if matches(t, flt)]
    kb_all = [f for f in kb if flt.client_id is None or f.client_id == flt.client_id]
    inbound_all = list(inbound)
    kb_ok = not flt.ticket_only
    lost_ok = kb_ok and flt.client_id is None

    def requests(
        start: datetime, end: datetime, kb_facts: list[KbFact], lost: bool
    ) -> tuple[tuple[int, int] | None, int | None]:
        return (
            kb_counts(kb_facts, start, end) if kb_ok else None,
            lost_count(inbound_all, start, end) if lost else None,
        )

    total = with_requests(
        ticket_figures(chosen, flt.start, flt.end), *requests(flt.start, flt.end, kb_all, lost_ok)
    )
    rows: list[ReportRow] = []
    if group_by.is_time:
        for b in time_buckets(flt, group_by):
            fig = with_requests(
                ticket_figures(chosen, b.start, b.end), *requests(b.start, b.end, kb_all, lost_ok)
            )
            rows.append(ReportRow(b.key, b.label, fig))
    elif group_by is not GroupBy.NONE:
        key_of = _DIMENSION[group_by]
        keys = {key_of(t) or NO_KEY for t in chosen}
        if group_by is GroupBy.CLIENT and kb_ok:
            keys |= {f.client_id or NO_KEY for f in kb_all}
        for key in sorted(keys):
            group = [t for t in chosen if (key_of(t) or NO_KEY) == key]
            fig = ticket_figures(group, flt.start, flt.end)
            if group_by is GroupBy.CLIENT and kb_ok:
                mine = [f for f in kb_all if (f.client_id or NO_KEY) == key]
                fig = with_requests(fig, kb_counts(mine, flt.start, flt.end), None)
            if _active(fig):
                rows.append(ReportRow(key, (labels or {}).get(key, key or "-"), fig))
    return Report(flt, group_by, total, rows, now)
