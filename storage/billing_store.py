"""`SqlBillingStore`: implements `ticket_core.billing.ports.BillingStore` on the unit of work's session.

Ledger rows are only inserted. A second row with the same `line_key` (a charge posted twice, by a retry or
two workers) or the same `reverses_id` (a row reversed twice) violates a unique index: the insert runs in a
savepoint and the violation becomes `AlreadyPosted`, leaving the rest of the unit's transaction intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, func, literal, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.billing_tables import (
    billing_holds,
    billing_notices,
    billing_packages,
    contract_terms,
    ledger_entries,
    price_services,
)
from storage.repositories._sql import upsert_insert
from storage.tables import contracts
from ticket_core.billing.approvals import HoldKind, HoldStatus, JobHold
from ticket_core.billing.ledger import (
    BALANCE,
    AlreadyPosted,
    Coverage,
    EntryKind,
    LedgerEntry,
    allowance_account,
)
from ticket_core.billing.money import from_minor, to_minor
from ticket_core.billing.terms import ContractTerms, Package, Service, ServiceKind

E = ledger_entries.c


def _hundredths(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _from_hundredths(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def entry_values(entry: LedgerEntry) -> dict[str, Any]:
    """A `LedgerEntry` as the column values of its row."""
    return {
        "client_id": entry.client_id,
        "kind": str(entry.kind),
        "account": entry.account,
        "at": entry.at,
        "currency": entry.currency,
        "amount_minor": to_minor(entry.amount),
        "hours_c": _hundredths(entry.hours),
        "callouts": entry.callouts,
        "ticket_id": entry.ticket_id,
        "line_key": entry.line_key,
        "reverses_id": entry.reverses_id,
        "service_code": entry.service_code,
        "quantity_c": _hundredths(entry.quantity),
        "unit_price_minor": to_minor(entry.unit_price),
        "coverage": str(entry.coverage) if entry.coverage else None,
        "text_ru": entry.text_ru,
        "text_en": entry.text_en,
        "actor_id": entry.actor_id,
        "note": entry.note,
        "engineer_id": entry.engineer_id,
        "category": entry.category,
    }


def entry_from_row(row: RowMapping) -> LedgerEntry:
    """A ledger row as the domain's `LedgerEntry`."""
    return LedgerEntry(
        id=row["id"],
        client_id=row["client_id"],
        kind=EntryKind(row["kind"]),
        account=row["account"],
        at=row["at"],
        currency=row["currency"],
        amount=from_minor(row["amount_minor"]),
        hours=_from_hundredths(row["hours_c"]),
        callouts=row["callouts"],
        ticket_id=row["ticket_id"],
        line_key=row["line_key"],
        reverses_id=row["reverses_id"],
        service_code=row["service_code"],
        quantity=_from_hundredths(row["quantity_c"]),
        unit_price=from_minor(row["unit_price_minor"]),
        coverage=Coverage(row["coverage"]) if row["coverage"] else None,
        text_ru=row["text_ru"],
        text_en=row["text_en"],
        actor_id=row["actor_id"],
        note=row["note"],
        engineer_id=row["engineer_id"],
        category=row["category"],
    )


def _terms(row: RowMapping) -> ContractTerms:
    return ContractTerms(
        contract_id=row["contract_id"],
        client_id=row["client_id"],
        currency=row["currency"],
        included_categories=tuple(row["included_categories"] or ()),
        hours_per_month=Decimal(row["hours_per_month"]),
        callouts_per_month=row["callouts_per_month"],
        discount_pct=Decimal(row["discount_pct"]),
        out_of_hours_multiplier=Decimal(row["out_of_hours_multiplier"]),
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        vat_pct=Decimal(row["vat_pct"]),
        estimate_required=bool(row["estimate_required"]),
        hold_debtors=bool(row["hold_debtors"]),
        credit_limit=Decimal(row["credit_limit"]),
        account_manager_id=row["account_manager_id"],
        contract_name=row["contract_name"] or "",
    )


def _service(row: RowMapping) -> Service:
    return Service(
        code=row["code"],
        kind=ServiceKind(row["kind"]),
        name_ru=row["name_ru"],
        name_en=row["name_en"],
        price=Decimal(row["price"]),
        currency=row["currency"],
        level=row["level"],
        category=row["category"],
        margin_pct=Decimal(row["margin_pct"]),
    )


