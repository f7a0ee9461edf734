"""The endpoint table: each handler is declared once with its path, scope, parameters and schemas.

The same declarations register the aiohttp routes and generate the OpenAPI document, so the document
cannot drift from what is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from helpdesk.api.tokens import Scope

if TYPE_CHECKING:
    from helpdesk.api.auth import Principal
    from helpdesk.api.context import ApiContext

Handler = Callable[["ApiContext", web.Request, "Principal"], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Param:
    """A path or query parameter."""

    name: str
    where: str  # "path" | "query"
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


def path(name: str, description: str, schema: dict[str, Any] | None = None) -> Param:
    """A (required) path parameter."""
    return Param(name, "path", description, schema or {"type": "string"}, True)


def query(name: str, description: str, schema: dict[str, Any] | None = None) -> Param:
    """An optional query parameter."""
    return Param(name, "query", description, schema or {"type": "string"})


PAGE_PARAMS = (
    query(
        "limit", "Items per page (1-200).", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    ),
    query("offset", "Items to skip.", {"type": "integer", "minimum": 0, "default": 0}),
)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation: how it is reached, what it needs and what it answers."""

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    scope: Scope | None
    handler: Handler
    params: tuple[Param, ...] = ()
    body: str | None = None
    """Component schema name of the JSON request body."""
    ok: int = 200
    response: str | None = None
    """Component schema name of the success body; None for an empty answer."""
    errors: tuple[int, ...] = ()
    """Statuses this operation may answer besides the ones every authenticated call may (401, 403, 429)."""
    description: str = ""


class RouteTable:
    """Collects endpoints declared with the `route` decorator."""

    def __init__(self) -> None:
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path_: str,
        *,
        summary: str,
        tag: str,
        scope: Scope | None,
        params: tuple[Param, ...] = (),
        body: str | None = None,
        ok: int = 200,
        response: str | None = None,
        errors: tuple[int, ...] = (),
        description: str = "",
    ) -> Callable[[Handler], Handler]:
        """Declare the decorated handler as an endpoint."""

        def decorate(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(
                    method.upper(),
                    path_,
                    handler.__name__,
                    summary,
                    tag,
                    scope,
                    handler,
                    params,
                    body,
                    ok,
                    response,
                    errors,
                    description or (handler.__doc__ or "").strip(),
                )
            )
            return handler

        return decorate
