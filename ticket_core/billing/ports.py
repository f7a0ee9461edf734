"""The billing port: price list, contract terms, packages and the ledger, in the unit of work's transaction.

A unit of work carries it as `uow.billing` (None where billing is off: nothing is charged); `billing_store`
returns it or says billing is off.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from ticket_core.billing.approvals import HoldKind, HoldStatus, JobHold
from ticket_core.billing.ledger import LedgerEntry
from ticket_core.billing.terms import ContractTerms, Package, Service
from ticket_core.errors import ValidationFailed

if TYPE_CHECKING:
    from ticket_core.ports import UnitOfWork


class BillingStore(Protocol):
    """Reads and appends; nothing here updates or deletes a ledger row."""

    async def services(self) -> list[Service]:
        """The whole price list, every currency, by code."""
        ...

    async def put_service(self, service: Service) -> None:
        """Create or replace a service (by code and currency)."""
        ...

    async def terms_for_client(self, client_id: str) -> ContractTerms | None:
        """The money terms of the client's active contract (None: the client is not billed)."""
        ...

    async def terms_for_clients(self, client_ids: Sequence[str] | None = None) -> dict[str, ContractTerms]:
        """Terms of many clients (every billed client when None), by client id."""
        ...

    async def put_terms(self, terms: ContractTerms) -> None:
        """Create or replace a contract's terms."""
        ...

    async def append(self, entries: Sequence[LedgerEntry]) -> list[int]:
        """Append rows; return their ids. A `line_key` or `reverses_id` already used raises `AlreadyPosted`."""
        ...

    async def get_entry(self, entry_id: int) -> LedgerEntry | None:
        """One row by id."""
        ...

    async def reversed_ids(self, entry_ids: Sequence[int]) -> set[int]:
        """Which of these rows were reversed already."""
        ...

    async def charged_keys(self, ticket_id: str) -> set[str]:
        """Every `line_key` posted for a ticket."""
        ...

    async def entries_for_ticket(self, ticket_id: str) -> list[LedgerEntry]:
        """A ticket's rows, oldest first."""
        ...

    async def entries_between(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[LedgerEntry]:
        """Rows in [since, until), of one client or all, by client and then oldest first."""
        ...

    async def charged_hours(self, category: str, jobs: int = 200) -> list[Decimal]:
        """Hours of work charged on each of the latest `jobs` jobs of a category (any client), newest first."""
        ...

    async def recent_entries(self, client_id: str, limit: int = 100) -> list[LedgerEntry]:
        """The client's newest rows, newest first."""
        ...

    async def balance(self, client_id: str) -> Decimal:
        """The sum of the client's balance rows."""
        ...

    async def balances(self) -> dict[str, Decimal]:
        """Every client's balance that has a balance row."""
        ...

    async def allowance_used(self, client_id: str, period: str) -> tuple[Decimal, int]:
        """Hours and call-outs of the month's allowance already used."""
        ...

    async def packages(self, client_id: str) -> list[Package]:
        """The client's packages with the hours used, oldest first."""
        ...

    async def add_package(self, package: Package) -> None:
        """Store a bought package (its money row is appended separately)."""
        ...

    async def add_hold(self, hold: JobHold) -> bool:
        """Keep a new hold; False when the ticket's round has one of that kind already (nothing changes)."""
        ...

    async def holds_for_ticket(self, ticket_id: str) -> list[JobHold]:
        """Every hold of a ticket, oldest round first."""
        ...

    async def decide_hold(
        self, ticket_id: str, round_: int, kind: HoldKind, status: HoldStatus, at: datetime, by: str
    ) -> bool:
        """Decide a pending hold; False when it was not pending (decided by someone else meanwhile)."""
        ...

    async def pending_holds(self, kind: HoldKind | None = None) -> list[JobHold]:
        """Holds nobody decided yet, oldest first (of one kind or all)."""
        ...

    async def claim_notice(self, key: str, at: datetime) -> bool:
        """Mark a notice as sent; False when it was sent already (by this process or another)."""
        ...


def billing_store(uow: UnitOfWork) -> BillingStore:
    """The unit's billing store, or a clear refusal when billing is off."""
    store = uow.billing
    if store is None:
        raise ValidationFailed("Billing is off in this installation.")
    return store
