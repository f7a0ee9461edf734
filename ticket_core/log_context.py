"""What the running task works on, for its log lines: the update, the chat, the ticket (contextvars).

A turn (`helpdesk.inbox`) opens a context with the update id and the chat; whatever loads or opens a ticket
in that task (the ticket repository) adds the ticket's number. The log formatter (`helpdesk.logging_setup`)
puts the fields on every line logged meanwhile, in any module, without passing them around. Outside a
context, `bind` does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_FIELDS: ContextVar[dict[str, object] | None] = ContextVar("helpdesk_log_fields", default=None)


@contextmanager
def log_context(**fields: object) -> Iterator[dict[str, object]]:
    """Log lines of this task (and of tasks it starts) carry `fields` until the block ends."""
    outer = _FIELDS.get()
    merged = dict(outer or {})
    merged.update({name: value for name, value in fields.items() if value is not None})
    token = _FIELDS.set(merged)
    try:
        yield merged
    finally:
        _FIELDS.reset(token)


def bind(**fields: object) -> None:
    """Add `fields` to the current context (the ticket a turn turned out to be about); none: no effect."""
    current = _FIELDS.get()
    if current is not None:
        current.update({name: value for name, value in fields.items() if value is not None})


def log_fields() -> dict[str, object]:
    """The fields of the current context (empty outside one)."""
    return dict(_FIELDS.get() or {})
