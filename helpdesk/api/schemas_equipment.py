"""JSON Schemas of the equipment endpoints beyond the unit itself (merged into the OpenAPI document)."""

from __future__ import annotations

from typing import Any

from helpdesk.api.schema_types import BOOL, INT, NUM, STR, TIME, nullable, obj

HOURS = nullable(NUM)
_UNIT_FIGURES = obj(
    {
        "unit_id": STR,
        "name": STR,
        "type_id": STR,
        "model": nullable(STR),
        "failures": INT,
        "repeats": {"type": "integer", "description": "Failures within 30 days after an older one."},
        "mtbf_h": HOURS,
        "mttr_h": HOURS,
        "out_of_warranty": BOOL,
    },
    ["unit_id", "name", "type_id", "failures", "repeats", "mtbf_h", "mttr_h", "out_of_warranty"],
)

_TEXT = nullable(STR)
EQUIPMENT_SCHEMAS: dict[str, dict[str, Any]] = {
    "UnitWrite": obj(
        {
            "site": {"type": "string", "description": "Site id (the unit's client is the site's)."},
            "type": {"type": "string", "description": "Equipment type id, e.g. ac."},
            "name": STR,
            "model": _TEXT,
            "serial": _TEXT,
            "inventory_no": {**_TEXT, "description": "Unique within the client."},
            "installed_on": nullable({"type": "string", "format": "date"}),
            "warranty_until": nullable({"type": "string", "format": "date"}),
            "location": _TEXT,
            "contact": _TEXT,
            "status": {"type": "string", "enum": ["in_service", "under_repair", "retired"]},
            "photos": {"type": "array", "items": STR},
            "fields": {
                "type": "object",
                "additionalProperties": _TEXT,
                "description": 'The type\'s custom fields, e.g. {"refrigerant": "R32"}.',
            },
        },
        [],
        closed=True,
    ),
    "ReliabilityReport": obj(
        {
            "since": TIME,
            "until": TIME,
            "failures": INT,
            "repeats": INT,
            "mtbf_h": {
                **HOURS,
                "description": "Mean hours between consecutive failures of a unit in the period.",
            },
            "mttr_h": {
                **HOURS,
                "description": "Mean hours from opening to resolving a failure (wall clock).",
            },
            "by_type": {
                "type": "array",
                "items": obj(
                    {
                        "type_id": STR,
                        "units": INT,
                        "failed_units": INT,
                        "failures": INT,
                        "failures_per_unit": NUM,
                        "repeats": INT,
                        "mtbf_h": HOURS,
                        "mttr_h": HOURS,
                    },
                    ["type_id", "units", "failed_units", "failures", "failures_per_unit", "repeats"],
                ),
            },
            "by_unit": {"type": "array", "items": _UNIT_FIGURES},
            "top_models": {
                "type": "array",
                "items": obj(
                    {
                        "type_id": STR,
                        "model": STR,
                        "failed_units": INT,
                        "failures": INT,
                        "failures_per_unit": NUM,
                    },
                    ["type_id", "model", "failed_units", "failures", "failures_per_unit"],
                ),
            },
            "out_of_warranty": {"type": "array", "items": _UNIT_FIGURES},
        },
        ["since", "until", "failures", "repeats", "by_type", "by_unit", "top_models", "out_of_warranty"],
    ),
}
