"""CSV files people open in a spreadsheet: text that would start a formula is written so it stays text.

A cell typed by a client or staff member ("=HYPERLINK(...)", "+7...", "@SUM(...)") would otherwise run as a
formula when an act or an export is opened in Excel or LibreOffice (CSV injection, OWASP). Such a text cell
is written with a leading apostrophe, which spreadsheets hide and treat as "this is text". Numbers (a
negative amount "-500.00", a phone "+79161234567" is text and is guarded) are left as they are, so sums
still work. `unguarded` takes the apostrophe off again where the file is read back (the equipment import).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def guarded(value: object) -> object:
    """The cell as it should be written: a text that a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def unguarded(text: str) -> str:
    """A cell as read back: the apostrophe `guarded` added is taken off (only before a formula start)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class GuardedWriter:
    """`csv.writer` whose rows are written through `guarded`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer: _Writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row, each text cell guarded."""
        self._writer.writerow([guarded(cell) for cell in row])
