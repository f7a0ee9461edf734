"""SLA engine: business calendars, policies, per-ticket clocks, escalation ladder and texts.

Pure domain code (standard library only). See docs/sla.md for the model and its rules.
"""

from ticket_core.sla.calendar import (
    CALENDAR_24X7,
    BusinessCalendar,
    add_business_time,
    business_time_between,
    is_working,
    next_working_instant,
)
from ticket_core.sla.clock import (
    ClockState,
    Extended,
    Fact,
    FirstResponse,
    Opened,
    Paused,
    Reopened,
    Reprioritised,
    Resolved,
    Resumed,
    SlaKind,
    SlaState,
    SlaStatus,
    compute_sla,
)
from ticket_core.sla.escalation import (
    DEFAULT_LADDER,
    Acknowledgement,
    Alert,
    AlertKey,
    EscalationRule,
    due_alerts,
    make_ladder,
    next_alert_at,
)
from ticket_core.sla.policy import SlaPolicy, SlaTarget, resolve_policy
from ticket_core.working_hours import parse_intervals, weekly_from_spec

__all__ = [
    "CALENDAR_24X7",
    "DEFAULT_LADDER",
    "Acknowledgement",
    "Alert",
    "AlertKey",
    "BusinessCalendar",
    "ClockState",
    "EscalationRule",
    "Extended",
    "Fact",
    "FirstResponse",
    "Opened",
    "Paused",
    "Reopened",
    "Reprioritised",
    "Resolved",
    "Resumed",
    "SlaKind",
    "SlaPolicy",
    "SlaState",
    "SlaStatus",
    "SlaTarget",
    "add_business_time",
    "business_time_between",
    "compute_sla",
    "due_alerts",
    "is_working",
    "make_ladder",
    "next_alert_at",
    "next_working_instant",
    "parse_intervals",
    "resolve_policy",
    "weekly_from_spec",
]
