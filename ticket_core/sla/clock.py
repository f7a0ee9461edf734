"""The SLA clocks of one ticket, computed from its timeline at an instant.

A ticket has two clocks: `response` (opened -> first response) and `resolution` (opened -> resolved). A
clock counts business time of the policy's calendar while it runs. Rules (docs/sla.md has examples):

* Pause (on hold: waiting for the client or for parts) stops both running clocks; resume restarts them.
  Repeated pauses, a resume without a pause and facts after a resolve that make no sense are ignored, so a
  timeline replayed from the event log never fails on a duplicate.
* A clock is met when its goal happens: the first response, or the resolve (a resolve also meets a response
  clock that was still running). A met clock keeps the target it had at that moment.
* Reopen restarts the resolution clock from the time it had counted at resolve: the time between resolve
  and reopen does not count. The response clock stays met.
* A priority change swaps the target; the new target applies to all elapsed time so far.
* An extension adds business time to the target of one clock, with a reason; extensions survive priority
  changes.
* `due_at` is the instant the clock reaches its target. While running it is fixed; while paused it is
  "the due time if work resumed now" (so it moves forward with the pause and never jumps back on resume);
  once breached it is the instant of the breach; once met it is None. Facts later than `now` are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ticket_core.enums import Priority
from ticket_core.sla.calendar import BusinessCalendar, add_business_time, business_time_between, require_aware
from ticket_core.sla.policy import SlaPolicy

DEFAULT_AT_RISK_SHARE = 0.75
"""Share of the target after which a running clock is shown as at risk."""


class SlaKind(StrEnum):
    """Which promise a clock measures."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


class SlaStatus(StrEnum):
    """How a clock stands at an instant."""

    OK = "ok"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"


def _aware(fact: object) -> None:
    object.__setattr__(fact, "at", require_aware(fact.at, f"{type(fact).__name__}.at"))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Opened:
    """The ticket was opened with a priority; both clocks start."""

    at: datetime
    priority: Priority

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class Paused:
    """The ticket waits for the client or for parts; the clocks stop."""

    at: datetime
    reason: str = ""

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class Resumed:
    """Work continues after a pause."""

    at: datetime

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class FirstResponse:
    """Somebody of the service company answered the client for the first time."""

    at: datetime

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class Resolved:
    """The work is done."""

    at: datetime

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class Reopened:
    """The client says the problem is back; the resolution clock continues."""

    at: datetime

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class Reprioritised:
    """The priority changed; its target replaces the old one for all time counted so far."""

    at: datetime
    priority: Priority

    def __post_init__(self) -> None:
        _aware(self)


@dataclass(frozen=True, slots=True)
class Extended:
    """A supervisor gave one clock more business time, with a reason."""

    at: datetime
    by: timedelta
    reason: str
    clock: SlaKind = SlaKind.RESOLUTION
    by_whom: str | None = None

    def __post_init__(self) -> None:
        _aware(self)
        if self.by <= timedelta(0):
            raise ValueError(f"an SLA extension must be positive, got {self.by}; give a duration above zero")
        if not self.reason.strip():
            raise ValueError("an SLA extension needs a reason; say why the client gets more time")


