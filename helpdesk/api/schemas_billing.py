"""JSON Schemas of the billing endpoints (merged into `helpdesk.api.schemas.SCHEMAS`). Money is a decimal string."""

from __future__ import annotations

from typing import Any

MONEY: dict[str, Any] = {
    "type": "string",
    "pattern": r"^-?\d+\.\d{2}$",
    "description": "Decimal, e.g. 2500.00",
}
STR: dict[str, Any] = {"type": "string"}

BILLING_SCHEMAS: dict[str, dict[str, Any]] = {
    "BillingAccount": {
        "type": "object",
        "properties": {
            "client_id": STR,
            "currency": STR,
            "balance": MONEY,
            "in_debt": {"type": "boolean"},
            "allowance_hours_left": STR,
            "allowance_callouts_left": {"type": "integer"},
            "packages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": STR, "hours": STR, "left_hours": STR, "valid_until": STR},
                },
            },
        },
        "required": ["client_id", "currency", "balance", "in_debt"],
    },
    "PaymentCreate": {
        "type": "object",
        "properties": {
            "amount": {"anyOf": [STR, {"type": "integer"}], "description": 'e.g. "15000.50" (never a float)'},
            "note": {"type": "string", "maxLength": 500},
        },
        "required": ["amount"],
        "additionalProperties": False,
    },
    "Payment": {
        "type": "object",
        "properties": {"client_id": STR, "amount": MONEY, "balance": MONEY, "currency": STR},
        "required": ["client_id", "amount", "balance", "currency"],
    },
    "PackageVoid": {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            "refund": {
                "anyOf": [STR, {"type": "integer"}],
                "description": "To the balance, 0 to the price; left out: the unused hours' share of the price",
            },
        },
        "required": ["reason"],
        "additionalProperties": False,
    },
    "PackageVoided": {
        "type": "object",
        "properties": {
            "client_id": STR,
            "package_id": STR,
            "refund": MONEY,
            "balance": MONEY,
            "currency": STR,
        },
        "required": ["client_id", "package_id", "refund", "balance", "currency"],
    },
    "Act": {
        "type": "object",
        "properties": {
            "client_id": STR,
            "month": STR,
            "currency": STR,
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "date": STR,
                        "ticket_id": {"anyOf": [STR, {"type": "null"}]},
                        "text": STR,
                        "quantity": STR,
                        "unit_price": MONEY,
                        "coverage": {"type": "string", "enum": ["included", "package", "billable"]},
                        "amount": MONEY,
                    },
                },
            },
            "subtotal": MONEY,
            "vat_pct": STR,
            "vat": MONEY,
            "total": MONEY,
        },
        "required": ["client_id", "month", "lines", "total"],
    },
}
