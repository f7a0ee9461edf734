"""Write an API audit entry in the transaction of the change it describes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from helpdesk.api.auth import Principal
from storage.uow import SqlUnitOfWork


async def record(
    uow: SqlUnitOfWork,
    principal: Principal,
    request: web.Request,
    now: datetime,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append who (token name) did what to which target through which request."""
    await uow.api_audit.add(now, principal.name, request.method, request.path, action, target, detail)
