"""One report row while its queries run: the figures found so far for a key, and how requests are grouped.

Both query sets (`storage.report_live` from the rows, `storage.report_rollups` from the cells) fill these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ticket_core.reports.model import Figures, GroupBy
from ticket_core.reports.reference import share


def request_groupings(group_by: GroupBy) -> tuple[GroupBy, GroupBy]:
    """The groupings KB requests and lost requests are split by for a report grouped by `group_by`.

    KB interactions know the client (and the time), inbound messages only the time; any other grouping
    gets those figures in the total alone.
    """
    kb_by = group_by if group_by is GroupBy.CLIENT or group_by.is_time else GroupBy.NONE
    lost_by = group_by if group_by.is_time else GroupBy.NONE
    return kb_by, lost_by


@dataclass(slots=True)
class Group:
    """What the queries found for one row key."""

    opened: int = 0
    frt: tuple[float | None, float | None] = (None, None)
    resolved: int = 0
    mttr: tuple[float | None, float | None] = (None, None)
    breached: int = 0
    fcr: int = 0
    reopened: int = 0
    csat_sum: float = 0.0
    csat_count: int = 0
    backlog: int = 0
    kb: tuple[int, int] | None = None
    lost: int | None = None
    seen: set[str] = field(default_factory=set)

    def figures(self) -> Figures:
        """The row's figures."""
        n = self.resolved
        requests, deflected = self.kb if self.kb is not None else (None, None)
        return Figures(
            tickets_opened=self.opened,
            tickets_resolved=n,
            frt_median_s=self.frt[0],
            frt_p90_s=self.frt[1],
            mttr_median_s=self.mttr[0],
            mttr_p90_s=self.mttr[1],
            sla_met=n - self.breached,
            sla_breached=self.breached,
            sla_compliance=share(n - self.breached, n),
            fcr_rate=share(self.fcr, n),
            csat_avg=self.csat_sum / self.csat_count if self.csat_count else None,
            csat_count=self.csat_count,
            reopen_rate=share(self.reopened, n),
            backlog=self.backlog,
            kb_requests=requests,
            kb_deflected=deflected,
            deflection_rate=share(deflected, requests)
            if requests is not None and deflected is not None
            else None,
            lost_requests=self.lost,
        )


Partial = dict[str | None, Group]
"""Partial results by row key; TOTAL (None) holds the total."""

TOTAL = None
"""Key of the total in the partial results (PostgreSQL's GROUPING SETS give it a NULL key)."""
