"""The portal's route table: each view module registers its pages with the `route` decorator."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class PortalRoute:
    """One page or form action; `public` pages need no session (the login form, the link's page)."""

    method: str
    path: str
    name: str
    public: bool
    handler: Handler
    reads_in_guard: bool = False  # a page that only reads: it gets the guard's unit of work (`page_uow`)


@dataclass
class RouteTable:
    """Routes collected by the `route` decorator of each view module."""

    routes: list[PortalRoute] = field(default_factory=list)

    def route(
        self, method: str, path: str, name: str, *, public: bool = False, reads_in_guard: bool = False
    ) -> Callable[[Handler], Handler]:
        """Register a handler for `method path` (relative to /portal); `reads_in_guard`: a GET page that reads
        in the guard's unit of work and opens no other (SQLite has one writer lock per process)."""

        def register(handler: Handler) -> Handler:
            self.routes.append(PortalRoute(method, path, name, public, handler, reads_in_guard))
            return handler

        return register
