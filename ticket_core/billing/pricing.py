"""Pricing a done job: time, call-outs and parts become charge lines.

Order of payment: the contract's monthly allowance (included categories only), then prepaid packages
(hours, oldest expiry first), then the client's balance at the price list's rates, less the contract's
discount, times the out-of-hours multiplier when the work started outside the contract's calendar.
A category with a fixed-price service outside the included ones is one fixed line whatever the time.
Parts are billed at cost plus the part service's margin (no discount). Pure: the caller reads the ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ticket_core.billing.ledger import (
    BALANCE,
    Coverage,
    EntryKind,
    LedgerEntry,
    allowance_account,
    package_account,
)
from ticket_core.billing.money import hours, money
from ticket_core.billing.terms import ContractTerms, Package, PriceList, ServiceKind
from ticket_core.errors import ValidationFailed
from ticket_core.i18n import both, say

MAX_PARTS = 20


@dataclass(frozen=True, slots=True)
class Part:
    """A part used on a job, at the company's cost."""

    name: str
    cost: Decimal
    quantity: int = 1
    code: str | None = None  # a catalogue part of the price list (its margin applies), None when typed

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 200:
            raise ValidationFailed("A part needs a name of up to 200 characters.")
        if self.cost < 0 or not (1 <= self.quantity <= 1000):
            raise ValidationFailed("A part's cost cannot be negative and its quantity is 1 to 1000.")


@dataclass(frozen=True, slots=True)
class JobWork:
    """What one round of a job (from its start or its last reopening to Done) consumed."""

    ticket_id: str
    ref: str
    client_id: str
    category: str
    engineer_id: str | None
    level: int
    minutes: int
    callouts: int
    done_at: datetime
    round: int = 0
    out_of_hours: bool = False
    parts: tuple[Part, ...] = field(default_factory=tuple)
    rate_cap: Decimal | None = None  # the hourly rate the client approved in the estimate: never more


@dataclass(frozen=True, slots=True)
class Allowance:
    """What is left of the month's included allowance."""

    hours: Decimal
    callouts: int


def billable_rate(terms: ContractTerms, prices: PriceList, level: int, out_of_hours: bool = False) -> Decimal:
    """What the client pays for an hour of billable work by an engineer of `level` (0 without a rate)."""
    service = prices.hour(level)
    if service is None:
        return Decimal(0)
    return billable_price(service.price, terms, out_of_hours)


def billable_price(price: Decimal, terms: ContractTerms, out_of_hours: bool = False) -> Decimal:
    """A list price as the client pays it: less the contract's discount, times the out-of-hours multiplier."""
    factor = (100 - terms.discount_pct) / 100
    if out_of_hours:
        factor *= terms.out_of_hours_multiplier
    return money(price * factor)


def price_job(
    work: JobWork,
    terms: ContractTerms,
    prices: PriceList,
    allowance: Allowance,
    packages: Sequence[Package],
) -> list[LedgerEntry]:
    """The charge lines of one round of a job, each with its unique `line_key`."""
    day = work.done_at.date()
    valid = terms.valid_on(day)
    out = _Lines(work, terms.currency)
    line = out.add

    included = valid and terms.includes(work.category)
    period = work.done_at.strftime("%Y-%m")
    fixed = None if included else prices.first(ServiceKind.FIXED, work.category)
    if fixed is not None:
        price = billable_price(fixed.price, terms, work.out_of_hours)
        line(
            "fixed",
            BALANCE,
            Coverage.BILLABLE,
            amount=-price,
            hours=Decimal(0),
            service_code=fixed.code,
            quantity=Decimal(1),
            unit_price=price,
            text_ru=f"{fixed.name_ru}, {work.ref}",
            text_en=f"{fixed.name_en}, {work.ref}",
        )
    else:
        left = hours(work.minutes)
        rate = prices.hour(work.level)
        code = rate.code if rate else None
        level = f"L{work.level}"
        ru, en = both("Engineer's work, {level}, {ref}", level=level, ref=work.ref)
        if included and left > 0 and allowance.hours > 0:
            take = min(left, allowance.hours)
            left -= take
            line(
                "hours:included",
                allowance_account(period),
                Coverage.INCLUDED,
                hours=take,
                service_code=code,
                quantity=take,
                text_ru=ru,
                text_en=en,
            )
        for package in sorted(packages, key=lambda p: (p.valid_until, p.bought_at)):
            if left <= 0:
                break
            if not package.usable_on(day) or package.currency != terms.currency:
                continue
            take = min(left, package.left_hours)
            left -= take
            line(
                f"hours:package:{package.id}",
                package_account(package.id),
                Coverage.PACKAGE,
                hours=take,
                service_code=code,
                quantity=take,
                text_ru=ru,
                text_en=en,
            )
        if left > 0 and rate is not None:
            unit = billable_price(rate.price, terms, work.out_of_hours)
            if work.rate_cap is not None:
                unit = min(unit, work.rate_cap)
            line(
                "hours:billable",
                BALANCE,
                Coverage.BILLABLE,
                amount=-money(unit * left),
                service_code=code,
                quantity=left,
                unit_price=unit,
                text_ru=say("ru", "{work} (out of hours)", work=ru) if work.out_of_hours else ru,
                text_en=say("en", "{work} (out of hours)", work=en) if work.out_of_hours else en,
            )
    _callouts(work, terms, prices, allowance if included else Allowance(Decimal(0), 0), period, line)
    _parts(work, prices, line)
    return out.lines


