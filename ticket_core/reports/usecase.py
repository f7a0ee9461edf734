"""Who may see which report: the one use case every report goes through."""

from __future__ import annotations

from ticket_core.enums import Role
from ticket_core.errors import Forbidden, ValidationFailed
from ticket_core.model import Actor
from ticket_core.reports.model import GroupBy, Report, ReportFilter, ReportSource

SEE_ALL = frozenset({Role.ADMIN, Role.SUPERVISOR})
"""Roles that may see every report."""


async def get_report(
    source: ReportSource, actor: Actor, flt: ReportFilter, group_by: GroupBy | str
) -> Report:
    """Return a report the actor may see.

    Admins and supervisors see every report; an engineer sees only a report filtered to themselves
    (`flt.engineer_id == actor.id`); nobody else sees reports.

    Raises:
        Forbidden: the actor may not see this report.
        ValidationFailed: `group_by` is not a known grouping.
    """
    try:
        grouping = GroupBy(group_by)
    except ValueError:
        names = ", ".join(g.value for g in GroupBy)
        raise ValidationFailed(
            "Unknown grouping '{grouping}'; use one of: {names}.", grouping=str(group_by)[:40], names=names
        ) from None
    if actor.role in SEE_ALL:
        return await source.report(flt, grouping)
    if actor.role is Role.ENGINEER:
        if flt.engineer_id != actor.id:
            raise Forbidden("Engineers see only their own figures; ask a supervisor for the team's report.")
        return await source.report(flt, grouping)
    raise Forbidden("Reports are for staff: supervisors and admins see them all, engineers their own.")
