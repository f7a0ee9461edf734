"""Pagination: `limit` and `offset` query parameters and the page envelope every list answers with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from helpdesk.api.fields import query_int

MAX_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of a list to return."""

    limit: int
    offset: int

    @classmethod
    def from_request(cls, request: web.Request) -> Page:
        """Read `limit` (1-200, default 50) and `offset` (default 0); 400 naming a bad one."""
        return cls(
            query_int(request, "limit", 50, low=1, high=MAX_LIMIT),
            query_int(request, "offset", 0, low=0, high=10_000_000),
        )

    def envelope(self, items: Sequence[Any], total: int) -> dict[str, Any]:
        """`{"items", "total", "limit", "offset", "next_offset"}`; next_offset is null on the last page."""
        following = self.offset + len(items)
        return {
            "items": list(items),
            "total": total,
            "limit": self.limit,
            "offset": self.offset,
            "next_offset": following if following < total else None,
        }
