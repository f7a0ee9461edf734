"""Alert formats: Alertmanager's webhook and the generic JSON, severities to priorities, bad bodies refused."""

from __future__ import annotations

import pytest

from ticket_core.enums import Priority
from ticket_core.equipment.alerts import AlertState, parse
from ticket_core.errors import ValidationFailed


def test_alertmanager_webhook() -> None:
    alerts = parse(
        {
            "version": "4",
            "status": "firing",
            "alerts": [
                {
                    "status": "resolved",
                    "labels": {"alertname": "Down", "severity": "critical", "unit": "abcdefghijkl"},
                    "annotations": {"summary": "Server down"},
                    "fingerprint": "f1",
                },
                {"labels": {"alertname": "Hot", "site": "rom-nevsky", "category": "hvac"}},
            ],
        }
    )
    first = alerts[0]
    assert (first.fingerprint, first.state, first.priority, first.unit, first.summary) == (
        "f1",
        AlertState.RESOLVED,
        Priority.P1,
        "abcdefghijkl",
        "Server down",
    )
    second = alerts[1]
    assert second.state is AlertState.FIRING and second.site_id == "rom-nevsky" and second.summary == "Hot"
    assert second.priority is Priority.P3 and second.category == "hvac" and len(second.fingerprint) == 32
    # The same alert without a fingerprint always gets the same one.
    again = parse({"alerts": [{"labels": {"alertname": "Hot", "site": "rom-nevsky"}}]})[0]
    assert again.fingerprint == second.fingerprint


def test_generic_alert_and_severities() -> None:
    alert = parse({"unit": "u1", "summary": "UPS on battery", "severity": "info", "status": "resolved"})[0]
    assert alert.priority is Priority.P4 and alert.state is AlertState.RESOLVED
    assert parse({"site": "s", "summary": "x", "severity": "High"})[0].priority is Priority.P2
    assert parse({"site": "s", "summary": "x", "severity": "weird"})[0].priority is Priority.P3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "must be a JSON object"),
        ({"alerts": []}, "non-empty list"),
        ({"alerts": ["x"]}, "alerts[0] must be an object"),
        ({"alerts": [{"labels": ["unit", "u"]}]}, "alerts[0].labels must be an object"),  # was a 500 (fuzz)
        (
            {"alerts": [{"labels": {"unit": "u"}, "annotations": "down"}]},
            "alerts[0].annotations must be an object",
        ),
        ({"alerts": [{"labels": {"alertname": "x"}}]}, "name the unit"),
        ({"summary": "x"}, "name the unit"),
        ({"unit": "u"}, "'summary' is required"),
        ({"unit": "u", "summary": "s", "status": "maybe"}, "firing or resolved"),
        ({"unit": "u", "summary": "s", "extra": 1}, "Unknown field(s) extra"),
        ({"unit": "u" * 65, "summary": "s"}, "longer than 64"),
    ],
)
def test_bad_bodies_say_what_is_wrong(body: object, message: str) -> None:
    with pytest.raises(
        ValidationFailed,
        match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)"),
    ):
        parse(body)
