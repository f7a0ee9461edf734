"""Reading billing: a client's act for a month, and the month's revenue, labour hours and utilisation."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ticket_core.billing.acts import Act, build_act, month_bounds
from ticket_core.billing.ledger import BALANCE, Coverage, EntryKind, LedgerEntry
from ticket_core.billing.money import money
from ticket_core.billing.ports import billing_store
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound
from ticket_core.model import Actor
from ticket_core.ports import UnitOfWork
from ticket_core.working_hours import WeeklyHours

JOB_KINDS = (EntryKind.CHARGE, EntryKind.ADJUSTMENT, EntryKind.REVERSAL)


def _may_read(actor: Actor, client_id: str | None) -> None:
    if actor.role is Role.CLIENT and client_id is not None and actor.client_id == client_id:
        return
    if actor.role not in (Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM):
        raise Forbidden("Only supervisors and admins read acts and billing reports.")


async def client_act(uow: UnitOfWork, actor: Actor, client_id: str, period: str) -> Act:
    """The client's act for `period` (YYYY-MM); a client contact may read their own client's."""
    _may_read(actor, client_id)
    since, until = month_bounds(period)
    store = billing_store(uow)
    terms = await store.terms_for_client(client_id)
    client = await uow.directory.get_client(client_id)
    if terms is None or client is None:
        raise NotFound("Client {client} has no contract with billing terms.", client=client_id)
    entries = await store.entries_between(since, until, client_id)
    return build_act(
        client_id,
        client.name,
        terms.contract_id,
        period,
        terms.currency,
        terms.vat_pct,
        entries,
        terms.contract_name,
    )


async def month_acts(uow: UnitOfWork, actor: Actor, period: str) -> list[Act]:
    """Every billed client's act for `period`, read in one pass over the month's ledger (the monthly run)."""
    _may_read(actor, None)
    since, until = month_bounds(period)
    store = billing_store(uow)
    terms = await store.terms_for_clients()
    rows: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in await store.entries_between(since, until):
        if entry.client_id in terms:
            rows[entry.client_id].append(entry)
    clients = await uow.directory.get_clients(sorted(terms))  # one read, not one per client
    acts = []
    for client_id in sorted(terms):
        t = terms[client_id]
        client = clients.get(client_id)
        name = client.name if client is not None else client_id
        acts.append(
            build_act(
                client_id,
                name,
                t.contract_id,
                period,
                t.currency,
                t.vat_pct,
                rows[client_id],
                t.contract_name,
            )
        )
    return acts


@dataclass(slots=True)
class Labour:
    """Hours of work of one engineer, client or category, and the money they brought."""

    hours: Decimal = Decimal(0)
    billable_hours: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class BillingReport:
    """A month's revenue (billable charges net of adjustments), payments, labour hours and utilisation."""

    period: str
    revenue: dict[str, Decimal]  # by currency
    payments: dict[str, Decimal]
    by_engineer: dict[str, Labour] = field(default_factory=dict)
    by_client: dict[str, Labour] = field(default_factory=dict)
    by_category: dict[str, Labour] = field(default_factory=dict)
    working_hours: dict[str, Decimal] = field(default_factory=dict)

    def utilisation(self, engineer_id: str) -> Decimal | None:
        """Billable hours over scheduled working hours (None without a schedule)."""
        scheduled = self.working_hours.get(engineer_id)
        if not scheduled:
            return None
        labour = self.by_engineer.get(engineer_id, Labour())
        return (labour.billable_hours / scheduled).quantize(Decimal("0.001"))


def scheduled_hours(hours: WeeklyHours, first: date, last: date) -> Decimal:
    """Working hours of a weekly schedule over the days first..last (wall clock; a DST night is ignored)."""
    minutes = 0
    day = first
    while day <= last:
        for start, end in hours.days[day.weekday()]:
            minutes += end - start if start < end else 24 * 60 - start + end
        day += timedelta(days=1)
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def _labour_hours(entry: LedgerEntry, keys: dict[int | None, str | None]) -> Decimal:
    """Hours of work on a row; a reversal counts its row's hours back out."""
    key = entry.line_key or keys.get(entry.reverses_id) or ""
    return entry.quantity if ":hours:" in key else Decimal(0)


async def billing_report(uow: UnitOfWork, actor: Actor, period: str) -> BillingReport:
    """Revenue, payments, labour hours by engineer, client and category, and engineers' utilisation."""
    _may_read(actor, None)
    since, until = month_bounds(period)
    entries = await billing_store(uow).entries_between(since, until)
    keys = {entry.id: entry.line_key for entry in entries}
    report = BillingReport(period, defaultdict(Decimal), defaultdict(Decimal))
    groups = (
        (report.by_engineer, "engineer_id"),
        (report.by_client, "client_id"),
        (report.by_category, "category"),
    )
    for entry in entries:
        if entry.kind is EntryKind.PAYMENT or (entry.kind is EntryKind.REVERSAL and entry.ticket_id is None):
            if entry.account == BALANCE and entry.kind is EntryKind.PAYMENT:
                report.payments[entry.currency] += entry.amount
            continue
        if entry.kind not in JOB_KINDS or not entry.ticket_id:
            continue
        billable = entry.account == BALANCE
        if billable:
            report.revenue[entry.currency] += -entry.amount
        hours = _labour_hours(entry, keys)
        for table, attribute in groups:
            key = getattr(entry, attribute) or "-"
            labour = table.setdefault(key, Labour())
            labour.hours += hours
            if billable and entry.coverage is Coverage.BILLABLE:
                labour.billable_hours += hours
            if billable:
                labour.revenue += -entry.amount
    for currency, value in list(report.revenue.items()):
        report.revenue[currency] = money(value)
    last = (until - timedelta(days=1)).date()
    for member in await uow.directory.list_staff(Role.ENGINEER):
        if member.working_hours is not None:
            report.working_hours[member.id] = scheduled_hours(member.working_hours, since.date(), last)
    return BillingReport(
        period,
        dict(report.revenue),
        dict(report.payments),
        report.by_engineer,
        report.by_client,
        report.by_category,
        report.working_hours,
    )
