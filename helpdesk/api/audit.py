"""Write an API audit entry in the transaction of the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from helpdesk.api.auth import Principal
from storage.api_tokens import SqlApiAudit


async def record(
    uow: Any,
    principal: Principal,
    request: web.Request,
    now: datetime,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append who (token name) did what to which target through which request."""
    await SqlApiAudit(uow.session).add(
        now, principal.name, request.method, request.path, action, target, detail
    )
