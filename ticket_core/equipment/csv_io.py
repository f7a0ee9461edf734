"""The registry as CSV: one unit a line, parsed and checked line by line (pure; no database).

Columns (header on line 1, any order): `site` and `type` and `name` are required; `id` (an existing unit's id
updates it), `model`, `serial`, `inventory_no`, `installed_on` and `warranty_until` (YYYY-MM-DD), `location`,
`contact`, `status` (in_service, under_repair, retired), `photos` (links separated by spaces) and
`field:<name>` for each custom field of the unit's type. `code` is written by export and ignored by import:
sticker codes are made by the registry, never typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ticket_core.csv_cells import GuardedWriter, unguarded
from ticket_core.csv_lines import numbered_lines, reader_of
from ticket_core.equipment.model import FIELD_NAME, EquipmentType, Unit, UnitStatus
from ticket_core.errors import ValueRefused

REQUIRED = ("site", "type", "name")
OPTIONAL = (
    "id",
    "code",
    "model",
    "serial",
    "inventory_no",
    "installed_on",
    "warranty_until",
    "location",
    "contact",
    "status",
    "photos",
)
FIELD_PREFIX = "field:"
MAX_TEXT = 300
MAX_NAME = 200
MAX_PHOTOS = 10
MAX_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class LineError:
    """What is wrong on one line of the file (line 1 is the header): each problem an English template with its
    values, which `dialogue.refusals` says in Russian."""

    line: int
    problems: tuple[ValueRefused, ...]

    @property
    def message(self) -> str:
        """The problems in English, one after another."""
        return "; ".join(str(p) for p in self.problems)

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def line_error(line: int, template: str, /, **params: object) -> LineError:
    """A line with one problem."""
    return LineError(line, (ValueRefused(template, **params),))


@dataclass(slots=True)
class UnitRow:
    """One checked line: the values of a unit as the file gives them."""

    line: int
    site_id: str
    type_id: str
    name: str
    id: str | None = None
    model: str | None = None
    serial: str | None = None
    inventory_no: str | None = None
    installed_on: date | None = None
    warranty_until: date | None = None
    location: str | None = None
    contact: str | None = None
    status: UnitStatus = UnitStatus.IN_SERVICE
    photos: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> tuple[list[UnitRow], list[LineError]]:
    """Read a CSV file's text into rows; every line that cannot be read is reported with its number."""
    if text.startswith("\ufeff"):  # Excel writes a byte-order mark
        text = text[1:]
    reader = reader_of(text)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return [], [line_error(1, "the file is empty; the first line must name the columns")]
    except csv.Error as error:
        return [], [line_error(1, "cannot read the header ({error})", error=str(error))]
    problems = _check_header(header)
    if problems:
        return [], problems
    rows: list[UnitRow] = []
    errors: list[LineError] = []
    for start, values in numbered_lines(reader):
        if isinstance(values, csv.Error):
            errors.append(line_error(start, "cannot read the line ({error})", error=str(values)))
            break
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(line_error(start, "more than {max_rows} lines; split the file", max_rows=MAX_ROWS))
            break
        if len(values) != len(header):
            errors.append(
                line_error(
                    start, "{values} values for {columns} columns", values=len(values), columns=len(header)
                )
            )
            continue
        row, row_errors = row_from_values(
            start, dict(zip(header, (unguarded(v.strip()) for v in values), strict=True))
        )
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
    return rows, errors


def _check_header(header: list[str]) -> list[LineError]:
    problems: list[LineError] = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(line_error(1, "missing column(s): {columns}", columns=", ".join(missing)))
    for name in header:
        if name.startswith(FIELD_PREFIX):
            if not FIELD_NAME.match(name[len(FIELD_PREFIX) :]):
                problems.append(
                    line_error(
                        1, "bad custom field column '{column}': use field:<lowercase_name>", column=name
                    )
                )
        elif name not in REQUIRED and name not in OPTIONAL:
            problems.append(
                line_error(
                    1, "unknown column '{column}'; custom fields are written as field:<name>", column=name
                )
            )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append(line_error(1, "column(s) given twice: {columns}", columns=", ".join(duplicated)))
    return problems


