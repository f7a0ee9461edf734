"""What an act PDF shows (#18): the contract by its name, and totals that stay inside their cells however large."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pymupdf
import pytest

from helpdesk.billing.act_pdf import act_pdf
from ticket_core.billing.acts import Act, ActLine
from ticket_core.billing.ledger import Coverage

D = Decimal
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "billing"


def _act(amount: Decimal) -> Act:
    line = ActLine(
        date(2026, 11, 3), "t1", "Работа инженера L2, HD-1001", "Engineer's work, L2, HD-1001", D(40),
        amount / 40, Coverage.BILLABLE, amount, True,
    )  # fmt: skip
    return Act(
        "romashka",
        "Кафе «Ромашка»",
        "k-romashka",
        "2026-11",
        "RUB",
        D(20),
        (line,),
        "Ромашка: инженерные системы",
    )


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_the_act_names_the_contract_not_its_id(lang: str) -> None:
    with pymupdf.open(stream=act_pdf(_act(D(3375)), lang), filetype="pdf") as doc:
        text = doc[0].get_text()
    assert "Ромашка: инженерные системы" in text and "k-romashka" not in text, text


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_large_total_does_not_run_into_its_label(lang: str) -> None:
    act = _act(D("1234567.50"))  # a year of a big client's work: 1 481 481 ₽ with VAT
    label, total = (
        ("Всего к оплате", "1\u00a0481\u00a0481 ₽") if lang == "ru" else ("Total due", "1,481,481 ₽")
    )
    with pymupdf.open(stream=act_pdf(act, lang), filetype="pdf") as doc:
        page = doc[0]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.get_pixmap(dpi=110).save(str(ARTIFACTS / f"act-large-total-{lang}.png"))
        width = page.rect.width
        spans = [
            pymupdf.Rect(s["bbox"])
            for block in page.get_text("dict")["blocks"]
            for row in block.get("lines", [])
            for s in row["spans"]
            if s["text"].strip() in (label, total)
        ]
    assert len(spans) == 2, spans  # two spans: drawn over each other they are read as one
    left, right = sorted(spans, key=lambda r: r.x0)
    assert left.x1 <= right.x0, f"the total {right} overlaps its label {left}"
    assert right.x1 <= width - 10, f"the total {right} runs off the page"
