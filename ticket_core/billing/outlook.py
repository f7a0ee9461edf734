"""How a job will be paid for, before anyone works on it: included, prepaid, fixed price or by the hour.

The offer card says it to the engineer, and the client's estimate quotes it (`ticket_core.billing.approvals`).
Pure: the caller reads the terms, the price list, what is left of the allowance and of the packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ticket_core.billing.pricing import billable_price, billable_rate
from ticket_core.billing.terms import ContractTerms, Package, PriceList, ServiceKind


class PaidBy(StrEnum):
    """Who pays for the job's work."""

    INCLUDED = "included"  # the contract's monthly allowance
    PACKAGE = "package"  # the client's prepaid hours
    FIXED = "fixed"  # the client, a fixed price for the category
    HOURLY = "hourly"  # the client, by the hour
    UNPRICED = "unpriced"  # billable, but the price list has no rate for it


@dataclass(frozen=True, slots=True)
class Outlook:
    """What the offer card and the estimate say about money. Amounts are what the client pays, VAT aside."""

    paid_by: PaidBy
    currency: str
    hours_left: Decimal = Decimal(0)  # of the allowance (INCLUDED) or of the packages (PACKAGE)
    price: Decimal = Decimal(0)  # FIXED: the job; HOURLY: an hour
    callout: Decimal = Decimal(0)  # a visit to the site, when the price list has one and it is not included
    parts_margin: Decimal | None = None  # parts at cost plus this %, when the price list prices parts

    @property
    def client_pays(self) -> bool:
        """Whether the client's money pays for this work (what an estimate asks them to approve)."""
        return self.paid_by in (PaidBy.FIXED, PaidBy.HOURLY)


def job_outlook(
    terms: ContractTerms,
    prices: PriceList,
    *,
    category: str,
    level: int,
    day: date,
    allowance_hours: Decimal,
    allowance_callouts: int,
    packages: Sequence[Package],
) -> Outlook:
    """How a job of `category` by an engineer of `level` would be paid for on `day` (as `price_job` charges)."""
    valid = terms.valid_on(day)
    included = valid and terms.includes(category)
    callout_service = prices.first(ServiceKind.CALLOUT)
    callout = Decimal(0)
    if callout_service is not None and not (included and allowance_callouts > 0):
        callout = billable_price(callout_service.price, terms)
    margin_service = prices.parts_margin()
    margin = margin_service.margin_pct if margin_service is not None else None
    if included and allowance_hours > 0:
        return Outlook(PaidBy.INCLUDED, terms.currency, hours_left=allowance_hours)
    fixed = None if included else prices.first(ServiceKind.FIXED, category)
    if fixed is not None:
        return Outlook(
            PaidBy.FIXED, terms.currency, price=billable_price(fixed.price, terms), parts_margin=margin
        )
    left = sum((p.left_hours for p in packages if p.usable_on(day)), Decimal(0))
    if left > 0:
        return Outlook(PaidBy.PACKAGE, terms.currency, hours_left=left)
    rate = billable_rate(terms, prices, level)
    if not rate:
        return Outlook(PaidBy.UNPRICED, terms.currency, callout=callout, parts_margin=margin)
    return Outlook(PaidBy.HOURLY, terms.currency, price=rate, callout=callout, parts_margin=margin)
