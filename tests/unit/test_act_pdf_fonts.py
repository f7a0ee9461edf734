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
    assert module._font_template.cache_info().currsize == 2  # regular and bold, parsed once each
    template = module._font_template("")
    assert len(list(template.subset.items())) <= 2  # the template's own map was never used by a document
