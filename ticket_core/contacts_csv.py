"""A client's contacts as CSV: one person a line, parsed and checked line by line (pure; no database).

Columns (header on line 1, any order, Russian or English names): `name` is required; `email`, `phone` (read
by `phonenumbers`, stored as E.164 like every phone), `manager` (yes/no, да/нет, 1/0), `site` (the id or the
name of one of the client's sites) and `lang` (ru, en). A line needs an address or a phone: that is how the
person is found across channels. An empty cell leaves an existing contact's value as it is. Each problem is a
`ValueRefused` (an English template and its fields), so the admin and the CLI say it in the reader's language
(`ticket_core/locale/ru/LC_MESSAGES/ticket_core.po`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from ticket_core.csv_cells import unguarded
from ticket_core.csv_lines import numbered_lines, reader_of
from ticket_core.errors import DomainError, ValueRefused
from ticket_core.phones import to_e164
from ticket_core.usecases.contacts import EMAIL  # the address rule of the contact's form

MAX_ROWS = 5000
MAX_NAME = 200
MAX_EMAIL = 254
COLUMNS = ("name", "email", "phone", "manager", "site", "lang")
ALIASES = {
    "имя": "name",
    "фио": "name",
    "почта": "email",
    "e-mail": "email",
    "телефон": "phone",
    "руководитель": "manager",
    "объект": "site",
    "язык": "lang",
}
YES = frozenset({"yes", "y", "true", "1", "да", "д", "+"})
NO = frozenset({"no", "n", "false", "0", "нет", "н", "-"})
LANGS = ("ru", "en")


@dataclass(frozen=True, slots=True)
class ContactLineError:
    """Everything wrong on one line of the file (line 1 is the header); each problem a refusal of its own."""

    line: int
    problems: tuple[ValueRefused | DomainError, ...]

    def __str__(self) -> str:
        return f"line {self.line}: " + " ".join(str(p) for p in self.problems)


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One checked line: what the file says of a person (None: the cell was empty)."""

    line: int
    name: str
    email: str | None = None
    phone: str | None = None
    manager: bool | None = None
    site: str | None = None  # as typed: a site's id or name, looked up by the use case
    lang: str | None = None


def parse(text: str) -> tuple[list[ContactRow], list[ContactLineError]]:
    """Read a CSV file's text into rows; every line that cannot be read is reported with its number."""
    if text.startswith("\ufeff"):  # Excel writes a byte-order mark
        text = text[1:]
    reader = reader_of(text)
    try:
        header = [_column(h) for h in next(reader)]
    except StopIteration:
        return [], [
            ContactLineError(1, (ValueRefused("The file is empty; its first line must name the columns."),))
        ]
    except csv.Error:
        return [], [ContactLineError(1, (ValueRefused("The first line cannot be read as CSV."),))]
    problems = _check_header(header)
    if problems:
        return [], [ContactLineError(1, tuple(problems))]
    rows: list[ContactRow] = []
    errors: list[ContactLineError] = []
    for start, values in numbered_lines(reader):
        if isinstance(values, csv.Error):
            errors.append(ContactLineError(start, (ValueRefused("This line cannot be read as CSV."),)))
            break
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(
                ContactLineError(
                    start, (ValueRefused("More than {max_rows} lines; split the file.", max_rows=MAX_ROWS),)
                )
            )
            break
        if len(values) != len(header):
            errors.append(
                ContactLineError(
                    start,
                    (
                        ValueRefused(
                            "{found} values for {columns} columns.", found=len(values), columns=len(header)
                        ),
                    ),
                )
            )
            continue
        row, wrong = row_from_values(
            start, dict(zip(header, (unguarded(v.strip()) for v in values), strict=True))
        )
        if wrong:
            errors.append(ContactLineError(start, tuple(wrong)))
        elif row is not None:
            rows.append(row)
    return rows, errors


def _column(name: str) -> str:
    text = name.strip().lower()
    return ALIASES.get(text, text)


def _check_header(header: list[str]) -> list[ValueRefused]:
    problems: list[ValueRefused] = []
    if "name" not in header:
        problems.append(ValueRefused("The file has no name column; the first line must name the columns."))
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        problems.append(
            ValueRefused(
                "Unknown column(s): {columns}. The columns are: {known}.",
                columns=", ".join(repr(h) for h in unknown),
                known=", ".join(COLUMNS),
            )
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append(ValueRefused("Column(s) given twice: {columns}.", columns=", ".join(duplicated)))
    return problems


def row_from_values(line: int, values: dict[str, str]) -> tuple[ContactRow | None, list[ValueRefused]]:
    """One person's values (column -> text) checked into a row, or every problem of the line."""
    problems: list[ValueRefused] = []
    name = values.get("name", "")
    if not name:
        problems.append(ValueRefused("The name is empty."))
    elif len(name) > MAX_NAME:
        problems.append(ValueRefused("The name is longer than {max_len} characters.", max_len=MAX_NAME))
    email = values.get("email", "").lower() or None
    if email is not None and (len(email) > MAX_EMAIL or not EMAIL.match(email)):
        problems.append(
            ValueRefused(
                "'{address}' is not a mail address; write it as name@company.ru.", address=email[:60]
            )
        )
        email = None
    typed_phone = values.get("phone", "")
    phone = to_e164(typed_phone) if typed_phone else None
    if typed_phone and phone is None:
        problems.append(
            ValueRefused(
                "'{phone}' is not a phone number; write it as +7 916 123-45-67.", phone=typed_phone[:40]
            )
        )
    if not values.get("email") and not typed_phone:
        problems.append(ValueRefused("Give a mail address or a phone: that is how the person is found."))
    manager: bool | None = None
    typed_manager = values.get("manager", "").lower()
    if typed_manager in YES:
        manager = True
    elif typed_manager in NO:
        manager = False
    elif typed_manager:
        problems.append(
            ValueRefused("Manager '{value}': write yes or no.", value=values.get("manager", "")[:20])
        )
    lang = values.get("lang", "").lower() or None
    if lang is not None and lang not in LANGS:
        problems.append(ValueRefused("Language '{value}': write ru or en.", value=lang[:20]))
    site = values.get("site", "") or None
    if site is not None and len(site) > MAX_NAME:
        problems.append(ValueRefused("The site is longer than {max_len} characters.", max_len=MAX_NAME))
    if problems:
        return None, problems
    return ContactRow(line, name, email, phone, manager, site, lang), []
