"""JSON out: responses with ISO 8601 timestamps and readable non-ASCII text."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any

from aiohttp import web


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data: Any) -> str:
    """Serialise to JSON, keeping non-ASCII text readable."""
    return json.dumps(data, ensure_ascii=False, default=_default)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON response."""
    return web.json_response(data, status=status, headers=headers, dumps=dumps)
