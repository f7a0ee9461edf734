"""The registry's CSV: every unreadable line named by its number; what `write` writes, `parse` reads back."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ticket_core.equipment import csv_io
from ticket_core.equipment.model import EquipmentType, Unit, UnitStatus, find_code, new_code

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def test_good_lines_become_rows_with_their_numbers() -> None:
    text = (
        "\ufeffSite;Type;Name;Installed_on;Status;Photos;field:btu\n"
        "hq;AC;Hall;2024-05-01;under_repair;https://x.test/a.jpg https://x.test/b.jpg;9000\n"
        "\n"
        'hq;printer;"Front; left";;;;\n'
    )
    rows, errors = csv_io.parse(text)
    assert errors == []
    assert [(r.line, r.type_id, r.name) for r in rows] == [(2, "ac", "Hall"), (4, "printer", "Front; left")]
    assert rows[0].installed_on == date(2024, 5, 1) and rows[0].status is UnitStatus.UNDER_REPAIR
    assert rows[0].photos == ("https://x.test/a.jpg", "https://x.test/b.jpg") and rows[0].fields == {
        "btu": "9000"
    }
    assert rows[1].fields == {}


def test_every_bad_line_is_named() -> None:
    text = (
        "site,type,name,installed_on,warranty_until,status,photos\n"
        "hq,ac,A,2024-13-01,,,\n"
        "hq,ac,,,,,\n"
        "hq,ac,B,2024-02-01,2023-01-01,broken,ftp://x\n"
        "hq,ac\n"
        "hq,ac,C,,,,\n"
    )
    rows, errors = csv_io.parse(text)
    assert [r.line for r in rows] == [6]
    assert [str(e) for e in errors] == [
        "line 2: installed_on '2024-13-01' is not a date; write YYYY-MM-DD",
        "line 3: name is empty",
        "line 4: status 'broken' is not one of in_service, under_repair, retired; "
        "photos must be http(s) links separated by spaces; warranty_until is before installed_on",
        "line 5: 2 values for 7 columns",
    ]


def test_a_bad_header_is_line_one() -> None:
    assert csv_io.parse("")[1][0].line == 1
    _, errors = csv_io.parse("site,kind,name,field:Bad Name\nhq,ac,A,1\n")
    assert [str(e) for e in errors] == [
        "line 1: missing column(s): type",
        "line 1: unknown column 'kind'; custom fields are written as field:<name>",
        "line 1: bad custom field column 'field:bad name': use field:<lowercase_name>",
    ]


def test_write_reads_back_and_custom_fields_are_checked_per_type() -> None:
    ac = EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac", ("btu",))
    unit = Unit(
        "u1",
        new_code(),
        "acme",
        "hq",
        "ac",
        'Hall "A", 2nd',
        NOW,
        NOW,
        serial="S1",
        warranty_until=date(2027, 1, 1),
        photos=("https://x.test/1.jpg",),
        fields={"btu": "9000"},
    )
    rows, errors = csv_io.parse(csv_io.write([unit], [ac]))
    assert errors == [] and rows[0].id == "u1" and rows[0].name == 'Hall "A", 2nd'
    assert rows[0].fields == {"btu": "9000"} and rows[0].warranty_until == date(2027, 1, 1)
    assert csv_io.check_fields(rows[0], ac) is None
    printer = EquipmentType("printer", "Принтер", "Printer", "printer")
    assert str(csv_io.check_fields(rows[0], printer)) == "type printer has no field(s) btu (its fields: none)"


def test_sticker_codes_are_random_and_found_in_messages() -> None:
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000 and all(len(c) == 12 for c in codes)
    # A command line takes a leading "-" for an option (`helpdesk equipment show <code>` failed for 1 in 64).
    assert not any(c.startswith("-") for c in codes)
    code = next(iter(codes))
    assert find_code(f"/start eq-{code}") == code
    assert find_code(f"Report a fault eq-{code} please") == code
    assert find_code(f"eq-{code}x") is None and find_code("eq-short") is None and find_code("") is None
