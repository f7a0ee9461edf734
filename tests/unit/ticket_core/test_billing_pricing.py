"""Pricing a done job: allowance, then packages, then billable with discount and out-of-hours; parts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ticket_core.billing.money import format_money, money, parse_amount
from ticket_core.billing.pricing import Allowance, JobWork, Part, billable_rate, price_job
from ticket_core.billing.terms import ContractTerms, Package, PriceList, Service, ServiceKind
from ticket_core.errors import ValidationFailed

D = Decimal
DONE = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
PRICES = PriceList.of(
    "RUB",
    [
        Service("hour-l1", ServiceKind.HOUR, "Час работы L1", "Hour of work L1", D(2000), level=1),
        Service("hour-l2", ServiceKind.HOUR, "Час работы L2", "Hour of work L2", D(2500), level=2),
        Service("callout", ServiceKind.CALLOUT, "Выезд", "Call-out", D(1500)),
        Service(
            "fix-printer", ServiceKind.FIXED, "Ремонт принтера", "Printer repair", D(4000), category="printer"
        ),
        Service("parts", ServiceKind.PART, "Запчасти", "Parts", margin_pct=D(20)),
        Service("hour-usd", ServiceKind.HOUR, "Час", "Hour", D(50), currency="USD", level=1),
    ],
)
TERMS = ContractTerms(
    "k-1",
    "acme",
    included_categories=("it",),
    hours_per_month=D(2),
    callouts_per_month=1,
    discount_pct=D(10),
    out_of_hours_multiplier=D("1.5"),
    valid_from=date(2026, 1, 1),
    valid_until=date(2026, 12, 31),
)


def work(minutes: int = 90, category: str = "it", level: int = 2, **fields: object) -> JobWork:
    values: dict[str, object] = {
        "ticket_id": "t-1",
        "ref": "HD-1001",
        "client_id": "acme",
        "category": category,
        "engineer_id": "smirnov",
        "level": level,
        "minutes": minutes,
        "callouts": 1,
        "done_at": DONE,
    }
    values.update(fields)
    return JobWork(**values)  # type: ignore[arg-type]


def by_key(lines: list) -> dict[str, object]:  # type: ignore[type-arg]
    return {line.line_key.split(":", 2)[2]: line for line in lines}


def test_included_work_draws_on_the_allowance_first_then_billable_with_the_discount() -> None:
    lines = by_key(price_job(work(minutes=180), TERMS, PRICES, Allowance(D(2), 1), []))
    assert lines["hours:included"].hours == D(2)  # type: ignore[attr-defined]
    billable = lines["hours:billable"]
    assert billable.quantity == D(1) and billable.unit_price == D(2250)  # type: ignore[attr-defined]
    assert billable.amount == D(-2250)  # type: ignore[attr-defined]
    assert lines["callout:included"].callouts == 1  # type: ignore[attr-defined]
    assert "callout:billable" not in lines


def test_packages_pay_before_the_balance_oldest_expiry_first() -> None:
    bought = datetime(2026, 10, 1, tzinfo=UTC)
    late = Package("p-late", "acme", D(10), D(0), "RUB", bought, date(2027, 1, 1))
    soon = Package("p-soon", "acme", D(1), D(0), "RUB", bought, date(2026, 12, 1), used_hours=D("0.5"))
    lines = by_key(
        price_job(work(minutes=120, category="network"), TERMS, PRICES, Allowance(D(2), 1), [late, soon])
    )
    assert lines["hours:package:p-soon"].hours == D("0.5")  # type: ignore[attr-defined]
    assert lines["hours:package:p-late"].hours == D("1.5")  # type: ignore[attr-defined]
    assert "hours:billable" not in lines and "hours:included" not in lines  # network is not included
    assert lines["callout:billable"].amount == D(-1350)  # type: ignore[attr-defined]


def test_out_of_hours_multiplies_billable_work_and_fixed_jobs_ignore_time() -> None:
    lines = by_key(
        price_job(work(minutes=60, out_of_hours=True, callouts=0), TERMS, PRICES, Allowance(D(0), 0), [])
    )
    assert lines["hours:billable"].unit_price == D(3375)  # 2500 * 0.9 * 1.5  # type: ignore[attr-defined]
    assert "вне рабочего" in lines["hours:billable"].text_ru  # type: ignore[attr-defined]
    fixed = by_key(
        price_job(work(minutes=600, category="printer", callouts=0), TERMS, PRICES, Allowance(D(2), 1), [])
    )
    assert list(fixed) == ["fixed"] and fixed["fixed"].amount == D(-3600)  # type: ignore[attr-defined]


def test_parts_are_billed_at_cost_plus_margin_without_discount() -> None:
    parts = (Part("Картридж", D("1000.00"), 2),)
    lines = by_key(price_job(work(minutes=0, callouts=0, parts=parts), TERMS, PRICES, Allowance(D(2), 1), []))
    assert lines["part:0"].unit_price == D(1200) and lines["part:0"].amount == D(-2400)  # type: ignore[attr-defined]


def test_an_expired_contract_has_no_allowance() -> None:
    late = work(minutes=60, done_at=datetime(2027, 1, 5, 12, tzinfo=UTC))
    lines = by_key(price_job(late, TERMS, PRICES, Allowance(D(2), 1), []))
    assert "hours:included" not in lines and lines["hours:billable"].amount == D(-2250)  # type: ignore[attr-defined]


def test_rates_and_money() -> None:
    assert billable_rate(TERMS, PRICES, 2) == D(2250)
    assert billable_rate(TERMS, PRICES, 3) == D(2250)  # no L3 rate: the L2 one
    assert format_money(D(2500), "RUB", "en") == "2,500 ₽"
    assert format_money(D("12345.5"), "RUB", "ru") == "12\u00a0345,50 ₽"
    assert parse_amount("2 500,50 ₽") == D("2500.50")
    with pytest.raises(TypeError):
        money(0.1)  # type: ignore[arg-type]
    for bad in ("abc", "-5", "1.001", "NaN", "1e12"):
        with pytest.raises(ValidationFailed):
            parse_amount(bad)
