"""An act as a PDF (fpdf2), in Russian or English, in DejaVu Sans (`helpdesk/fonts`; it has Cyrillic)."""

from __future__ import annotations

import copy
import functools
import threading
from datetime import date
from decimal import Decimal
from io import BytesIO

from babel.dates import format_date
from fontTools import subset as font_subset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from dialogue.i18n import N_, say
from helpdesk.fonts import FONTS
from ticket_core.billing.acts import Act, coverage_text
from ticket_core.billing.ledger import Coverage
from ticket_core.billing.money import format_money
from ticket_core.i18n import format_decimal, format_percent, lang_of

HEADS = (N_("Date"), N_("Work"), N_("Qty"), N_("Price"), N_("Paid by"), N_("Amount"))
WORDS: dict[str, str] = {
    "title": N_("Act of work done"),
    "period": N_("for {month}"),
    "client": N_("Client"),
    "contract": N_("Contract"),
    "subtotal": N_("Subtotal (excl. VAT)"),
    "vat": N_("VAT {pct}"),
    "no_vat": N_("No VAT"),
    "total": N_("Total due"),
    "hours": N_(
        "Hours of work: {all} h in all, {included} h included, {package} h from packages, {billable} h billable"
    ),
    "empty": N_("No work under the contract this month."),
    "sign": N_("Contractor ____________________        Client ____________________"),
}
"""The act's own words (English; `say` gives them in the act's language)."""
WIDTHS = (22, 80, 16, 24, 28, 20)


