"""Money in and corrections: payments, package purchases, reversals, a supervisor's adjustment, balances.

Every change is ledger rows appended in the caller's unit of work with an audit event; nothing is edited.
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ticket_core.billing.events import (
    ChargeAdjusted,
    LedgerEntryReversed,
    PackageBought,
    PackageVoided,
    PaymentRecorded,
)
from ticket_core.billing.ledger import BALANCE, AlreadyPosted, EntryKind, LedgerEntry, package_account
from ticket_core.billing.money import money
from ticket_core.billing.ports import billing_store
from ticket_core.billing.terms import ContractTerms, Package
from ticket_core.enums import Role
from ticket_core.errors import Forbidden, NotFound, ValidationFailed
from ticket_core.i18n import say
from ticket_core.model import Actor
from ticket_core.ports import UnitOfWork
from ticket_core.usecases._common import clean_text, require_utc

MONEY_ROLES = (Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM)
MAX_PACKAGE_HOURS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Account:
    """What a client has: balance, packages, this month's allowance, and whether that is a debt."""

    client_id: str
    currency: str
    balance: Decimal
    in_debt: bool
    packages: tuple[Package, ...]
    allowance_hours_left: Decimal
    allowance_callouts_left: int
    terms: ContractTerms


def _staff_only(actor: Actor, what: str) -> None:
    if actor.role not in MONEY_ROLES:
        raise Forbidden("Only supervisors and admins may {what}.", what=what)


async def _terms(uow: UnitOfWork, client_id: str) -> ContractTerms:
    terms = await billing_store(uow).terms_for_client(client_id)
    if terms is None:
        raise NotFound(
            "Client {client} has no contract with billing terms; set the terms first.", client=client_id
        )
    return terms


async def record_payment(
    uow: UnitOfWork, actor: Actor, client_id: str, amount: Decimal, now: datetime, note: str | None = None
) -> Decimal:
    """Record money paid by a client (bank transfer, cash); return the new balance."""
    require_utc(now)
    _staff_only(actor, "record payments")
    if amount <= 0:
        raise ValidationFailed("A payment must be more than zero.")
    text = clean_text(note, field="note", max_len=500)
    terms = await _terms(uow, client_id)
    store = billing_store(uow)
    await store.append(
        [
            LedgerEntry(
                client_id=client_id,
                kind=EntryKind.PAYMENT,
                account=BALANCE,
                at=now,
                currency=terms.currency,
                amount=money(amount),
                actor_id=actor.id,
                note=text,
                text_ru=say("ru", "Payment"),
                text_en=say("en", "Payment"),
            )
        ]
    )
    balance = await store.balance(client_id)
    uow.record(
        PaymentRecorded(
            ticket_id=None,
            actor=actor,
            at=now,
            client_id=client_id,
            amount=str(money(amount)),
            currency=terms.currency,
            balance=str(balance),
            note=text,
        )
    )
    return balance


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


async def buy_package(
    uow: UnitOfWork,
    actor: Actor,
    client_id: str,
    hours: Decimal,
    price: Decimal,
    months: int,
    now: datetime,
) -> Package:
    """Sell a client prepaid hours ("10 hours, valid 3 months"): the price leaves the balance."""
    require_utc(now)
    _staff_only(actor, "sell packages")
    if not (0 < hours <= MAX_PACKAGE_HOURS) or price < 0 or not (1 <= months <= 36):
        raise ValidationFailed("A package has 0-10,000 hours, a price of 0 or more and lasts 1-36 months.")
    terms = await _terms(uow, client_id)
    package = Package(
        id=str(uuid.uuid4()),
        client_id=client_id,
        hours=hours.quantize(Decimal("0.01")),
        price=money(price),
        currency=terms.currency,
        bought_at=now,
        valid_until=add_months(now.date(), months),
    )
    store = billing_store(uow)
    await store.add_package(package)
    await store.append(
        [
            LedgerEntry(
                client_id=client_id,
                kind=EntryKind.PACKAGE_PURCHASE,
                account=BALANCE,
                at=now,
                currency=terms.currency,
                amount=-package.price,
                quantity=package.hours,
                unit_price=package.price,
                actor_id=actor.id,
                # the date as each language writes it: the Russian template says {until:%d.%m.%Y}
                text_ru=say(
                    "ru",
                    "Package of {hours} h until {until:%Y-%m-%d}",
                    hours=package.hours,
                    until=package.valid_until,
                ),
                text_en=say(
                    "en",
                    "Package of {hours} h until {until:%Y-%m-%d}",
                    hours=package.hours,
                    until=package.valid_until,
                ),
            )
        ]
    )
    uow.record(
        PackageBought(
            ticket_id=None,
            actor=actor,
            at=now,
            client_id=client_id,
            package_id=package.id,
            hours=str(package.hours),
            price=str(package.price),
            valid_until=package.valid_until.isoformat(),
        )
    )
    return package


