"""A client's account as JSON-safe data (money as decimal strings), for the CLI and the API alike."""

from __future__ import annotations

from typing import Any

from ticket_core.billing.accounts import Account


def account_dict(account: Account) -> dict[str, Any]:
    """Balance, debt, this month's allowance left and each package's hours."""
    return {
        "client_id": account.client_id,
        "currency": account.currency,
        "balance": str(account.balance),
        "in_debt": account.in_debt,
        "allowance_hours_left": str(account.allowance_hours_left),
        "allowance_callouts_left": account.allowance_callouts_left,
        "packages": [
            {
                "id": p.id,
                "hours": str(p.hours),
                "left_hours": str(p.left_hours),
                "valid_until": str(p.valid_until),
            }
            for p in account.packages
        ],
    }
