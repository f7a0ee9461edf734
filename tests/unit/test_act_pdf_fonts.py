"""The act PDF's fonts are parsed once per process and copied per document: one document's glyphs never leak
into the next, every act embeds what it prints, and a character the cut-down font lacks is the only loss."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pymupdf

from helpdesk.billing import act_pdf as module
from ticket_core.billing.acts import Act, ActLine
from ticket_core.billing.ledger import Coverage

D = Decimal


def _act(name: str, work: str) -> Act:
    line = ActLine(date(2026, 11, 3), "t1", work, work, D("1.5"), D(2250), Coverage.BILLABLE, D(3375), True)
    return Act("c1", name, "k-1", "2026-11", "RUB", D(20), (line,))


def _text(data: bytes) -> str:
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        return "".join(page.get_text() for page in doc)


def test_each_act_embeds_its_own_text_with_fonts_parsed_once() -> None:
    acts = [
        (_act("Кафе «Ромашка»", "Замена крана, HD-1001"), "ru"),
        (_act("ACME Logistics", "Ball valve, HD-1002"), "en"),
        (_act("Ωμέγα Ltd — Ёлка", "Ремонт №5 → ✓, HD-1003"), "ru"),
    ]
    for act, lang in acts:
        text = _text(module.act_pdf(act, lang))
        assert act.client_name in text and act.lines[0].text(lang) in text, text
        assert ("3\u00a0375 ₽" if lang == "ru" else "3,375 ₽") in text
    # regular and bold, each parsed once per cut: the common one (first two acts) and the wide one (Greek)
    assert module._font_template.cache_info().currsize == 4
    for wide in (False, True):
        template = module._font_template("", wide)
        assert len(list(template.subset.items())) <= 2  # the template's own map was never used by a document


def test_an_act_in_russian_or_english_is_drawn_with_the_common_cut_and_anything_else_with_the_wide() -> None:
    assert not module._needs_wide(_act("ООО «Ёж» №5", "Замена крана — 1,5 ч"), "ru", "ИП Иванов")
    assert not module._needs_wide(_act("ACME Ltd.", "Ball valve…"), "en", "")
    assert module._needs_wide(_act("Ωμέγα Ltd", "x"), "en", "")
    assert module._needs_wide(_act("ACME", "Ремонт → ✓"), "ru", "")
    assert module._needs_wide(_act("ACME", "x"), "ru", "Сервис ✓")


def test_table_text_is_black_after_the_grey_header_and_long_work_is_cut_with_an_ellipsis() -> None:
    """The rows bypass fpdf2's text(); they must still paint text in the text colour, not the header's fill."""
    long_work = "Замена шарового крана на стояке холодной воды в техническом помещении " * 3
    data = module.act_pdf(_act("Кафе", long_work), "ru")
    text = _text(data)
    assert "…" in text and long_work not in text
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        page = doc[0]
        words = [w for w in page.get_text("words") if w[4].startswith("Замена")]
        assert words, page.get_text()
        x0, y0, x1, y1 = words[0][:4]
        pix = page.get_pixmap(dpi=150, clip=pymupdf.Rect(x0, y0, x1, y1))
        darkest = min(min(pix.pixel(x, y)) for x in range(pix.width) for y in range(pix.height))
        assert darkest < 80  # black text; the header's grey fill (230, 234, 240) would leave it light
