"""A page or API call that met a database that is down or out of connections answers 503 with Retry-After.

That is not a bug of ours (a 500 with "tell the operator") but a moment to wait: browsers, the portal's
clients and API callers are told when to try again, and nothing was changed (the unit of work rolled back).
"""

from __future__ import annotations

from aiohttp import web

from storage.transient import is_transient

RETRY_AFTER_S = 5

__all__ = ["RETRY_AFTER_S", "is_transient", "unavailable"]


def unavailable(response: web.Response) -> web.Response:
    """`response` (a 503 page or JSON error) with the Retry-After header."""
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response