def refund_due(package: Package) -> Decimal:
    """What voiding a package gives back by default: its price for the hours not used, pro rata."""
    if package.hours <= 0:
        return Decimal(0)
    return money(package.price * package.left_hours / package.hours)


async def void_package(
    uow: UnitOfWork,
    actor: Actor,
    client_id: str,
    package_id: str,
    reason: str,
    now: datetime,
    refund: Decimal | None = None,
) -> Decimal:
    """Void a prepaid package: its unused hours stop being usable and the refund goes back to the balance.

    Two ledger rows of kind `void`, appended in the caller's transaction with the `package_voided` audit
    event: the package's unused hours taken off its account, and the refund (`refund`, by default the price
    of the unused hours pro rata, at most the package's price) credited to the balance. Nothing is edited,
    and a void row is never reversed. Returns the refund.

    Raises:
        Forbidden: not a supervisor or an admin.
        NotFound: no such package of the client.
        ValidationFailed: no reason, a refund out of range, or nothing left to void (used up or expired).
    """
    require_utc(now)
    _staff_only(actor, "void packages")
    text = clean_text(reason, field="reason", max_len=500, required=True) or ""
    store = billing_store(uow)
    package = next((p for p in await store.packages(client_id) if p.id == package_id), None)
    if package is None:
        raise NotFound("Client {client} has no package {package}.", client=client_id, package=package_id)
    if package.left_hours <= 0:
        raise ValidationFailed(
            "Package {package} has no unused hours; there is nothing to void.", package=package_id
        )
    if package.valid_until < now.date():
        raise ValidationFailed(
            "Package {package} expired on {day}; its hours are unusable already.",
            package=package_id,
            day=package.valid_until.isoformat(),
        )
    back = refund_due(package) if refund is None else money(refund)
    if not (Decimal(0) <= back <= package.price):
        raise ValidationFailed(
            "A refund is between 0 and the package's price ({price}).", price=str(package.price)
        )
    left = package.left_hours
    rows = [
        LedgerEntry(
            client_id=client_id,
            kind=EntryKind.VOID,
            account=package_account(package.id),
            at=now,
            currency=package.currency,
            hours=left,
            actor_id=actor.id,
            note=text,
            text_ru=say("ru", "Package voided: {left} h unused", left=left),
            text_en=say("en", "Package voided: {left} h unused", left=left),
        )
    ]
    if back > 0:
        rows.append(
            LedgerEntry(
                client_id=client_id,
                kind=EntryKind.VOID,
                account=BALANCE,
                at=now,
                currency=package.currency,
                amount=back,
                quantity=left,
                unit_price=package.price,
                actor_id=actor.id,
                note=text,
                text_ru=say("ru", "Refund for a voided package ({left} h)", left=left),
                text_en=say("en", "Refund for a voided package ({left} h)", left=left),
            )
        )
    await store.append(rows)
    uow.record(
        PackageVoided(
            ticket_id=None,
            actor=actor,
            at=now,
            client_id=client_id,
            package_id=package.id,
            hours=str(left),
            refund=str(back),
            currency=package.currency,
            reason=text,
        )
    )
    return back


async def _open_entry(uow: UnitOfWork, entry_id: int) -> LedgerEntry:
    store = billing_store(uow)
    entry = await store.get_entry(entry_id)
    if entry is None or entry.id is None:
        raise NotFound("No ledger row {entry}.", entry=entry_id)
    if entry.kind is EntryKind.REVERSAL:
        raise ValidationFailed("A reversal cannot be reversed; post the right row instead.")
    if entry.kind is EntryKind.VOID:
        raise ValidationFailed("A voided package stays voided; sell the client a new package instead.")
    if entry.kind is EntryKind.PACKAGE_PURCHASE:
        # Its reversal would give the money back and leave the hours usable: voiding stops both together.
        raise ValidationFailed(
            "A package purchase is not reversed; void the package instead (with its refund)."
        )
    if await store.reversed_ids([entry.id]):
        raise AlreadyPosted("Ledger row {entry} was reversed already.", entry=entry_id)
    return entry


