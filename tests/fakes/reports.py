"""A report source over in-memory facts, computed by the Python reference (for dialogue tests)."""

from __future__ import annotations

from datetime import datetime

from ticket_core.reports import GroupBy, Report, ReportFilter
from ticket_core.reports.reference import InboundFact, KbFact, TicketFacts, compute_report


class ReferenceReportSource:
    """Implements `ReportSource` with `compute_report`; records every question it was asked."""

    def __init__(
        self,
        tickets: list[TicketFacts],
        kb: list[KbFact] | None = None,
        inbound: list[InboundFact] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.tickets = tickets
        self.kb = kb or []
        self.inbound = inbound or []
        self.now = now
        self.asked: list[tuple[ReportFilter, GroupBy]] = []

    async def report(self, flt: ReportFilter, group_by: GroupBy) -> Report:
        """The reference report of the facts."""
        self.asked.append((flt, group_by))
        return compute_report(self.tickets, self.kb, self.inbound, flt, group_by, self.now or flt.end)
