"""Billing events, each in the audit log with the change it records. Amounts are strings (exact decimals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ticket_core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class JobCharged(DomainEvent):
    """A done job's charge lines were posted: `lines` as dicts (key, coverage, quantity, amount)."""

    name: ClassVar[str] = "job_charged"
    client_id: str
    currency: str
    total: str
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ChargeAdjusted(DomainEvent):
    """A supervisor replaced a charge line's amount (the old row reversed, a new one posted)."""

    name: ClassVar[str] = "charge_adjusted"
    client_id: str
    entry_id: int
    old_amount: str
    new_amount: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class LedgerEntryReversed(DomainEvent):
    """A row was undone by its reversal."""

    name: ClassVar[str] = "ledger_entry_reversed"
    client_id: str
    entry_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class PaymentRecorded(DomainEvent):
    """Money came in from a client."""

    name: ClassVar[str] = "payment_recorded"
    client_id: str
    amount: str
    currency: str
    balance: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class PackageBought(DomainEvent):
    """A client bought prepaid hours."""

    name: ClassVar[str] = "package_bought"
    client_id: str
    package_id: str
    hours: str
    price: str
    valid_until: str


@dataclass(frozen=True, kw_only=True)
class PackageVoided(DomainEvent):
    """A supervisor voided a prepaid package: its unused `hours` are no longer usable and `refund` went back to
    the client's balance (both ledger rows of kind `void`, in the same transaction)."""

    name: ClassVar[str] = "package_voided"
    client_id: str
    package_id: str
    hours: str
    refund: str
    currency: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class PackageThreshold(DomainEvent):
    """A package crossed 80 % used (`share` 80) or was used up (`share` 100): supervisors are warned."""

    name: ClassVar[str] = "package_threshold"
    client_id: str
    package_id: str
    share: int
    hours: str
    left_hours: str


@dataclass(frozen=True, kw_only=True)
class EstimateRequested(DomainEvent):
    """Paid work waits for the client's approval of its estimate (`quote`: the prices, exact strings)."""

    name: ClassVar[str] = "estimate_requested"
    client_id: str
    currency: str
    quote: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class EstimateRevised(DomainEvent):
    """The engineer on site revised the estimate after the diagnosis (`quote`: rate, hours, parts, call-out and
    total, exact strings; `before`: the total the client had approved, if any); the extra work waits for the
    client's answer."""

    name: ClassVar[str] = "estimate_revised"
    client_id: str
    currency: str
    quote: dict[str, str] = field(default_factory=dict)
    before: str | None = None


@dataclass(frozen=True, kw_only=True)
class RevisionAnswered(DomainEvent):
    """The client approved or declined the revised estimate in chat, or a supervisor did for them (`on_behalf`,
    with `reason`). Declined: the engineer does only the work of the first estimate."""

    name: ClassVar[str] = "revision_answered"
    approved: bool
    total: str
    currency: str
    on_behalf: bool = False
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class EstimateAnswered(DomainEvent):
    """The client approved or declined the estimate of paid work in chat, or a supervisor did for them.

    `on_behalf`: the actor is staff answering for the client (a phone call, an e-mail); `reason` says why.
    """

    name: ClassVar[str] = "estimate_answered"
    approved: bool
    rate: str
    currency: str
    on_behalf: bool = False
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class JobHeldForDebt(DomainEvent):
    """A job of a client in debt waits for a supervisor before it is offered (the contract says so)."""

    name: ClassVar[str] = "job_held_for_debt"
    client_id: str
    debt: str
    currency: str


@dataclass(frozen=True, kw_only=True)
class DebtHoldDecided(DomainEvent):
    """A supervisor let a debtor's job go to an engineer (`released`) or cancelled it."""

    name: ClassVar[str] = "debt_hold_decided"
    client_id: str
    released: bool


BILLING_EVENT_TYPES: dict[str, type[DomainEvent]] = {
    cls.name: cls
    for cls in (
        JobCharged,
        ChargeAdjusted,
        LedgerEntryReversed,
        PaymentRecorded,
        PackageBought,
        PackageVoided,
        PackageThreshold,
        EstimateRequested,
        EstimateAnswered,
        EstimateRevised,
        RevisionAnswered,
        JobHeldForDebt,
        DebtHoldDecided,
    )
}
"""Every event of this module by name, like `ticket_core.events.EVENT_TYPES`."""
