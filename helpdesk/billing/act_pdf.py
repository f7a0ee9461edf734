"""An act as a PDF (fpdf2), in Russian or English, in DejaVu Sans (shipped with matplotlib; it has Cyrillic)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import matplotlib
from fpdf import FPDF

from ticket_core.billing.acts import COVERAGE_TEXT, Act
from ticket_core.billing.ledger import Coverage
from ticket_core.billing.money import format_money

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
HEADS = {
    "ru": ("Дата", "Работа", "Кол-во", "Цена", "Оплата", "Сумма"),
    "en": ("Date", "Work", "Qty", "Price", "Paid by", "Amount"),
}
TEXTS: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Акт выполненных работ",
        "period": "за {month}",
        "client": "Заказчик",
        "contract": "Договор",
        "subtotal": "Итого без НДС",
        "vat": "НДС {pct}%",
        "no_vat": "Без НДС",
        "total": "Всего к оплате",
        "hours": "Часы работы: всего {all} ч, по договору {included} ч, из пакетов {package} ч, к оплате {billable} ч",
        "empty": "В этом месяце работ по договору не было.",
        "sign": "Исполнитель ____________________        Заказчик ____________________",
    },
    "en": {
        "title": "Act of work done",
        "period": "for {month}",
        "client": "Client",
        "contract": "Contract",
        "subtotal": "Subtotal (excl. VAT)",
        "vat": "VAT {pct}%",
        "no_vat": "No VAT",
        "total": "Total due",
        "hours": "Hours of work: {all} h in all, {included} h included, {package} h from packages, {billable} h billable",
        "empty": "No work under the contract this month.",
        "sign": "Contractor ____________________        Client ____________________",
    },
}
MONTHS_RU = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
UNITS = {True: {True: "ч", False: "шт."}, False: {True: "h", False: "pcs"}}
"""Unit of a line's quantity: [Russian][hours]."""
WIDTHS = (22, 80, 16, 24, 28, 20)


def _month(period: str, lang: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    if lang == "ru":
        return f"{MONTHS_RU[month - 1]} {year} г."
    return ("January February March April May June July August September October November December".split())[
        month - 1
    ] + f" {year}"


def _qty(value: Decimal, lang: str = "en") -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",") if lang == "ru" else text


def _row(pdf: FPDF, cells: tuple[tuple[str, str], ...], height: float = 6) -> None:
    """One table row drawn with text() and lines: a cell() each costs ten times as much (1,000 acts)."""
    if pdf.will_page_break(height):
        pdf.add_page()
    x, y = pdf.l_margin, pdf.get_y()
    pdf.line(x, y, x + sum(WIDTHS), y)
    pdf.line(x, y + height, x + sum(WIDTHS), y + height)
    pdf.line(x, y, x, y + height)
    for width, (value, align) in zip(WIDTHS, cells, strict=True):
        text_width = pdf.get_string_width(value)
        while text_width > width - 2 and len(value) > 4:
            value = value[:-2] + "…"
            text_width = pdf.get_string_width(value)
        left = x + width - 1 - text_width if align == "R" else x + 1
        pdf.text(left, y + height - 1.8, value)
        x += width
        pdf.line(x, y, x, y + height)
    pdf.set_y(y + height)


def act_pdf(act: Act, lang: str = "ru", company: str = "") -> bytes:
    """The act as PDF bytes."""
    words = TEXTS["ru" if lang == "ru" else "en"]
    coverage = COVERAGE_TEXT["ru" if lang == "ru" else "en"]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{words['title']} {act.client_id} {act.period}")
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.cell(
        0,
        9,
        f"{words['title']} {words['period'].format(month=_month(act.period, lang))}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 10)
    if company:
        pdf.cell(0, 6, company, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{words['client']}: {act.client_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{words['contract']}: {act.contract_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_fill_color(230, 234, 240)
    for width, title in zip(WIDTHS, HEADS["ru" if lang == "ru" else "en"], strict=True):
        pdf.cell(width, 7, title, border=1, fill=True, align="C")
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    if not act.lines:
        pdf.cell(sum(WIDTHS), 7, words["empty"], border=1, new_x="LMARGIN", new_y="NEXT")
    for line in act.lines:
        text = line.text(lang) + (f" ({line.note})" if line.note else "")
        cells = (
            (line.day.strftime("%d.%m.%Y" if lang == "ru" else "%Y-%m-%d"), "L"),
            (text, "L"),
            (f"{_qty(line.quantity, lang)} {UNITS[lang == 'ru'][line.hours]}", "R"),
            (format_money(line.unit_price, act.currency, lang) if line.unit_price else "", "R"),
            (coverage[line.coverage], "L"),
            (format_money(line.amount, act.currency, lang), "R"),
        )
        _row(pdf, cells)
    label_width, value_width = sum(WIDTHS[:-1]), WIDTHS[-1]
    vat = words["vat"].format(pct=f"{act.vat_pct.normalize():f}") if act.vat_pct else words["no_vat"]
    for label, amount, bold in (
        (words["subtotal"], act.subtotal, False),
        (vat, act.vat, False),
        (words["total"], act.total, True),
    ):
        pdf.set_font("DejaVu", "B" if bold else "", 9)
        pdf.cell(label_width, 7, label, border=1, align="R")
        pdf.cell(value_width, 7, format_money(amount, act.currency, lang), border=1, align="R")
        pdf.ln()
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0,
        5,
        words["hours"].format(
            all=_qty(act.hours(), lang),
            included=_qty(act.hours(Coverage.INCLUDED), lang),
            package=_qty(act.hours(Coverage.PACKAGE), lang),
            billable=_qty(act.hours(Coverage.BILLABLE), lang),
        ),
    )
    pdf.ln(12)
    pdf.cell(0, 6, words["sign"])
    return bytes(pdf.output())
