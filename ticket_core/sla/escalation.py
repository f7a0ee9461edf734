"""Escalation ladder: who is alerted when a clock has used a share of its target, once per level."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from ticket_core.sla.calendar import require_aware
from ticket_core.sla.clock import ClockState, SlaKind, SlaState

AlertKey = tuple[SlaKind, int]
"""Identifies an alert of one ticket: (clock kind, level). Each is sent at most once."""


@dataclass(frozen=True, slots=True)
class EscalationRule:
    """At `share` of the target (1.0 = breach), alert `notify` (a role or level name) at `level`."""

    level: int
    share: float
    notify: str

    def __post_init__(self) -> None:
        if self.share <= 0:
            raise ValueError(f"escalation level {self.level}: share must be above zero, got {self.share}")
        if not self.notify.strip():
            raise ValueError(
                f"escalation level {self.level}: say whom to notify (assignee, supervisor, L2...)"
            )

    def threshold(self, target: timedelta) -> timedelta:
        """Return the elapsed business time at which this rule fires for a target."""
        # One rounding rule (timedelta * float, to the microsecond) for firing and for scheduling keeps
        # next_alert_at and due_alerts in exact agreement.
        return target * self.share


DEFAULT_LADDER: tuple[EscalationRule, ...] = (
    EscalationRule(0, 0.75, "assignee"),
    EscalationRule(1, 1.0, "supervisor"),
    EscalationRule(2, 1.5, "L2"),
    EscalationRule(3, 2.0, "L3"),
    EscalationRule(4, 3.0, "head"),
)
"""75 % warns the assignee; breach alerts the team's supervisors; then L2, L3 and the head of service."""


def make_ladder(rules: Iterable[EscalationRule]) -> tuple[EscalationRule, ...]:
    """Validate a configured ladder and return it ordered by level.

    Raises:
        ValueError: when it is empty, a level repeats, or a higher level does not have a higher share.
    """
    ladder = tuple(sorted(rules, key=lambda r: r.level))
    if not ladder:
        raise ValueError("an escalation ladder needs at least one rule, e.g. 1.0 -> supervisor")
    for lower, higher in pairwise(ladder):
        if lower.level == higher.level:
            raise ValueError(f"escalation level {lower.level} appears twice; give each level once")
        if higher.share <= lower.share:
            raise ValueError(
                f"escalation level {higher.level} fires at {higher.share:.0%}, not after level {lower.level} "
                f"({lower.share:.0%}); higher levels need higher shares"
            )
    return ladder


@dataclass(frozen=True, slots=True)
class Alert:
    """An escalation to send now.

    Attributes:
        kind: which clock.
        level: the rule's level.
        share: the rule's share of the target.
        notify: whom to alert (role or level name).
        due_at: the clock's due time (the breach instant once breached), for the message.
        reached_at: the instant the clock reached the rule's share.
    """

    kind: SlaKind
    level: int
    share: float
    notify: str
    due_at: datetime | None
    reached_at: datetime | None

    @property
    def key(self) -> AlertKey:
        """The (kind, level) pair to record as sent."""
        return (self.kind, self.level)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Who took charge of an alert, and when; the caller stores it next to the ticket."""

    key: AlertKey
    by: str
    at: datetime

    def __post_init__(self) -> None:
        if not self.by.strip():
            raise ValueError("an acknowledgement needs the id of the person who acknowledged")
        object.__setattr__(self, "at", require_aware(self.at, "acknowledged at"))


def _open_clocks(state: SlaState) -> list[ClockState]:
    return [c for c in state.clocks if not c.is_met]


def due_alerts(
    state: SlaState,
    rules: Sequence[EscalationRule] = DEFAULT_LADDER,
    already_sent: Iterable[AlertKey] = (),
) -> list[Alert]:
    """Return the alerts to send now: rules reached by an open clock and not sent yet, oldest first.

    A met clock raises nothing. After an outage several levels may be due at once; all of them are returned,
    in the order they were reached, so every level is still sent exactly once.
    """
    sent = set(already_sent)
    out: list[Alert] = []
    for clock in _open_clocks(state):
        for rule in rules:
            threshold = rule.threshold(clock.target)
            if (clock.kind, rule.level) in sent or clock.elapsed < threshold:
                continue
            out.append(
                Alert(
                    clock.kind, rule.level, rule.share, rule.notify, clock.due_at, clock.instant_at(threshold)
                )
            )
    out.sort(key=lambda a: (a.reached_at or state.now, a.kind is SlaKind.RESOLUTION, a.level))
    return out


def next_alert_at(
    state: SlaState,
    rules: Sequence[EscalationRule] = DEFAULT_LADDER,
    already_sent: Iterable[AlertKey] = (),
) -> datetime | None:
    """Return when the worker should evaluate the ticket again, or None if no alert can come without news.

    It is `state.now` when an alert is due already, else the exact instant the next unsent rule is reached
    by a running clock. Paused and met clocks schedule nothing: the next fact (resume, reopen, priority
    change, extension) makes the caller recompute.
    """
    sent = set(already_sent)
    best: datetime | None = None
    for clock in _open_clocks(state):
        pending = [rule.threshold(clock.target) for rule in rules if (clock.kind, rule.level) not in sent]
        if not pending:
            continue
        if any(t <= clock.elapsed for t in pending):
            return state.now
        if not clock.running:
            continue
        at = clock.instant_at(min(pending))
        if at is not None and (best is None or at < best):
            best = at
    return best
