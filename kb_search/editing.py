"""Admin edits shared by the CLI, the REST API and the staff bot's /kb command: one field at a time."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from kb_search.model import Article, KbError

EDITABLE_FIELDS = ("title", "body", "audience", "lang", "tags")


def edit_field(article: Article, field: str, value: str) -> Article:
    """Return `article` with one field changed and validated; raise `KbError` saying what to fix.

    `tags` takes a comma-separated list. Status changes go through `set_status` (publish/unpublish).
    """
    if field not in EDITABLE_FIELDS:
        raise KbError(f"cannot edit {field!r}: choose one of {', '.join(EDITABLE_FIELDS)}")
    if not isinstance(value, str):
        raise KbError(f"the new {field} must be text")
    new_value: Any = tuple(t.strip() for t in value.split(",") if t.strip()) if field == "tags" else value
    return replace(article, **{field: new_value}).validated()