async def reverse_entry(
    uow: UnitOfWork, actor: Actor, entry_id: int, reason: str, now: datetime
) -> LedgerEntry:
    """Undo a row (a payment typed twice, a wrong charge) with a reversal row; return the reversal."""
    require_utc(now)
    _staff_only(actor, "reverse ledger rows")
    text = clean_text(reason, field="reason", max_len=500, required=True) or ""
    entry = await _open_entry(uow, entry_id)
    reversal = entry.reversal(now, actor.id, text)
    await billing_store(uow).append([reversal])
    uow.record(
        LedgerEntryReversed(
            ticket_id=entry.ticket_id,
            actor=actor,
            at=now,
            client_id=entry.client_id,
            entry_id=entry_id,
            reason=text,
        )
    )
    return reversal


async def adjust_line(
    uow: UnitOfWork, actor: Actor, entry_id: int, new_amount: Decimal, reason: str, now: datetime
) -> LedgerEntry:
    """A supervisor changes what a billable charge line costs (0 waives it): the row is reversed and replaced."""
    require_utc(now)
    _staff_only(actor, "adjust charges")
    text = clean_text(reason, field="reason", max_len=500, required=True) or ""
    if new_amount < 0:
        raise ValidationFailed("A charge cannot be negative; give 0 to waive it.")
    entry = await _open_entry(uow, entry_id)
    if entry.kind not in (EntryKind.CHARGE, EntryKind.ADJUSTMENT) or entry.account != BALANCE:
        raise ValidationFailed("Only a billable charge line can be adjusted; reverse other rows instead.")
    new = money(new_amount)
    replacement = LedgerEntry(
        client_id=entry.client_id,
        kind=EntryKind.ADJUSTMENT,
        account=BALANCE,
        at=now,
        currency=entry.currency,
        amount=-new,
        ticket_id=entry.ticket_id,
        line_key=f"{entry.line_key}:adjusted:{entry.id}",
        service_code=entry.service_code,
        quantity=entry.quantity,
        unit_price=money(new / entry.quantity) if entry.quantity else new,
        coverage=entry.coverage,
        text_ru=entry.text_ru,
        text_en=entry.text_en,
        actor_id=actor.id,
        note=text,
        engineer_id=entry.engineer_id,
        category=entry.category,
    )
    await billing_store(uow).append([entry.reversal(now, actor.id, text), replacement])
    uow.record(
        ChargeAdjusted(
            ticket_id=entry.ticket_id,
            actor=actor,
            at=now,
            client_id=entry.client_id,
            entry_id=entry_id,
            old_amount=str(-entry.amount),
            new_amount=str(new),
            reason=text,
        )
    )
    return replacement


async def read_account(uow: UnitOfWork, actor: Actor, client_id: str, now: datetime) -> Account:
    """A client's balance, packages and allowance: staff see any client's, a client contact only their own."""
    if actor.role is Role.CLIENT and actor.client_id != client_id:
        raise NotFound("No such client among yours.")
    if actor.role is Role.ENGINEER:
        raise Forbidden("Engineers see a client's debt on the job card, not the account.")
    terms = await _terms(uow, client_id)
    store = billing_store(uow)
    balance = await store.balance(client_id)
    used_hours, used_callouts = await store.allowance_used(client_id, now.strftime("%Y-%m"))
    valid = terms.valid_on(now.date())
    return Account(
        client_id=client_id,
        currency=terms.currency,
        balance=balance,
        in_debt=terms.in_debt(balance),
        packages=tuple(await store.packages(client_id)),
        allowance_hours_left=max(terms.hours_per_month - used_hours, Decimal(0)) if valid else Decimal(0),
        allowance_callouts_left=max(terms.callouts_per_month - used_callouts, 0) if valid else 0,
        terms=terms,
    )
