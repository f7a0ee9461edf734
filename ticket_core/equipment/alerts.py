"""Monitoring alerts (#19): Prometheus Alertmanager's webhook and a generic JSON format, read into `Alert`s.

An alert names a unit (its sticker code or id, label `unit`) or a site (label `site`), a severity, a summary
and a fingerprint: alerts with the same fingerprint are one problem (`alert_usecases.receive_alert`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ticket_core.enums import Priority
from ticket_core.errors import ValidationFailed

MAX_ALERTS = 500
MAX_SUMMARY = 1000
MAX_FINGERPRINT = 200

SEVERITY_PRIORITY: dict[str, Priority] = {
    "critical": Priority.P1,
    "disaster": Priority.P1,
    "page": Priority.P1,
    "error": Priority.P2,
    "high": Priority.P2,
    "major": Priority.P2,
    "warning": Priority.P3,
    "average": Priority.P3,
    "minor": Priority.P3,
    "info": Priority.P4,
    "low": Priority.P4,
    "none": Priority.P4,
}
"""Priority of the ticket an alert opens; an unknown severity is P3."""


class AlertState(StrEnum):
    """Whether the problem is going on or over."""

    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert about a unit or a site."""

    fingerprint: str
    state: AlertState
    summary: str
    severity: str = "warning"
    unit: str | None = None  # sticker code or unit id
    site_id: str | None = None
    category: str | None = None  # for an alert about a site (a unit's type gives its own)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def priority(self) -> Priority:
        """The priority of a ticket it opens."""
        return SEVERITY_PRIORITY.get(self.severity.lower(), Priority.P3)


def _text(value: Any, name: str, max_len: int, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValidationFailed("'{name}' is required.", name=name)
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValidationFailed("'{name}' must be a string.", name=name)
    text = str(value).strip()
    if len(text) > max_len:
        raise ValidationFailed("'{name}' is longer than {max_len} characters.", name=name, max_len=max_len)
    return text or None


def _pairs(value: Any, name: str) -> dict[str, str]:
    """Alertmanager's `labels` or `annotations`: an object whose values are read as text (absent: none)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationFailed("{where} must be an object.", where=name)
    return {str(k): str(v) for k, v in value.items()}


def _state(value: Any, name: str) -> AlertState:
    try:
        return AlertState(str(value or "firing").lower())
    except ValueError:
        raise ValidationFailed("'{name}' must be firing or resolved.", name=name) from None


def _check_target(alert: Alert, where: str) -> Alert:
    if not alert.unit and not alert.site_id:
        raise ValidationFailed(
            "{where}: name the unit (label 'unit': its sticker code or id) or the 'site'.", where=where
        )
    return alert


def default_fingerprint(*parts: str | None) -> str:
    """A stable fingerprint from what names the problem (when the sender gives none)."""
    return hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()[:32]


def parse_alertmanager(body: dict[str, Any]) -> list[Alert]:
    """Alerts of an Alertmanager webhook (`{"version": "4", "alerts": [...]}`).

    Raises:
        ValidationFailed: the body is not that format, or an alert names neither a unit nor a site.
    """
    items = body.get("alerts")
    if not isinstance(items, list) or not items:
        raise ValidationFailed("'alerts' must be a non-empty list (Alertmanager webhook format).")
    if len(items) > MAX_ALERTS:
        raise ValidationFailed("At most {max_alerts} alerts per call.", max_alerts=MAX_ALERTS)
    alerts = []
    for i, item in enumerate(items):
        where = f"alerts[{i}]"
        if not isinstance(item, dict):
            raise ValidationFailed("{where} must be an object.", where=where)
        labels = _pairs(item.get("labels"), f"{where}.labels")
        notes = _pairs(item.get("annotations"), f"{where}.annotations")
        name = labels.get("alertname", "alert")
        summary = notes.get("summary") or notes.get("description") or name
        unit = _text(labels.get("unit"), f"{where}.labels.unit", 64)
        site = _text(labels.get("site"), f"{where}.labels.site", 64)
        fingerprint = _text(item.get("fingerprint"), f"{where}.fingerprint", MAX_FINGERPRINT)
        alert = Alert(
            fingerprint=fingerprint or default_fingerprint(name, unit, site),
            state=_state(item.get("status") or body.get("status"), f"{where}.status"),
            summary=summary[:MAX_SUMMARY],
            severity=labels.get("severity", "warning"),
            unit=unit,
            site_id=site,
            category=_text(labels.get("category"), f"{where}.labels.category", 64),
            labels=labels,
        )
        alerts.append(_check_target(alert, where))
    return alerts


GENERIC_FIELDS = ("unit", "site", "severity", "summary", "fingerprint", "status", "category")


def parse_generic(body: dict[str, Any]) -> list[Alert]:
    """One alert in the generic format: `{"unit" or "site", "severity", "summary", "status", "fingerprint"}`.

    Raises:
        ValidationFailed: an unknown field, a missing summary, neither unit nor site.
    """
    unknown = sorted(set(body) - set(GENERIC_FIELDS))
    if unknown:
        raise ValidationFailed(
            "Unknown field(s) {unknown}; the fields are {known}.",
            unknown=", ".join(unknown),
            known=", ".join(GENERIC_FIELDS),
        )
    unit = _text(body.get("unit"), "unit", 64)
    site = _text(body.get("site"), "site", 64)
    summary = _text(body.get("summary"), "summary", MAX_SUMMARY, required=True) or ""
    fingerprint = _text(body.get("fingerprint"), "fingerprint", MAX_FINGERPRINT)
    alert = Alert(
        fingerprint=fingerprint or default_fingerprint(unit, site, summary),
        state=_state(body.get("status"), "status"),
        summary=summary,
        severity=_text(body.get("severity"), "severity", 32) or "warning",
        unit=unit,
        site_id=site,
        category=_text(body.get("category"), "category", 64),
    )
    return [_check_target(alert, "the alert")]


def parse(body: Any) -> list[Alert]:
    """Alerts of either format: Alertmanager's when the body has `alerts`, else the generic one."""
    if not isinstance(body, dict):
        raise ValidationFailed("The body must be a JSON object.")
    return parse_alertmanager(body) if "alerts" in body else parse_generic(body)
