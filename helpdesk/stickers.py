"""Printable A4 sheets of equipment stickers: a QR code that opens the client chat about the unit.

The QR code holds one link (the client bot when it has a username, else WhatsApp, else the web chat) that
carries `eq-<code>`; the label also names the unit, its type and place in both languages, how to report a
fault and the support contacts. segno makes the QR codes, fpdf2 the PDF, in DejaVu Sans (`helpdesk/fonts`)
so Cyrillic prints.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import segno
from fpdf import FPDF

from helpdesk import fonts
from helpdesk.settings import Settings
from ticket_core.equipment.model import EquipmentType, Unit
from ticket_core.model import Site

PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
COLUMNS, ROWS = 2, 5
MARGIN_X, MARGIN_Y = 10.0, 11.0
LABEL_W = (PAGE_W - 2 * MARGIN_X) / COLUMNS
LABEL_H = (PAGE_H - 2 * MARGIN_Y) / ROWS
QR_MM = 40.0
PER_PAGE = COLUMNS * ROWS


@dataclass(frozen=True, slots=True)
class StickerLinks:
    """Where a sticker's QR code leads; the first channel configured of Telegram, WhatsApp, web chat."""

    telegram_bot: str | None = None
    whatsapp_number: str | None = None
    webchat_url: str | None = None

    def all(self, code: str) -> dict[str, str]:
        """Every link for a code, by channel."""
        links: dict[str, str] = {}
        if self.telegram_bot:
            links["telegram"] = f"https://t.me/{self.telegram_bot.lstrip('@')}?start=eq-{code}"
        if self.whatsapp_number:
            text = quote(f"Сообщить о неисправности / Report a fault eq-{code}")
            links["whatsapp"] = f"https://wa.me/{self.whatsapp_number.lstrip('+')}?text={text}"
        if self.webchat_url:
            sep = "&" if "?" in self.webchat_url else "?"
            links["webchat"] = f"{self.webchat_url}{sep}eq={code}"
        return links

    def primary(self, code: str) -> str:
        """The link the QR code holds.

        Raises:
            ValueError: no channel is configured.
        """
        links = self.all(code)
        if not links:
            raise ValueError(
                "no link for stickers: set CLIENT_BOT_USERNAME, WHATSAPP_DISPLAY_NUMBER or WEBCHAT_URL"
            )
        return next(iter(links.values()))


@dataclass(frozen=True, slots=True)
class Sticker:
    """One label: the unit, its type and its site."""

    unit: Unit
    type: EquipmentType | None
    site: Site | None


def _qr_png(link: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out


def sticker_pdf(stickers: Sequence[Sticker], links: StickerLinks, support: str = "") -> bytes:
    """A4 pages of 2 x 5 labels, one per unit, ready to print and cut along the dashed lines.

    Raises:
        ValueError: nothing to print, or no channel to link to.
    """
    if not stickers:
        raise ValueError("no units to print stickers for")
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_title("Equipment stickers")
    pdf.add_font("DejaVu", "", str(fonts.REGULAR))
    pdf.add_font("DejaVu", "B", str(fonts.BOLD))
    for index, sticker in enumerate(stickers):
        if index % PER_PAGE == 0:
            pdf.add_page()
        cell = index % PER_PAGE
        x = MARGIN_X + (cell % COLUMNS) * LABEL_W
        y = MARGIN_Y + (cell // COLUMNS) * LABEL_H
        _label(pdf, x, y, sticker, links.primary(sticker.unit.code), support)
    return bytes(pdf.output())


def _label(pdf: FPDF, x: float, y: float, sticker: Sticker, link: str, support: str) -> None:
    unit = sticker.unit
    pdf.set_draw_color(160, 160, 160)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.rect(x, y, LABEL_W, LABEL_H)
    pdf.set_dash_pattern()
    pdf.image(_qr_png(link), x=x + 3, y=y + (LABEL_H - QR_MM) / 2, w=QR_MM, h=QR_MM)
    left = x + QR_MM + 6
    width = LABEL_W - QR_MM - 9
    pdf.set_xy(left, y + 4)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(width, 4.6, _fit(pdf, unit.name, width, 2), new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7.5)
    kind = f"{sticker.type.name_ru} / {sticker.type.name_en}" if sticker.type else unit.type_id
    lines = [kind, unit.model or "", unit.location or "", sticker.site.name if sticker.site else unit.site_id]
    for line in (v for v in lines if v):
        pdf.multi_cell(width, 3.6, _fit(pdf, line, width, 1), new_x="LEFT", new_y="NEXT")
    pdf.set_y(y + LABEL_H - 22)
    pdf.set_x(left)
    pdf.set_font("DejaVu", "B", 7.5)
    pdf.multi_cell(width, 3.6, "Сломалось? Сканируйте код", new_x="LEFT", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(width, 3.4, "Fault? Scan the code to report it", new_x="LEFT", new_y="NEXT")
    if support:
        pdf.multi_cell(width, 3.2, _fit(pdf, support, width, 2), new_x="LEFT", new_y="NEXT")
    pdf.set_text_color(90, 90, 90)
    pdf.set_font("DejaVu", "", 6.5)
    pdf.multi_cell(width, 3.2, f"eq-{unit.code}", new_x="LEFT", new_y="NEXT")


def _fit(pdf: FPDF, text: str, width: float, lines: int) -> str:
    """The text cut (with an ellipsis) so that it fills at most `lines` lines of `width`."""
    budget = width * lines * 0.95
    if pdf.get_string_width(text) <= budget:
        return text
    while text and pdf.get_string_width(text + "…") > budget:
        text = text[:-1]
    return text.rstrip() + "…"


def links_from_settings(settings: Settings) -> StickerLinks:
    """The sticker links the configuration gives: the client bot, WhatsApp, the web chat page."""
    webchat = settings.webchat_url or (
        f"{settings.public_url.rstrip('/')}/"
        if settings.public_url
        else f"http://{settings.host}:{settings.port}/"
    )
    return StickerLinks(settings.client_bot_username, settings.whatsapp_display_number, webchat)
