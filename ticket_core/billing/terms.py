"""The price list and each contract's terms: what is included, what the rest costs, for how long."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from ticket_core.billing.money import DEFAULT_CURRENCY, money
from ticket_core.errors import ValidationFailed


class ServiceKind(StrEnum):
    """What a price is for."""

    HOUR = "hour"  # an hour of work by an engineer of `level`
    CALLOUT = "callout"  # a visit to the site
    FIXED = "fixed"  # a job of `category` at a fixed price, whatever the time
    PART = "part"  # parts: their cost plus `margin_pct` (with a price: a catalogue part costing that)


@dataclass(frozen=True, slots=True)
class Service:
    """One line of the price list, in one currency."""

    code: str
    kind: ServiceKind
    name_ru: str
    name_en: str
    price: Decimal = Decimal(0)
    currency: str = DEFAULT_CURRENCY
    level: int | None = None
    category: str | None = None
    margin_pct: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        if self.price < 0 or self.margin_pct < 0:
            raise ValidationFailed("Service {code}: a price or margin cannot be negative.", code=self.code)
        if self.kind is ServiceKind.HOUR and self.level not in (1, 2, 3):
            raise ValidationFailed("Service {code}: an hour of work needs a level 1-3.", code=self.code)
        if self.kind is ServiceKind.FIXED and not self.category:
            raise ValidationFailed("Service {code}: a fixed-price job needs a category.", code=self.code)

    def name(self, lang: str) -> str:
        """The service's name in the reader's language."""
        return self.name_ru if lang == "ru" else self.name_en


@dataclass(frozen=True, slots=True)
class PriceList:
    """The company's services in one currency, found by what they price."""

    currency: str
    services: tuple[Service, ...]

    @classmethod
    def of(cls, currency: str, services: Iterable[Service]) -> PriceList:
        """The services of `currency` among `services`."""
        return cls(currency, tuple(s for s in services if s.currency == currency))

    def hour(self, level: int) -> Service | None:
        """The hourly rate of an engineer of `level` (the nearest lower level's when that level has none)."""
        by_level = {s.level: s for s in self.services if s.kind is ServiceKind.HOUR}
        for candidate in range(level, 0, -1):
            if candidate in by_level:
                return by_level[candidate]
        return None

    def parts_margin(self) -> Service | None:
        """The service whose margin prices parts typed with their cost: a `part` without a price, else the first."""
        parts = [s for s in self.services if s.kind is ServiceKind.PART]
        return next((s for s in parts if not s.price), parts[0] if parts else None)

    def catalogue(self) -> tuple[Service, ...]:
        """Parts with a cost of their own (`part` services with a price): the engineer picks them by name."""
        return tuple(s for s in self.services if s.kind is ServiceKind.PART and s.price > 0)

    def part(self, code: str) -> Service | None:
        """A catalogue part by its code."""
        return next((s for s in self.catalogue() if s.code == code), None)

    def first(self, kind: ServiceKind, category: str | None = None) -> Service | None:
        """The first service of a kind (for FIXED, of the category)."""
        for service in self.services:
            if service.kind is kind and (kind is not ServiceKind.FIXED or service.category == category):
                return service
        return None


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """The money side of a contract.

    `included_categories`: work of these categories draws on the monthly allowance (`hours_per_month`,
    `callouts_per_month`) before prepaid packages and the price list. `discount_pct` lowers every billable
    service (parts keep their price). `out_of_hours_multiplier` multiplies billable work started outside the
    contract's SLA calendar. `estimate_required`: the client approves an estimate in chat before paid work
    starts. `hold_debtors`: jobs of a client in debt wait for a supervisor's approval before routing.
    A client is in debt when the balance is below minus `credit_limit`.
    """

    contract_id: str
    client_id: str
    currency: str = DEFAULT_CURRENCY
    included_categories: tuple[str, ...] = ()
    hours_per_month: Decimal = Decimal(0)
    callouts_per_month: int = 0
    discount_pct: Decimal = Decimal(0)
    out_of_hours_multiplier: Decimal = Decimal(1)
    valid_from: date | None = None
    valid_until: date | None = None
    vat_pct: Decimal = Decimal(0)
    estimate_required: bool = False
    hold_debtors: bool = False
    credit_limit: Decimal = Decimal(0)
    account_manager_id: str | None = None
    contract_name: str = ""
    """The contract's name as people know it ("Ромашка: инженерные системы"), read with the terms (not kept
    with them); acts print it rather than the id."""

    def __post_init__(self) -> None:
        if not (0 <= self.discount_pct < 100):
            raise ValidationFailed("A discount is a percentage from 0 up to (not including) 100.")
        if self.out_of_hours_multiplier < 1:
            raise ValidationFailed("The out-of-hours multiplier is 1 or more (1.5 means +50 %).")
        if self.hours_per_month < 0 or self.callouts_per_month < 0 or self.credit_limit < 0:
            raise ValidationFailed("Monthly hours, call-outs and the credit limit cannot be negative.")
        if not (0 <= self.vat_pct < 100):
            raise ValidationFailed("VAT is a percentage from 0 to 99.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationFailed("The contract must end after it starts.")

    def valid_on(self, day: date) -> bool:
        """Tell whether the contract's allowance applies on `day`."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def includes(self, category: str) -> bool:
        """Tell whether work of `category` draws on the monthly allowance."""
        return category in self.included_categories

    def in_debt(self, balance: Decimal) -> bool:
        """Tell whether a balance is a debt under these terms."""
        return balance < -self.credit_limit


@dataclass(frozen=True, slots=True)
class Package:
    """Prepaid hours a client bought ("10 hours, valid 3 months"); `used_hours` is summed from the ledger."""

    id: str
    client_id: str
    hours: Decimal
    price: Decimal
    currency: str
    bought_at: datetime
    valid_until: date
    used_hours: Decimal = Decimal(0)

    @property
    def left_hours(self) -> Decimal:
        """Hours still to use (never below zero)."""
        return max(self.hours - self.used_hours, Decimal(0))

    def usable_on(self, day: date) -> bool:
        """Tell whether the package may pay for work done on `day`."""
        return self.bought_at.date() <= day <= self.valid_until and self.left_hours > 0


def terms_from_mapping(contract_id: str, client_id: str, data: Mapping[str, object]) -> ContractTerms:
    """Terms from a JSON body or a form: numbers as strings or ints, dates as ISO strings; bad input is refused."""
    try:
        return ContractTerms(
            contract_id=contract_id,
            client_id=client_id,
            currency=str(data.get("currency") or DEFAULT_CURRENCY).upper()[:3],
            included_categories=tuple(str(c) for c in _list(data.get("included_categories"))),
            hours_per_month=Decimal(str(data.get("hours_per_month") or 0)),
            callouts_per_month=int(str(data.get("callouts_per_month") or 0)),
            discount_pct=Decimal(str(data.get("discount_pct") or 0)),
            out_of_hours_multiplier=Decimal(str(data.get("out_of_hours_multiplier") or 1)),
            valid_from=_date(data.get("valid_from")),
            valid_until=_date(data.get("valid_until")),
            vat_pct=Decimal(str(data.get("vat_pct") or 0)),
            estimate_required=bool(data.get("estimate_required")),
            hold_debtors=bool(data.get("hold_debtors")),
            credit_limit=money(str(data.get("credit_limit") or 0)),
            account_manager_id=str(data["account_manager_id"]) if data.get("account_manager_id") else None,
        )
    except (ArithmeticError, ValueError, TypeError) as error:
        if isinstance(error, ValidationFailed):
            raise
        raise ValidationFailed(
            "The contract terms are not valid ({error}); check the numbers and dates.", error=error
        ) from None


def _list(value: object) -> list[object]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise ValidationFailed("Included categories are a list of category names.")


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return date.fromisoformat(str(value))
