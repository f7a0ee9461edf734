"""SLA configuration from a plain dict (a YAML or JSON file): calendars, policies, overrides and the ladder.

Shape (every key optional; `DEFAULT_SPEC` is used for what is missing):

    calendars:
      office: {timezone: site, hours: "09:00-18:00", days: mon-fri, holidays: [2026-01-01]}
    policies:
      standard: {calendar: 24x7, targets: {P1: {response: 30m, resolution: 4h}, P2: ...}}
      gold:     {calendar: office, targets: {P1: {response: 15m, resolution: 2h}}}
    default: standard
    categories: {hvac: hvac-fast}              # company-wide override per category
    contracts: {k-acme: gold}                  # a contract's policy, by contract id
    contract_categories: {k-acme: {hvac: gold-hvac}}
    ladder: [{level: 0, share: 0.75, notify: assignee}, ...]
    at_risk_share: 0.75

A calendar whose timezone is "site" counts on the time zone of each ticket's site (the `timezone`
fallback when the ticket has no site). "24x7" is the built-in round-the-clock calendar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from ticket_core.enums import Priority
from ticket_core.sla.calendar import CALENDAR_24X7, BusinessCalendar
from ticket_core.sla.clock import DEFAULT_AT_RISK_SHARE
from ticket_core.sla.escalation import DEFAULT_LADDER, EscalationRule, make_ladder
from ticket_core.sla.policy import SlaPolicy, SlaTarget, resolve_policy

SITE_TZ = "site"
DEFAULT_TIMEZONE = "Europe/Moscow"
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)

DEFAULT_SPEC: dict[str, Any] = {
    "policies": {
        "standard": {
            "calendar": "24x7",
            "targets": {
                "P1": {"response": "30m", "resolution": "4h"},
                "P2": {"response": "1h", "resolution": "8h"},
                "P3": {"response": "4h", "resolution": "24h"},
                "P4": {"response": "8h", "resolution": "72h"},
            },
        }
    },
    "default": "standard",
}
"""Round the clock; P1 answered in 30 minutes and fixed in 4 hours, down to P4 in 8 h / 72 h."""


class SlaConfigError(ValueError):
    """The SLA configuration is malformed; the message names the key and how to fix it."""


def parse_duration(value: object, where: str) -> timedelta:
    """Parse "30m", "4h", "1d", "1h30m" or a number of minutes into a positive timedelta.

    Raises:
        SlaConfigError: for anything else, or a duration that is not above zero.
    """
    if isinstance(value, bool):
        raise SlaConfigError(f"{where}: give a duration like 30m, 4h or 1d, not {value!r}")
    if isinstance(value, int | float):
        minutes = float(value)
        result = timedelta(minutes=minutes)
    else:
        match = _DURATION.match(str(value))
        if not match or not any(match.groups()):
            raise SlaConfigError(f"{where}: {value!r} is not a duration; write it like 30m, 4h, 1d or 1h30m")
        days, hours, mins = (int(g or 0) for g in match.groups())
        result = timedelta(days=days, hours=hours, minutes=mins)
    if result <= timedelta(0):
        raise SlaConfigError(f"{where}: the duration must be above zero, got {value!r}")
    return result


@dataclass
class SlaConfig:
    """Everything the SLA runtime needs to know besides the ticket: policies, their layers and the ladder."""

    default: SlaPolicy
    category_overrides: Mapping[str, SlaPolicy] = field(default_factory=dict)
    contract_policies: Mapping[str, SlaPolicy] = field(default_factory=dict)
    contract_category_overrides: Mapping[str, Mapping[str, SlaPolicy]] = field(default_factory=dict)
    ladder: tuple[EscalationRule, ...] = DEFAULT_LADDER
    at_risk_share: float = DEFAULT_AT_RISK_SHARE
    site_calendars: frozenset[str] = frozenset()
    timezone: str = DEFAULT_TIMEZONE
    _cache: dict[tuple[str, str | None, str], SlaPolicy] = field(default_factory=dict, repr=False)

    def policy_for(self, category: str, contract_id: str | None, site_timezone: str | None) -> SlaPolicy:
        """Return the effective policy of a ticket (see `resolve_policy`), on the site's clock when asked."""
        tz = site_timezone or self.timezone
        key = (category, contract_id, tz)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        policy = resolve_policy(
            self.default,
            category=category,
            contract_policy=self.contract_policies.get(contract_id) if contract_id else None,
            category_overrides=self.category_overrides,
            contract_category_overrides=(
                self.contract_category_overrides.get(contract_id) if contract_id else None
            ),
        )
        if policy.calendar.name in self.site_calendars and policy.calendar.tz != tz:
            policy = replace(policy, calendar=policy.calendar.with_timezone(tz))
        if len(self._cache) > 1024:
            self._cache.clear()  # a bounded cache: calendars keep their own per-day caches
        self._cache[key] = policy
        return policy


class SlaConfigRef:
    """The SLA configuration a process uses now, behind one reference that a reload replaces.

    Units of work read `config` when they open, so a unit in flight finishes with the configuration it
    began with and the next one gets the new (helpdesk.sla_configs follows published versions).
    """

    def __init__(self, config: SlaConfig, version: int | None = None, source: str = "") -> None:
        self.config = config
        self.version = version  # the published version in use (None: the file or the defaults)
        self.source = source  # where it came from, for logs and `helpdesk sla show`

    def swap(self, config: SlaConfig, version: int, source: str) -> None:
        """Use `config` from the next unit of work on."""
        self.config, self.version, self.source = config, version, source