def _month(period: str, lang: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    # the month's name as CLDR writes it alone ("ноябрь", "November"); Russian adds "г." after the year
    name = format_date(date(year, month, 1), "LLLL", locale=lang_of(lang))
    return say(lang, "{month_name} {year}", month_name=name, year=year)


def _qty(value: Decimal, lang: str = "en") -> str:
    return format_decimal(value, lang, "#,##0.##")


def _quantity(value: Decimal, hours: bool, lang: str) -> str:
    """A line's quantity with its unit: "1,5 ч", "2 шт." / "1.5 h", "2 pcs"."""
    quantity = _qty(value, lang)
    return (
        say(lang, "{quantity} h", quantity=quantity)
        if hours
        else say(lang, "{quantity} pcs", quantity=quantity)
    )


class _Table:
    """Draws the act's table rows straight into the page's content stream.

    fpdf2's `text()`, `line()` and `get_string_width()` cost about 60 % of an act's CPU at 250 rows (they
    copy the graphics state and parse fragments on every call). A row here is one path for its grid and one
    text object per cell; widths come from the font's own advance table, and a cell's encoded text is kept
    per document (dates, prices and coverage words repeat on every page)."""

    def __init__(self, pdf: FPDF, widths: tuple[float, ...] = WIDTHS) -> None:
        self.pdf = pdf
        self.columns = widths
        self.encoded: dict[str, str] = {}
        self.widths: dict[str, float] = {}

    def width(self, value: str) -> float:
        """The width of `value` in the table's font, in millimetres (what `get_string_width` returns)."""
        known = self.widths.get(value)
        if known is None:
            pdf = self.pdf
            font = pdf.current_font
            assert isinstance(font, TTFFont)
            widths = font.cw
            known = sum(widths[ord(ch)] for ch in value) * pdf.font_size_pt * 0.001 / pdf.k
            self.widths[value] = known
        return known

    def row(self, cells: tuple[tuple[str, str], ...], height: float = 6) -> None:
        """One table row: its grid and its cells' texts (a cut-short text ends in an ellipsis)."""
        pdf = self.pdf
        if pdf.will_page_break(height):
            pdf.add_page()
        font = pdf.current_font
        assert isinstance(font, TTFFont)
        if not pdf.current_font_is_set_on_page:
            pdf._out(pdf._set_font_for_page(font, pdf.font_size_pt))
        k, page_h = pdf.k, pdf.h
        x, y = pdf.l_margin, pdf.get_y()
        top, bottom = (page_h - y) * k, (page_h - y - height) * k
        right = (x + sum(self.columns)) * k
        path = [
            f"{x * k:.2f} {top:.2f} m {right:.2f} {top:.2f} l S",
            f"{x * k:.2f} {bottom:.2f} m {right:.2f} {bottom:.2f} l S",
        ]
        texts = []
        base = (page_h - (y + height - 1.8)) * k
        edge = x
        path.append(f"{edge * k:.2f} {top:.2f} m {edge * k:.2f} {bottom:.2f} l S")
        for width, (value, align) in zip(self.columns, cells, strict=True):
            text_width = self.width(value)
            while text_width > width - 2 and len(value) > 4:
                value = value[:-2] + "…"
                text_width = self.width(value)
            left = edge + width - 1 - text_width if align == "R" else edge + 1
            encoded = self.encoded.get(value)
            if encoded is None:
                encoded = self.encoded[value] = font.encode_text(value)
            texts.append(f"BT {left * k:.2f} {base:.2f} Td {encoded} ET")
            edge += width
            path.append(f"{edge * k:.2f} {top:.2f} m {edge * k:.2f} {bottom:.2f} l S")
        body = "\n".join(texts)
        if pdf.fill_color != pdf.text_color and pdf.text_color is not None:
            body = f"q {pdf.text_color.serialize().lower()}\n{body}\nQ"  # text is painted in the fill colour
        pdf._out(" ".join(path) + "\n" + body)
        pdf.set_y(y + height)


FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
GLYPH_RANGES = (
    (0x20, 0x52F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x22FF),
    (0x2460, 0x27BF),
    (0xFB00, 0xFB06),
)
"""What an act may print: Latin, Greek and Cyrillic with their extensions, punctuation, currency signs (₽),
letterlike symbols, arrows and maths, boxes and shapes. DejaVu Sans is cut down to these once per process
(6,241 glyphs to 2,825), so that each act subsets a font under half the size."""
COMMON_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0xFF),
    (0x400, 0x45F),
    (0x2010, 0x2026),
    (0x202F, 0x2030),
    (0x2039, 0x203A),
    (0x20AC, 0x20AC),
    (0x20BD, 0x20BD),
    (0x2116, 0x2116),
    (0x2122, 0x2122),
)
"""What nearly every act prints: ASCII, Latin-1, the Russian alphabet, dashes, quotes, the ellipsis, №, € and
₽ (about 330 glyphs). An act whose every character is among these is drawn in DejaVu cut down to them: fpdf2
parses, subsets and writes the font anew for each document, and that cost grows with the font's glyph count
(about half an act's CPU with the 2,825-glyph cut). Any other character puts the act on the wide cut."""
COMMON = frozenset(chr(code) for first, last in COMMON_RANGES for code in range(first, last + 1))
_LOCK = threading.Lock()


@functools.cache
def _font_bytes(style: str, wide: bool = True) -> bytes:
    """DejaVu Sans (regular or bold) cut down to `GLYPH_RANGES` (`wide`) or `COMMON_RANGES`, as TTF bytes:
    made once per process."""
    font = TTFont(FONTS / FONT_FILES[style], recalcTimestamp=False)
    options = font_subset.Options(notdef_outline=True, recommended_glyphs=True, hinting=False)
    options.layout_features = []
    options.name_IDs = ["*"]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "MATH", "hdmx"]
    subsetter = font_subset.Subsetter(options)
    ranges = GLYPH_RANGES if wide else COMMON_RANGES
    subsetter.populate(unicodes=[u for first, last in ranges for u in range(first, last + 1)])
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@functools.cache
def _font_template(style: str, wide: bool = True) -> TTFFont:
    """The font parsed once per process (metrics, character map, widths); each document gets a copy."""
    data = BytesIO(_font_bytes(style, wide))
    return TTFFont(FPDF(), data, f"dejavu{style}", style)  # type: ignore[arg-type]