def row_from_values(line: int, values: dict[str, str]) -> tuple[UnitRow | None, list[LineError]]:
    """One unit's values (CSV column -> text, as a line, a form or a JSON body gives them) checked into a row."""
    errors: list[ValueRefused] = []

    def text(name: str, max_len: int = MAX_TEXT, *, required: bool = False) -> str | None:
        value = values.get(name) or ""
        if not value:
            if required:
                errors.append(ValueRefused("{column} is empty", column=name))
            return None
        if len(value) > max_len:
            errors.append(
                ValueRefused("{column} is longer than {max_len} characters", column=name, max_len=max_len)
            )
            return None
        return value

    def day(name: str) -> date | None:
        value = values.get(name) or ""
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            errors.append(
                ValueRefused("{column} '{value}' is not a date; write YYYY-MM-DD", column=name, value=value)
            )
            return None

    status = UnitStatus.IN_SERVICE
    if values.get("status"):
        try:
            status = UnitStatus(values["status"].lower())
        except ValueError:
            choices = ", ".join(s.value for s in UnitStatus)
            errors.append(
                ValueRefused(
                    "status '{value}' is not one of {choices}", value=values["status"], choices=choices
                )
            )
    photos = tuple((values.get("photos") or "").split())
    if len(photos) > MAX_PHOTOS:
        errors.append(ValueRefused("more than {max_photos} photos", max_photos=MAX_PHOTOS))
    if any(not p.startswith(("https://", "http://")) or len(p) > 500 for p in photos):
        errors.append(ValueRefused("photos must be http(s) links separated by spaces"))
    installed_on, warranty_until = day("installed_on"), day("warranty_until")
    if installed_on and warranty_until and warranty_until < installed_on:
        errors.append(ValueRefused("warranty_until is before installed_on"))
    row = UnitRow(
        line=line,
        site_id=text("site", 64, required=True) or "",
        type_id=(text("type", 32, required=True) or "").lower(),
        name=text("name", MAX_NAME, required=True) or "",
        id=text("id", 64),
        model=text("model"),
        serial=text("serial", 100),
        inventory_no=text("inventory_no", 100),
        installed_on=installed_on,
        warranty_until=warranty_until,
        location=text("location"),
        contact=text("contact"),
        status=status,
        photos=photos,
        fields={
            k[len(FIELD_PREFIX) :]: v[:MAX_TEXT]
            for k, v in values.items()
            if k.startswith(FIELD_PREFIX) and v
        },
    )
    if errors:
        return None, [LineError(line, tuple(errors))]
    return row, []


def check_fields(row: UnitRow, equipment_type: EquipmentType) -> ValueRefused | None:
    """What is wrong with a row's custom fields for its type, or None."""
    unknown = sorted(set(row.fields) - set(equipment_type.fields))
    if unknown:
        allowed = ", ".join(equipment_type.fields) or "none"
        return ValueRefused(
            "type {type} has no field(s) {fields} (its fields: {allowed})",
            type=equipment_type.id,
            fields=", ".join(unknown),
            allowed=allowed,
        )
    return None


def write(units: Iterable[Unit], types: Sequence[EquipmentType]) -> str:
    """The units as CSV text that `parse` reads back (with the sticker codes, which import ignores)."""
    custom = sorted({f for t in types for f in t.fields})
    out = io.StringIO()
    writer = GuardedWriter(out, lineterminator="\n")  # names and locations are typed by people
    writer.writerow(["id", "code", *REQUIRED, *OPTIONAL[2:], *(FIELD_PREFIX + f for f in custom)])
    for u in units:
        writer.writerow(
            [
                u.id,
                u.code,
                u.site_id,
                u.type_id,
                u.name,
                u.model or "",
                u.serial or "",
                u.inventory_no or "",
                u.installed_on.isoformat() if u.installed_on else "",
                u.warranty_until.isoformat() if u.warranty_until else "",
                u.location or "",
                u.contact or "",
                u.status.value,
                " ".join(u.photos),
                *(u.fields.get(f, "") for f in custom),
            ]
        )
    return out.getvalue()
