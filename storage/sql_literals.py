"""Fixed words written into a statement's SQL instead of bound as parameters.

A status compared with a literal lets PostgreSQL's generic plan of a prepared statement use the partial indexes
on that status (`status = 'pending'`), and a list of literals is not an expanding parameter, which
`storage.driver_sql` cannot send and SQLAlchemy expands again at every execution.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from sqlalchemy import literal_column

_WORD = re.compile(r"[a-z_]+")


def word(value: str | StrEnum) -> Any:
    """`value` (a status: lower-case letters and underscores only, so nothing needs quoting) as an SQL literal."""
    text = str(value)
    if not _WORD.fullmatch(text):
        raise ValueError(f"not a plain word: {text!r}")
    return literal_column(f"'{text}'")
