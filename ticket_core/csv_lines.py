"""Reading a CSV file that people made (Excel or by hand) line by line, for the imports that name every bad line
by its number (`contacts_csv`, `equipment.csv_io`): the delimiter it uses, and its lines with their numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any


def reader_of(text: str) -> Any:
    """A csv reader of `text`, with ';' as the delimiter when the file's start has more of them than commas
    (Excel in a Russian locale writes ';')."""
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def numbered_lines(reader: Any) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """The reader's remaining non-blank lines, each with the number of the line it starts on (a quoted value
    may span lines). A line csv cannot read is yielded as its error, and nothing after it."""
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, error
            return
        line = reader.line_num
        if any(v.strip() for v in values):  # blank lines are allowed
            yield start, values
