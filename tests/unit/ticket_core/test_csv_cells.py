"""Exports opened in a spreadsheet never run what people typed (CSV injection): acts, reports, equipment."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from ticket_core.billing.acts import Act, act_csv
from ticket_core.csv_cells import guarded, unguarded
from ticket_core.equipment import csv_io
from ticket_core.equipment.model import EquipmentType, Unit, new_code
from ticket_core.reports.csv import report_to_csv
from ticket_core.reports.model import Figures, GroupBy, Report, ReportFilter, ReportRow

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ATTACKS = ['=HYPERLINK("http://evil.test","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1"]


@pytest.mark.parametrize("text", ATTACKS)
def test_a_formula_is_written_as_text_and_read_back_as_typed(text: str) -> None:
    assert guarded(text) == "'" + text
    assert unguarded(str(guarded(text))) == text


@pytest.mark.parametrize(
    "value", ["-500.00", "+12", "-0,5", "1e3", "plain text", "'quoted already", 42, None]
)
def test_numbers_and_plain_text_are_left_alone(value: object) -> None:
    assert guarded(value) == value


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_an_equipment_export_guards_names_and_its_import_reads_them_back() -> None:
    ac = EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac")
    unit = Unit("u1", new_code(), "acme", "hq", "ac", ATTACKS[0], NOW, NOW, location="@SUM(A1)")
    text = csv_io.write([unit], [ac])
    assert not any(cell.startswith(("=", "@")) for cell in _cells(text))
    rows, errors = csv_io.parse(text)
    assert errors == [] and rows[0].name == ATTACKS[0] and rows[0].location == "@SUM(A1)"


def test_an_act_guards_notes_and_keeps_negative_amounts_numbers() -> None:
    from ticket_core.billing.acts import ActLine
    from ticket_core.billing.ledger import Coverage

    line = ActLine(
        day=date(2026, 11, 3),
        ticket_id="t1",
        text_ru="Работа",
        text_en="Work",
        quantity=Decimal("1"),
        unit_price=Decimal("500.00"),
        coverage=Coverage.BILLABLE,
        amount=Decimal("-500.00"),
        hours=True,
        note="=1+1",
    )
    act = Act("c1", "Client", "k1", "2026-11", "RUB", Decimal(0), (line,))
    cells = _cells(act_csv(act, "en"))
    assert "'=1+1" in cells and "-500.00" in cells


def test_a_reports_labels_are_guarded() -> None:
    period = ReportFilter(NOW, NOW + timedelta(days=1))
    report = Report(period, GroupBy.CLIENT, Figures(), [ReportRow("c1", "=cmd()", Figures())], NOW)
    assert "'=cmd()" in _cells(report_to_csv(report))
