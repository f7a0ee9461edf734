"""Case-insensitive "contains" for searches people type, in any alphabet, on both databases.

SQLite's LOWER() and LIKE fold ASCII letters only, so "принтер" never found "Принтер" there. SQLite gets
`hd_lower` (Python's `str.lower`, registered on every connection by `storage.db`) on both sides of LIKE;
PostgreSQL keeps ILIKE, which folds every alphabet under a UTF-8 ctype and can use a trigram index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

LOWER_FUNCTION = "hd_lower"
"""The SQLite function `register_sqlite_functions` adds."""


def unicode_lower(value: object) -> object:
    """`value` lower-cased in every alphabet (what SQLite's own LOWER does for ASCII only); NULL stays NULL."""
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Add `hd_lower` to a new SQLite connection (deterministic, so SQLite may use it in any statement)."""
    dbapi_connection.create_function(LOWER_FUNCTION, 1, unicode_lower, deterministic=True)


def escape_like(value: str) -> str:
    """`value` with LIKE's wildcards (and the escape character) taken literally under ESCAPE '\\'."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ContainsText(ColumnElement[bool]):
    """`column` contains `text`, any case, any alphabet; `%` and `_` in `text` are plain characters."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], text: str) -> None:
        self.column = column
        # A bound parameter: the statement's cache key does not depend on what was typed.
        self.pattern = literal(f"%{escape_like(text.lower())}%")


@compiles(ContainsText)
def _contains_ilike(element: ContainsText, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.ilike(element.pattern, escape="\\"), **kw)


@compiles(ContainsText, "sqlite")
def _contains_sqlite(element: ContainsText, compiler: SQLCompiler, **kw: Any) -> str:
    folded = getattr(func, LOWER_FUNCTION)(element.column)
    return compiler.process(folded.like(element.pattern, escape="\\"), **kw)


def contains_text(column: ColumnElement[Any], text: str) -> ColumnElement[bool]:
    """A WHERE clause: `column` contains `text` whatever the case, in Russian as in English."""
    return ContainsText(column, text)
