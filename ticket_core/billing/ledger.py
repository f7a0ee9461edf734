"""Ledger rows: every movement of money, package hours and monthly allowance, append-only.

A row is never edited; a mistake is undone by a reversal row (`reverses_id` names the row, at most once).
A client's balance is the sum of `amount` over its `BALANCE` rows; a package's used hours are the sum of
`hours` over its rows; a month's used allowance the sum over `allowance:<YYYY-MM>` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from ticket_core.errors import DomainError

BALANCE = "balance"


def package_account(package_id: str) -> str:
    """The account of one prepaid package's hours."""
    return f"package:{package_id}"


def allowance_account(period: str) -> str:
    """The account of a month's included allowance (hours and call-outs), e.g. allowance:2026-11."""
    return f"allowance:{period}"


class EntryKind(StrEnum):
    """Why a row was written."""

    PAYMENT = "payment"  # money in
    PACKAGE_PURCHASE = "package"  # money out for prepaid hours
    CHARGE = "charge"  # a charge line of a job (money, package hours or allowance)
    ADJUSTMENT = "adjustment"  # a supervisor's replacement of a charge line
    REVERSAL = "reversal"  # undoes the row it names
    VOID = "void"  # a voided package: its unused hours taken off (package account) and the refund (balance)


class Coverage(StrEnum):
    """What pays for a charge line."""

    INCLUDED = "included"  # the contract's monthly allowance
    PACKAGE = "package"  # a prepaid package
    BILLABLE = "billable"  # the client's balance


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ledger row. `amount` is money (+ in, - out); `hours` and `callouts` are allowance or package use.

    Charge lines also carry what the act shows: the service, quantity, unit price, coverage and the
    line's text in both languages. `line_key` makes a charge unique: the same line is never posted twice.
    """

    client_id: str
    kind: EntryKind
    account: str
    at: datetime
    currency: str
    amount: Decimal = Decimal(0)
    hours: Decimal = Decimal(0)
    callouts: int = 0
    ticket_id: str | None = None
    line_key: str | None = None
    reverses_id: int | None = None
    service_code: str | None = None
    quantity: Decimal = Decimal(0)
    unit_price: Decimal = Decimal(0)
    coverage: Coverage | None = None
    text_ru: str = ""
    text_en: str = ""
    actor_id: str = "system"
    note: str | None = None
    engineer_id: str | None = None
    category: str | None = None
    id: int | None = None

    @property
    def period(self) -> str:
        """The month the row belongs to, YYYY-MM (UTC)."""
        return self.at.strftime("%Y-%m")

    def text(self, lang: str) -> str:
        """The line's description in the reader's language."""
        return self.text_ru if lang == "ru" else self.text_en

    def reversal(self, at: datetime, actor_id: str, note: str | None) -> LedgerEntry:
        """The row that undoes this one."""
        return LedgerEntry(
            client_id=self.client_id,
            kind=EntryKind.REVERSAL,
            account=self.account,
            at=at,
            currency=self.currency,
            amount=-self.amount,
            hours=-self.hours,
            callouts=-self.callouts,
            ticket_id=self.ticket_id,
            reverses_id=self.id,
            service_code=self.service_code,
            quantity=-self.quantity,
            unit_price=self.unit_price,
            coverage=self.coverage,
            text_ru=self.text_ru,
            text_en=self.text_en,
            actor_id=actor_id,
            note=note,
            engineer_id=self.engineer_id,
            category=self.category,
        )


class AlreadyPosted(DomainError):
    """A charge line (by its key) or a reversal (of its row) is in the ledger already."""

    code = "already_posted"
