"""The month's act of work done for one client, built from the ledger; its CSV. The PDF is drawn by `helpdesk`.

Lines are the month's charge lines, adjustments and reversals of job charges; a charge reversed in the
same month is left out with its reversal. Prices exclude VAT; VAT is added at the contract's `vat_pct`
(0: "without VAT"). Months are UTC calendar months, like the allowance's.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from ticket_core.billing.ledger import Coverage, EntryKind, LedgerEntry
from ticket_core.billing.money import money
from ticket_core.csv_cells import GuardedWriter
from ticket_core.errors import ValidationFailed
from ticket_core.i18n import N_, format_percent, say

JOB_KINDS = (EntryKind.CHARGE, EntryKind.ADJUSTMENT, EntryKind.REVERSAL)

COVERAGE_WORDS = {
    Coverage.INCLUDED: N_("included"),
    Coverage.PACKAGE: N_("prepaid package"),
    Coverage.BILLABLE: N_("billable"),
}
"""How an act line is paid for, in English (`coverage_text` says it in the reader's language)."""


def coverage_text(coverage: Coverage, lang: str) -> str:
    """How an act line is paid for in `lang`: "по договору" / "included"."""
    return say(lang, COVERAGE_WORDS[coverage])


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of a month written YYYY-MM, in UTC; a clear refusal otherwise."""
    try:
        start = datetime.strptime(period, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailed(
            "'{period}' is not a month; write it as YYYY-MM, e.g. 2026-11.", period=period
        ) from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


@dataclass(frozen=True, slots=True)
class ActLine:
    """One line of an act: `amount` is what the client pays for it (0 when included or prepaid)."""

    day: date
    ticket_id: str | None
    text_ru: str
    text_en: str
    quantity: Decimal
    unit_price: Decimal
    coverage: Coverage
    amount: Decimal
    hours: bool
    note: str | None = None

    def text(self, lang: str) -> str:
        """The work in the reader's language."""
        return self.text_ru if lang == "ru" else self.text_en


@dataclass(frozen=True, slots=True)
class Act:
    """A client's act for a month."""

    client_id: str
    client_name: str
    contract_id: str
    period: str
    currency: str
    vat_pct: Decimal
    lines: tuple[ActLine, ...]
    contract_name: str = ""
    """The contract's name (the id when it has none): what the act prints."""

    @property
    def subtotal(self) -> Decimal:
        """What the billable lines cost, before VAT."""
        return money(sum((line.amount for line in self.lines), Decimal(0)))

    @property
    def vat(self) -> Decimal:
        """VAT on the subtotal."""
        return money(self.subtotal * self.vat_pct / 100)

    @property
    def total(self) -> Decimal:
        """Subtotal plus VAT."""
        return self.subtotal + self.vat

    def hours(self, coverage: Coverage | None = None) -> Decimal:
        """Hours of work, of one coverage or all."""
        return sum(
            (line.quantity for line in self.lines if line.hours and coverage in (None, line.coverage)),
            Decimal(0),
        )


def build_act(
    client_id: str,
    client_name: str,
    contract_id: str,
    period: str,
    currency: str,
    vat_pct: Decimal,
    entries: Sequence[LedgerEntry],
    contract_name: str = "",
) -> Act:
    """The act of `period` from the client's ledger rows of that month (any order)."""
    rows = [e for e in entries if e.client_id == client_id and e.kind in JOB_KINDS and e.ticket_id]
    reversed_here = {e.reverses_id for e in rows if e.kind is EntryKind.REVERSAL}
    ids = {e.id for e in rows}
    keys = {e.id: e.line_key or "" for e in entries}
    lines = []
    for entry in sorted(rows, key=lambda e: (e.at, e.id or 0)):
        if entry.id in reversed_here or (entry.kind is EntryKind.REVERSAL and entry.reverses_id in ids):
            continue
        lines.append(
            ActLine(
                day=entry.at.date(),
                ticket_id=entry.ticket_id,
                text_ru=entry.text_ru,
                text_en=entry.text_en,
                quantity=entry.quantity,
                unit_price=entry.unit_price,
                coverage=entry.coverage or Coverage.BILLABLE,
                amount=-entry.amount,
                hours=":hours:" in (entry.line_key or keys.get(entry.reverses_id, "")),
                note=entry.note,
            )
        )
    return Act(
        client_id,
        client_name,
        contract_id,
        period,
        currency,
        vat_pct,
        tuple(lines),
        contract_name or contract_id,
    )


ACT_CSV_HEADER = ("date", "work", "quantity", "unit_price", "coverage", "amount", "note")


def act_csv(act: Act, lang: str = "ru") -> str:
    """The act as CSV: a line per work item, then subtotal, VAT and total lines."""
    out = io.StringIO()
    writer = GuardedWriter(out, lineterminator="\n")  # notes are typed by staff
    writer.writerow(ACT_CSV_HEADER)
    for line in act.lines:
        writer.writerow(
            (
                line.day.isoformat(),
                line.text(lang),
                line.quantity,
                line.unit_price,
                coverage_text(line.coverage, lang),
                line.amount,
                line.note or "",
            )
        )
    writer.writerow(("", say(lang, "Subtotal (excl. VAT)"), "", "", "", act.subtotal, ""))
    vat_label = (
        say(lang, "VAT {pct}", pct=format_percent(act.vat_pct / 100, lang, 0, 2))
        if act.vat_pct
        else say(lang, "No VAT")
    )
    writer.writerow(("", vat_label, "", "", "", act.vat, ""))
    writer.writerow(("", say(lang, "Total, {currency}", currency=act.currency), "", "", "", act.total, ""))
    return out.getvalue()