def _calendar(name: str, spec: Mapping[str, Any], default_tz: str) -> tuple[BusinessCalendar, bool]:
    if not isinstance(spec, Mapping):
        raise SlaConfigError(f"calendars.{name}: give a mapping with timezone, hours and days")
    tz = str(spec.get("timezone", SITE_TZ))
    follows_site = tz == SITE_TZ
    try:
        holidays = [date.fromisoformat(str(d)) for d in spec.get("holidays", ())]
        extra = {
            date.fromisoformat(str(d)): str(h) for d, h in (spec.get("extra_working_days") or {}).items()
        }
        cal = BusinessCalendar.office(
            name,
            default_tz if follows_site else tz,
            hours=str(spec.get("hours", "09:00-18:00")),
            days=str(spec.get("days", "mon-fri")),
            holidays=holidays,
            extra_working_days=extra,
        )
    except ValueError as exc:
        raise SlaConfigError(f"calendars.{name}: {exc}") from None
    return cal, follows_site


def _policy(name: str, spec: Mapping[str, Any], calendars: Mapping[str, BusinessCalendar]) -> SlaPolicy:
    if not isinstance(spec, Mapping):
        raise SlaConfigError(f"policies.{name}: give a mapping with calendar and targets")
    cal_name = str(spec.get("calendar", "24x7"))
    if cal_name not in calendars:
        known = ", ".join(sorted(calendars))
        raise SlaConfigError(f"policies.{name}: unknown calendar {cal_name!r}; use one of {known}")
    targets: dict[Priority, SlaTarget] = {}
    for key, target in (spec.get("targets") or {}).items():
        try:
            priority = Priority(str(key).upper())
        except ValueError:
            raise SlaConfigError(f"policies.{name}.targets: {key!r} is not a priority; use P1..P4") from None
        if not isinstance(target, Mapping) or "response" not in target or "resolution" not in target:
            raise SlaConfigError(f"policies.{name}.targets.{key}: give both response and resolution")
        where = f"policies.{name}.targets.{key}"
        targets[priority] = SlaTarget(
            parse_duration(target["response"], f"{where}.response"),
            parse_duration(target["resolution"], f"{where}.resolution"),
        )
    if not targets:
        raise SlaConfigError(f"policies.{name}: give targets for at least one priority")
    return SlaPolicy(name, calendars[cal_name], targets)


def load_config(data: Mapping[str, Any] | None = None) -> SlaConfig:
    """Build an `SlaConfig` from a dict (parsed YAML/JSON); `None` or `{}` gives the defaults.

    Raises:
        SlaConfigError: a key is malformed or refers to something undefined; nothing is half-loaded.
    """
    data = dict(data or {})
    default_tz = str(data.get("timezone", DEFAULT_TIMEZONE))
    calendars: dict[str, BusinessCalendar] = {"24x7": CALENDAR_24X7}
    site_calendars: set[str] = set()
    for name, spec in (data.get("calendars") or {}).items():
        cal, follows = _calendar(str(name), spec, default_tz)
        calendars[str(name)] = cal
        if follows:
            site_calendars.add(str(name))
    policy_specs = data.get("policies") or DEFAULT_SPEC["policies"]
    policies = {str(n): _policy(str(n), s, calendars) for n, s in policy_specs.items()}
    default_name = str(data.get("default", "standard" if "standard" in policies else next(iter(policies))))

    def named(name: object, where: str) -> SlaPolicy:
        if str(name) not in policies:
            raise SlaConfigError(f"{where}: unknown policy {name!r}; define it under policies")
        return policies[str(name)]

    default = named(default_name, "default")
    try:
        resolve_policy(default)
    except ValueError as exc:
        raise SlaConfigError(f"default policy {default_name!r}: {exc}") from None
    categories = {str(c): named(p, f"categories.{c}") for c, p in (data.get("categories") or {}).items()}
    contracts = {str(k): named(p, f"contracts.{k}") for k, p in (data.get("contracts") or {}).items()}
    contract_categories = {
        str(k): {str(c): named(p, f"contract_categories.{k}.{c}") for c, p in cats.items()}
        for k, cats in (data.get("contract_categories") or {}).items()
    }
    ladder = DEFAULT_LADDER
    if data.get("ladder"):
        try:
            ladder = make_ladder(
                EscalationRule(int(r["level"]), float(r["share"]), str(r["notify"])) for r in data["ladder"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SlaConfigError(f"ladder: {exc}; give level, share and notify for each rung") from None
    at_risk = float(data.get("at_risk_share", DEFAULT_AT_RISK_SHARE))
    if not 0 < at_risk <= 1:
        raise SlaConfigError(f"at_risk_share: {at_risk} is not in (0, 1]; 0.75 means 75 % of the target")
    return SlaConfig(
        default=default,
        category_overrides=categories,
        contract_policies=contracts,
        contract_category_overrides=contract_categories,
        ladder=ladder,
        at_risk_share=at_risk,
        site_calendars=frozenset(site_calendars),
        timezone=default_tz,
    )


DEFAULT_CONFIG = load_config()
"""The configuration used when none is given."""