class SqlBillingStore:
    """The billing port on one session (one transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def services(self) -> list[Service]:
        """The whole price list, by code."""
        rows = await self.session.execute(
            select(price_services).order_by(price_services.c.code, price_services.c.currency)
        )
        return [_service(row) for row in rows.mappings()]

    async def put_service(self, service: Service) -> None:
        """Create or replace a service."""
        values = {
            "code": service.code,
            "currency": service.currency,
            "kind": str(service.kind),
            "name_ru": service.name_ru,
            "name_en": service.name_en,
            "price": str(service.price),
            "level": service.level,
            "category": service.category,
            "margin_pct": str(service.margin_pct),
        }
        insert = upsert_insert(self.session, price_services).values(**values)
        await self.session.execute(
            insert.on_conflict_do_update(index_elements=["code", "currency"], set_=values)
        )

    async def terms_for_client(self, client_id: str) -> ContractTerms | None:
        """The terms of the client's active contract."""
        found = await self.terms_for_clients([client_id])
        return found.get(client_id)

    async def terms_for_clients(self, client_ids: Sequence[str] | None = None) -> dict[str, ContractTerms]:
        """Terms of active contracts, by client (the first contract by id when a client has several)."""
        stmt = (
            select(contract_terms, contracts.c.name.label("contract_name"))
            .join(contracts, contracts.c.id == contract_terms.c.contract_id)
            .where(contracts.c.active.is_(True))
            .order_by(contract_terms.c.contract_id.desc())
        )
        if client_ids is not None:
            stmt = stmt.where(contract_terms.c.client_id.in_(list(client_ids)))
        rows = await self.session.execute(stmt)
        return {row["client_id"]: _terms(row) for row in rows.mappings()}

    async def put_terms(self, terms: ContractTerms) -> None:
        """Create or replace a contract's terms."""
        values = {
            "contract_id": terms.contract_id,
            "client_id": terms.client_id,
            "currency": terms.currency,
            "included_categories": list(terms.included_categories),
            "hours_per_month": str(terms.hours_per_month),
            "callouts_per_month": terms.callouts_per_month,
            "discount_pct": str(terms.discount_pct),
            "out_of_hours_multiplier": str(terms.out_of_hours_multiplier),
            "valid_from": terms.valid_from,
            "valid_until": terms.valid_until,
            "vat_pct": str(terms.vat_pct),
            "estimate_required": terms.estimate_required,
            "hold_debtors": terms.hold_debtors,
            "credit_limit": str(terms.credit_limit),
            "account_manager_id": terms.account_manager_id,
        }
        insert = upsert_insert(self.session, contract_terms).values(**values)
        await self.session.execute(insert.on_conflict_do_update(index_elements=["contract_id"], set_=values))

    async def append(self, entries: Sequence[LedgerEntry]) -> list[int]:
        """Insert rows in one savepoint; a used line key or reversal raises `AlreadyPosted`."""
        ids: list[int] = []
        try:
            async with self.session.begin_nested():
                for entry in entries:
                    result = await self.session.execute(
                        ledger_entries.insert().values(**entry_values(entry)).returning(E.id)
                    )
                    ids.append(int(result.scalar_one()))
        except IntegrityError as error:
            raise AlreadyPosted(
                "That charge or reversal is in the ledger already; look at the client's account."
            ) from error
        return ids

    async def get_entry(self, entry_id: int) -> LedgerEntry | None:
        """One row by id."""
        row = (await self.session.execute(select(ledger_entries).where(E.id == entry_id))).mappings().first()
        return entry_from_row(row) if row else None

    async def reversed_ids(self, entry_ids: Sequence[int]) -> set[int]:
        """Which of these rows have a reversal."""
        if not entry_ids:
            return set()
        rows = await self.session.execute(select(E.reverses_id).where(E.reverses_id.in_(list(entry_ids))))
        return {int(value) for value in rows.scalars()}

    async def charged_keys(self, ticket_id: str) -> set[str]:
        """Every line key posted for the ticket."""
        rows = await self.session.execute(
            select(E.line_key).where(E.ticket_id == ticket_id, E.line_key.is_not(None))
        )
        return {str(key) for key in rows.scalars()}

    async def entries_for_ticket(self, ticket_id: str) -> list[LedgerEntry]:
        """A ticket's rows, oldest first."""
        rows = await self.session.execute(
            select(ledger_entries).where(E.ticket_id == ticket_id).order_by(E.id)
        )
        return [entry_from_row(row) for row in rows.mappings()]

    async def entries_between(
        self, since: datetime, until: datetime, client_id: str | None = None
    ) -> list[LedgerEntry]:
        """Rows in [since, until), by client, then oldest first."""
        stmt = select(ledger_entries).where(E.at >= since, E.at < until)
        if client_id is not None:
            stmt = stmt.where(E.client_id == client_id)
        rows = await self.session.execute(stmt.order_by(E.client_id, E.at, E.id))
        return [entry_from_row(row) for row in rows.mappings()]

    async def charged_hours(self, category: str, jobs: int = 200) -> list[Decimal]:
        """Hours charged per job (its hour lines, whatever paid for them) on the category's latest jobs."""
        rows = await self.session.execute(
            select(E.ticket_id, func.sum(E.quantity_c))
            .where(
                E.category == category,
                E.kind == str(EntryKind.CHARGE),
                E.ticket_id.is_not(None),
                E.line_key.like("%:hours:%"),
            )
            .group_by(E.ticket_id)
            .order_by(func.max(E.at).desc())
            .limit(jobs)
        )
        return [_from_hundredths(int(total or 0)) for _, total in rows]

    async def recent_entries(self, client_id: str, limit: int = 100) -> list[LedgerEntry]:
        """The client's newest rows, newest first (the admin's ledger)."""
        rows = await self.session.execute(
            select(ledger_entries).where(E.client_id == client_id).order_by(E.id.desc()).limit(limit)
        )
        return [entry_from_row(row) for row in rows.mappings()]

    async def balance(self, client_id: str) -> Decimal:
        """The sum of the client's balance rows."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(E.amount_minor), 0)).where(
                E.client_id == client_id, E.account == BALANCE
            )
        )
        return from_minor(int(total or 0))

    async def balances(self) -> dict[str, Decimal]:
        """Every client's balance."""
        rows = await self.session.execute(
            select(E.client_id, func.sum(E.amount_minor)).where(E.account == BALANCE).group_by(E.client_id)
        )
        return {client: from_minor(int(total or 0)) for client, total in rows}

    async def allowance_used(self, client_id: str, period: str) -> tuple[Decimal, int]:
        """Hours and call-outs of the month's allowance used (reversals give them back)."""
        row = (
            await self.session.execute(
                select(func.coalesce(func.sum(E.hours_c), 0), func.coalesce(func.sum(E.callouts), 0)).where(
                    E.client_id == client_id, E.account == allowance_account(period)
                )
            )
        ).one()
        return _from_hundredths(int(row[0])), int(row[1])

    async def packages(self, client_id: str) -> list[Package]:
        """The client's packages with the hours used so far."""
        used = (
            select(E.account, func.sum(E.hours_c).label("used"))
            .where(E.client_id == client_id, E.account.like("package:%"))
            .group_by(E.account)
            .subquery()
        )
        P = billing_packages.c
        stmt = (
            select(billing_packages, func.coalesce(used.c.used, 0).label("used"))
            .outerjoin(used, used.c.account == literal("package:", String) + P.id)
            .where(P.client_id == client_id)
            .order_by(P.bought_at, P.id)
        )
        rows = await self.session.execute(stmt)
        return [
            Package(
                id=row["id"],
                client_id=row["client_id"],
                hours=_from_hundredths(row["hours_c"]),
                price=from_minor(row["price_minor"]),
                currency=row["currency"],
                bought_at=row["bought_at"],
                valid_until=row["valid_until"],
                used_hours=_from_hundredths(int(row["used"])),
            )
            for row in rows.mappings()
        ]

    async def add_package(self, package: Package) -> None:
        """Store a bought package."""
        await self.session.execute(
            billing_packages.insert().values(
                id=package.id,
                client_id=package.client_id,
                hours_c=_hundredths(package.hours),
                price_minor=to_minor(package.price),
                currency=package.currency,
                bought_at=package.bought_at,
                valid_until=package.valid_until,
            )
        )

    async def add_hold(self, hold: JobHold) -> bool:
        """Keep a new hold; False when the ticket's round has one of that kind already."""
        insert = upsert_insert(self.session, billing_holds).values(
            ticket_id=hold.ticket_id,
            round=hold.round,
            kind=str(hold.kind),
            status=str(hold.status),
            client_id=hold.client_id,
            currency=hold.currency,
            amount_minor=to_minor(hold.amount),
            details=dict(hold.details),
            asked_at=hold.asked_at,
        )
        result = await self.session.execute(insert.on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))

    async def holds_for_ticket(self, ticket_id: str) -> list[JobHold]:
        """Every hold of a ticket, oldest round first."""
        rows = await self.session.execute(
            select(billing_holds).where(H.ticket_id == ticket_id).order_by(H.round, H.asked_at)
        )
        return [_hold(row) for row in rows.mappings()]

    async def decide_hold(
        self, ticket_id: str, round_: int, kind: HoldKind, status: HoldStatus, at: datetime, by: str
    ) -> bool:
        """Decide a pending hold; False when it was decided already (two presses: one wins)."""
        result = await self.session.execute(
            update(billing_holds)
            .where(
                H.ticket_id == ticket_id,
                H.round == round_,
                H.kind == str(kind),
                H.status == str(HoldStatus.PENDING),
            )
            .values(status=str(status), decided_at=at, decided_by=by)
        )
        return bool(getattr(result, "rowcount", 0))

    async def pending_holds(self, kind: HoldKind | None = None) -> list[JobHold]:
        """Holds nobody decided yet, oldest first."""
        stmt = select(billing_holds).where(H.status == str(HoldStatus.PENDING))
        if kind is not None:
            stmt = stmt.where(H.kind == str(kind))
        rows = await self.session.execute(stmt.order_by(H.asked_at))
        return [_hold(row) for row in rows.mappings()]

    async def claim_notice(self, key: str, at: datetime) -> bool:
        """Mark a notice as sent; False when a row for it exists (sent, or being sent by another process)."""
        insert = upsert_insert(self.session, billing_notices).values(key=key, sent_at=at)
        result = await self.session.execute(insert.on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))


H = billing_holds.c


def _hold(row: RowMapping) -> JobHold:
    return JobHold(
        ticket_id=row["ticket_id"],
        round=row["round"],
        kind=HoldKind(row["kind"]),
        status=HoldStatus(row["status"]),
        client_id=row["client_id"],
        currency=row["currency"],
        asked_at=row["asked_at"],
        amount=from_minor(row["amount_minor"]),
        details={str(k): str(v) for k, v in (row["details"] or {}).items()},
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
    )
