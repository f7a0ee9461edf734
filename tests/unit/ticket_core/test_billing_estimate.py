"""An estimate's expected time and total (issue #20): the median of the category's charged jobs, and the quote."""

from __future__ import annotations

from decimal import Decimal

from ticket_core.billing.approvals import DEFAULT_HOURS, expected_hours, quote_details
from ticket_core.billing.outlook import Outlook, PaidBy

D = Decimal


def test_expected_hours_is_the_median_rounded_up_to_a_quarter_or_the_default_with_too_few_jobs() -> None:
    assert expected_hours([]) == DEFAULT_HOURS == D(1)
    assert expected_hours([D(5), D(7)]) == D(1)  # two jobs tell too little
    assert expected_hours([D("0.5"), D(3), D("1.5")]) == D("1.5")
    assert expected_hours([D(1), D(2), D(3), D(4)]) == D("2.5")
    assert expected_hours([D("1.1"), D("1.1"), D(9)]) == D("1.25")
    assert expected_hours([D("0.01")] * 3) == D("0.25")


def test_quote_has_the_expected_total_by_the_hour_or_fixed_with_the_callout() -> None:
    hourly = Outlook(PaidBy.HOURLY, "RUB", price=D(1800), callout=D(1350), parts_margin=D(20))
    details = quote_details(hourly, D("1.5"))
    assert details == {
        "paid_by": "hourly",
        "price": "1800",
        "callout": "1350",
        "parts_margin": "20",
        "hours": "1.5",
        "total": "4050.00",
    }
    fixed = quote_details(Outlook(PaidBy.FIXED, "RUB", price=D(4000), callout=D(0)), D(3))
    assert fixed["total"] == "4000.00" and "hours" not in fixed
