"""The admin's route table: each route names the area it belongs to, and the guard checks only that."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from helpdesk.admin.access import Area

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class AdminRoute:
    """One page or form action; `area` None means public (the login form)."""

    method: str
    path: str
    name: str
    area: Area | None
    handler: Handler


@dataclass
class RouteTable:
    """Routes collected by the `route` decorator of each view module."""

    routes: list[AdminRoute] = field(default_factory=list)

    def route(self, method: str, path: str, name: str, area: Area | None) -> Callable[[Handler], Handler]:
        """Register a handler for `method path` (relative to /admin) in `area`."""

        def register(handler: Handler) -> Handler:
            self.routes.append(AdminRoute(method, path, name, area, handler))
            return handler

        return register
