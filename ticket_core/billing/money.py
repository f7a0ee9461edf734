"""Money as `Decimal`: parsing, rounding to the currency's minor unit, minor units for storage, display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ticket_core.errors import ValidationFailed
from ticket_core.i18n import format_decimal

DEFAULT_CURRENCY = "RUB"
CENT = Decimal("0.01")
HOUR_STEP = Decimal("0.01")
SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€"}
MAX_AMOUNT = Decimal("1000000000")
"""No single amount reaches a billion: a typo (an extra digit group) is refused rather than posted."""


def money(value: Decimal | int | str) -> Decimal:
    """Round a price or amount to the minor unit (half up, as accountants round); floats are refused."""
    if isinstance(value, float):  # a float has already lost the kopecks: never accept one
        raise TypeError("money must be a Decimal, an int or a string, never a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str, *, positive: bool = True) -> Decimal:
    """Read an amount a person typed ("2500", "2 500,50", "2500.5 ₽"); refuse anything else clearly."""
    cleaned = "".join(ch for ch in text.strip() if ch not in " \u00a0\u202f₽$€").replace(",", ".")
    for code in SYMBOLS:
        cleaned = cleaned.removesuffix(code).removesuffix(code.lower())
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationFailed(
            "'{text}' is not an amount; write it like 2500 or 2500.50.", text=text
        ) from None
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed("'{text}' is not an amount; write it like 2500 or 2500.50.", text=text)
    if positive and value <= 0:
        raise ValidationFailed("The amount must be more than zero.")
    if abs(value) >= MAX_AMOUNT:
        raise ValidationFailed("The amount is too large; check the number of digits.")
    return money(value)


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals (90 -> 1.50)."""
    return (Decimal(minutes) / 60).quantize(HOUR_STEP, rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal) -> int:
    """Minor units (kopecks) for storage: exact on SQLite and PostgreSQL alike."""
    return int(money(amount) * 100)


def from_minor(minor: int) -> Decimal:
    """A stored amount back as `Decimal`."""
    return (Decimal(minor) / 100).quantize(CENT)


def format_money(amount: Decimal, currency: str = DEFAULT_CURRENCY, lang: str = "ru") -> str:
    """Show an amount: "2 500 ₽" or "12 345,50 ₽" in Russian, "2,500 ₽" or "12,345.50 ₽" in English."""
    value = money(amount)
    whole = value == value.to_integral_value()
    text = format_decimal(value, lang, "#,##0" if whole else "#,##0.00")
    symbol = SYMBOLS.get(currency)
    return f"{text} {symbol}" if symbol else f"{text} {currency}"
