"""Which escalation level counts as an SLA breach in reports: the lowest rung at 100 % of the target or more."""

from __future__ import annotations

from storage.reports import DEFAULT_BREACH_LEVEL, breach_level
from ticket_core.sla.escalation import DEFAULT_LADDER, EscalationRule


def test_breach_level_follows_the_configured_ladder() -> None:
    assert breach_level(DEFAULT_LADDER) == 1
    ladder = (
        EscalationRule(0, 0.5, "assignee"),
        EscalationRule(1, 0.9, "lead"),
        EscalationRule(2, 1.0, "sup"),
    )
    assert breach_level(ladder) == 2
    assert breach_level((EscalationRule(3, 1.5, "head"), EscalationRule(5, 2.0, "ceo"))) == 3
    assert breach_level((EscalationRule(0, 0.75, "assignee"),)) == DEFAULT_BREACH_LEVEL