Fact = Opened | Paused | Resumed | FirstResponse | Resolved | Reopened | Reprioritised | Extended
"""One entry of a ticket's SLA timeline."""


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of wall-clock time during which a clock ran; `end` is None for the run still going."""

    start: datetime
    end: datetime | None
    elapsed_before: timedelta
    elapsed_after: timedelta


@dataclass(frozen=True)
class ClockState:
    """One clock at an instant.

    Attributes:
        kind: response or resolution.
        target: business time allowed, extensions included.
        elapsed: business time counted (pauses and resolved stretches excluded).
        remaining: target - elapsed; negative once breached.
        due_at: when elapsed reaches the target (see the module docstring); None once met.
        share: elapsed / target (1.0 = the moment of breach; may exceed 1).
        status: ok / at_risk / breached / met / paused; a breach wins over paused and met.
        met_at: when the goal happened (late or not); None while open.
        breached_at: the instant elapsed reached the target, if it did.
        running: whether the clock counts at `now`.
        runs: the stretches it ran, for `instant_at`.
    """

    kind: SlaKind
    target: timedelta
    elapsed: timedelta
    remaining: timedelta
    due_at: datetime | None
    share: float
    status: SlaStatus
    met_at: datetime | None
    breached_at: datetime | None
    running: bool
    now: datetime
    calendar: BusinessCalendar = field(repr=False, compare=False)
    runs: tuple[Run, ...] = field(repr=False, compare=False)

    @property
    def is_met(self) -> bool:
        """Tell whether the goal of the clock has happened."""
        return self.met_at is not None

    def instant_at(self, elapsed: timedelta) -> datetime | None:
        """Return the earliest instant at which the clock had or will have counted `elapsed`.

        Past crossings come from the recorded runs; a future one exists only while the clock runs. None when
        the clock is paused or met before reaching it.
        """
        for run in self.runs:
            if run.end is None or elapsed <= run.elapsed_after:
                if elapsed < run.elapsed_before:
                    continue
                return add_business_time(self.calendar, run.start, elapsed - run.elapsed_before)
        return None


@dataclass(frozen=True)
class SlaState:
    """Both clocks of a ticket at `now`."""

    now: datetime
    policy_name: str
    priority: Priority
    paused: bool
    resolved: bool
    response: ClockState
    resolution: ClockState

    def clock(self, kind: SlaKind) -> ClockState:
        """Return the clock of a kind."""
        return self.response if kind is SlaKind.RESPONSE else self.resolution

    @property
    def clocks(self) -> tuple[ClockState, ClockState]:
        """Both clocks, response first."""
        return (self.response, self.resolution)


@dataclass(slots=True)
class _Clock:
    kind: SlaKind
    runs: list[Run] = field(default_factory=list)
    running_since: datetime | None = None
    elapsed: timedelta = timedelta(0)
    met_at: datetime | None = None
    met_target: timedelta | None = None


def compute_sla(
    policy: SlaPolicy,
    timeline: Iterable[Fact],
    now: datetime,
    *,
    at_risk_share: float = DEFAULT_AT_RISK_SHARE,
) -> SlaState:
    """Compute both SLA clocks of a ticket at `now` from its timeline.

    Args:
        policy: the effective policy of the ticket (see `resolve_policy`); its calendar counts the time.
        timeline: the ticket's facts in any order; ties keep their given order; facts after `now` are ignored.
        now: the instant to evaluate at.
        at_risk_share: share of the target from which a running clock is at risk.

    Raises:
        ValueError: when the timeline does not start with one `Opened`, `now` is naive or before the opening,
            or the policy has no target for a priority used.
    """
    now = require_aware(now, "now")
    if not 0 < at_risk_share <= 1:
        raise ValueError(
            f"at_risk_share must be in (0, 1], got {at_risk_share}; 0.75 means 75 % of the target"
        )
    facts = sorted(timeline, key=lambda f: f.at)
    if not facts or not isinstance(facts[0], Opened):
        raise ValueError(
            "an SLA timeline must start with Opened (the earliest fact); add the opening of the ticket"
        )
    opened = facts[0]
    if now < opened.at:
        raise ValueError(
            f"now ({now.isoformat()}) is before the ticket was opened ({opened.at.isoformat()}); pass a later now"
        )
    cal = policy.calendar
    priority = opened.priority
    policy.target_for(priority)
    extra = {SlaKind.RESPONSE: timedelta(0), SlaKind.RESOLUTION: timedelta(0)}
    clocks = {kind: _Clock(kind, running_since=opened.at) for kind in SlaKind}
    paused_since: datetime | None = None
    resolved = False

    def target(kind: SlaKind) -> timedelta:
        base = policy.target_for(priority)
        return (base.response if kind is SlaKind.RESPONSE else base.resolution) + extra[kind]

    def stop(c: _Clock, at: datetime) -> None:
        if c.running_since is not None:
            counted = business_time_between(cal, c.running_since, at)
            c.runs.append(Run(c.running_since, at, c.elapsed, c.elapsed + counted))
            c.elapsed += counted
            c.running_since = None

    def meet(c: _Clock, at: datetime) -> None:
        if c.met_at is None:
            stop(c, at)
            c.met_at = at
            c.met_target = target(c.kind)

    for fact in facts[1:]:
        if fact.at > now:
            break
        match fact:
            case Opened():
                raise ValueError("an SLA timeline has more than one Opened; keep the first opening only")
            case Paused() if paused_since is None and not resolved:
                paused_since = fact.at
                for c in clocks.values():
                    stop(c, fact.at)
            case Resumed() if paused_since is not None:
                paused_since = None
                for c in clocks.values():
                    if c.met_at is None:
                        c.running_since = fact.at
            case FirstResponse():
                meet(clocks[SlaKind.RESPONSE], fact.at)
            case Resolved() if not resolved:
                resolved = True
                paused_since = None
                for c in clocks.values():
                    meet(c, fact.at)
            case Reopened() if resolved:
                resolved = False
                c = clocks[SlaKind.RESOLUTION]
                c.met_at = c.met_target = None
                c.running_since = fact.at
            case Reprioritised():
                policy.target_for(fact.priority)
                priority = fact.priority
            case Extended():
                extra[fact.clock] += fact.by
            case _:
                pass  # a duplicate or out-of-place fact: nothing to change

    states = {kind: _finish(c, target(kind), now, cal, at_risk_share) for kind, c in clocks.items()}
    return SlaState(
        now=now,
        policy_name=policy.name,
        priority=priority,
        paused=paused_since is not None,
        resolved=resolved,
        response=states[SlaKind.RESPONSE],
        resolution=states[SlaKind.RESOLUTION],
    )


def _finish(
    c: _Clock, current_target: timedelta, now: datetime, cal: BusinessCalendar, at_risk: float
) -> ClockState:
    runs = list(c.runs)
    elapsed = c.elapsed
    if c.running_since is not None:
        counted = business_time_between(cal, c.running_since, now)
        runs.append(Run(c.running_since, None, elapsed, elapsed + counted))
        elapsed += counted
    goal = c.met_target if c.met_target is not None else current_target
    partial = ClockState(
        kind=c.kind,
        target=goal,
        elapsed=elapsed,
        remaining=goal - elapsed,
        due_at=None,
        share=elapsed / goal,
        status=SlaStatus.OK,
        met_at=c.met_at,
        breached_at=None,
        running=c.running_since is not None,
        now=now,
        calendar=cal,
        runs=tuple(runs),
    )
    # Meeting the goal at the very instant the target is reached is on time; an open clock at it is late.
    reached = elapsed > goal if c.met_at is not None else elapsed >= goal
    breached_at = partial.instant_at(goal) if reached else None
    if c.met_at is not None:
        due_at = None
    elif breached_at is not None:
        due_at = breached_at
    elif partial.running:
        due_at = partial.instant_at(goal)
    else:
        due_at = add_business_time(cal, now, goal - elapsed)
    if breached_at is not None:
        status = SlaStatus.BREACHED
    elif c.met_at is not None:
        status = SlaStatus.MET
    elif not partial.running:
        status = SlaStatus.PAUSED
    elif partial.share >= at_risk:
        status = SlaStatus.AT_RISK
    else:
        status = SlaStatus.OK
    return ClockState(
        kind=c.kind,
        target=goal,
        elapsed=elapsed,
        remaining=goal - elapsed,
        due_at=due_at,
        share=partial.share,
        status=status,
        met_at=c.met_at,
        breached_at=breached_at,
        running=partial.running,
        now=now,
        calendar=cal,
        runs=partial.runs,
    )