class _Lines:
    """Collects the charge lines of one round; each key is the ticket, the round and the item."""

    def __init__(self, work: JobWork, currency: str) -> None:
        self.work = work
        self.currency = currency
        self.lines: list[LedgerEntry] = []

    def add(self, item: str, account: str, coverage: Coverage, **fields: Any) -> None:
        work = self.work
        self.lines.append(
            LedgerEntry(
                client_id=work.client_id,
                kind=EntryKind.CHARGE,
                account=account,
                at=work.done_at,
                currency=self.currency,
                ticket_id=work.ticket_id,
                line_key=f"{work.ticket_id}:{work.round}:{item}",
                coverage=coverage,
                engineer_id=work.engineer_id,
                category=work.category,
                **fields,
            )
        )


_Add = Callable[..., None]


def _callouts(
    work: JobWork, terms: ContractTerms, prices: PriceList, allowance: Allowance, period: str, line: _Add
) -> None:
    service = prices.first(ServiceKind.CALLOUT)
    free = min(work.callouts, allowance.callouts)
    paid = work.callouts - free
    ru, en = both("Call-out, {ref}", ref=work.ref)
    if service is not None:
        ru, en = f"{service.name_ru}, {work.ref}", f"{service.name_en}, {work.ref}"
    code = service.code if service else None
    if free:
        line(
            "callout:included",
            allowance_account(period),
            Coverage.INCLUDED,
            callouts=free,
            service_code=code,
            quantity=Decimal(free),
            text_ru=ru,
            text_en=en,
        )
    if paid and service is not None:
        unit = billable_price(service.price, terms, work.out_of_hours)
        line(
            "callout:billable",
            BALANCE,
            Coverage.BILLABLE,
            amount=-unit * paid,
            service_code=code,
            quantity=Decimal(paid),
            unit_price=unit,
            text_ru=ru,
            text_en=en,
        )


def _parts(work: JobWork, prices: PriceList, line: _Add) -> None:
    if len(work.parts) > MAX_PARTS:
        raise ValidationFailed("At most {max_parts} parts per job.", max_parts=MAX_PARTS)
    typed = prices.parts_margin()
    for index, part in enumerate(work.parts):
        listed = prices.part(part.code) if part.code else None
        service = listed or typed
        margin = service.margin_pct if service else Decimal(0)
        unit = money(part.cost * (100 + margin) / 100)
        ru, en = (listed.name_ru, listed.name_en) if listed else (part.name, part.name)
        line(
            f"part:{index}",
            BALANCE,
            Coverage.BILLABLE,
            amount=-unit * part.quantity,
            service_code=service.code if service else None,
            quantity=Decimal(part.quantity),
            unit_price=unit,
            text_ru=f"{ru}, {work.ref}",
            text_en=f"{en}, {work.ref}",
        )