def _add_fonts(pdf: FPDF, wide: bool = True) -> None:
    """Give the document its fonts from the per-process templates (fpdf2 would parse the files each time).

    What a document changes is fresh: its number, the glyphs it used (`subset`), and the `TTFont` that
    fpdf2 cuts down to them when it writes the file (a lazy parse of the cached bytes: cheap).
    """
    for style in FONT_FILES:
        with _LOCK:  # functools.cache may build one twice under threads; harmless but wasted
            template = _font_template(style, wide)
        font = copy.copy(template)
        font.i = len(pdf.fonts) + 1
        # recalcBBoxes=False: the cut's bounding boxes are right already, and recomputing them on save made
        # fontTools expand and recompile every glyph of every act
        data = BytesIO(_font_bytes(style, wide))
        font.ttfont = TTFont(data, recalcTimestamp=False, recalcBBoxes=False, lazy=True)
        font.subset = SubsetMap(font)
        font.biggest_size_pt = 0
        font.missing_glyphs = []
        pdf.fonts[f"dejavu{style}"] = font


def _needs_wide(act: Act, lang: str, company: str) -> bool:
    """Whether the act prints a character outside `COMMON` (a Greek name, an arrow in a note)."""
    texts = [
        act.client_name,
        act.contract_name,
        act.contract_id,
        act.client_id,
        company,
        format_money(Decimal(1), act.currency),
    ]
    texts.extend(line.text(lang) + (line.note or "") for line in act.lines)
    return not COMMON.issuperset("".join(texts))


def _columns(pdf: FPDF, act: Act, lang: str) -> tuple[float, ...]:
    """The table's column widths: the amount column as wide as the widest amount or total needs (the work
    column gives up the difference), so a large sum is neither cut short nor drawn over its label."""
    pdf.set_font("DejaVu", "", 8)
    rows = [pdf.get_string_width(format_money(line.amount, act.currency, lang)) for line in act.lines]
    pdf.set_font("DejaVu", "B", 9)
    sums = [
        pdf.get_string_width(format_money(a, act.currency, lang)) for a in (act.subtotal, act.vat, act.total)
    ]
    need = max([*rows, *sums]) + 3
    extra = max(need - WIDTHS[-1], 0.0)
    return (WIDTHS[0], WIDTHS[1] - extra, *WIDTHS[2:-1], WIDTHS[-1] + extra)


def act_pdf(act: Act, lang: str = "ru", company: str = "") -> bytes:
    """The act as PDF bytes."""
    words = {key: say(lang, text) for key, text in WORDS.items()}
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    _add_fonts(pdf, _needs_wide(act, lang, company))
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
    pdf.cell(
        0, 6, f"{words['contract']}: {act.contract_name or act.contract_id}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(3)
    columns = _columns(pdf, act, lang)
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_fill_color(230, 234, 240)
    for width, title in zip(columns, (say(lang, head) for head in HEADS), strict=True):
        pdf.cell(width, 7, title, border=1, fill=True, align="C")
    pdf.ln()
    pdf.set_font("DejaVu", "", 8)
    table = _Table(pdf, columns)
    if not act.lines:
        pdf.cell(sum(columns), 7, words["empty"], border=1, new_x="LMARGIN", new_y="NEXT")
    for line in act.lines:
        text = line.text(lang) + (f" ({line.note})" if line.note else "")
        cells = (
            (line.day.strftime("%d.%m.%Y" if lang == "ru" else "%Y-%m-%d"), "L"),
            (text, "L"),
            (_quantity(line.quantity, line.hours, lang), "R"),
            (format_money(line.unit_price, act.currency, lang) if line.unit_price else "", "R"),
            (coverage_text(line.coverage, lang), "L"),
            (format_money(line.amount, act.currency, lang), "R"),
        )
        table.row(cells)
    label_width, value_width = sum(columns[:-1]), columns[-1]
    vat = (
        words["vat"].format(pct=format_percent(act.vat_pct / 100, lang, 0, 2))
        if act.vat_pct
        else words["no_vat"]
    )
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
