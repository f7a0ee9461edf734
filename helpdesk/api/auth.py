"""Bearer-token authentication: who is calling, checked against the stored sha256 of the token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from helpdesk.api.context import ApiContext
from helpdesk.api.errors import ApiError
from helpdesk.api.tokens import TOKEN_PREFIX, hash_token
from storage.api_tokens import SqlApiTokenRepository
from ticket_core.enums import Role
from ticket_core.model import Actor

TOUCH_EVERY = timedelta(minutes=1)
_HOW = "Send `Authorization: Bearer <token>`; an admin creates one with `helpdesk api-token create NAME --scopes ...`."


@dataclass(frozen=True, slots=True)
class Principal:
    """The integration behind a request: its token's id, name and scopes."""

    token_id: str
    name: str
    scopes: tuple[str, ...]

    @property
    def author(self) -> str:
        """How the integration is named in KB history and the audit: "api:<token name>"."""
        return f"api:{self.name}"

    def actor(self) -> Actor:
        """The actor ticket use cases see: a supervisor, so it may open, comment on and cancel tickets."""
        return Actor(Role.SUPERVISOR, self.author, name=f"API {self.name}")


ANONYMOUS = Principal("", "anonymous", ())
"""Passed to public endpoints (the OpenAPI document and its HTML page)."""


def bearer_token(request: web.Request) -> str:
    """The token from the Authorization header, or a 401 saying what is wrong with it."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise ApiError(401, "missing_token", f"No API token. {_HOW}")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "malformed_token", f"The Authorization header is not a bearer token. {_HOW}")
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise ApiError(401, "unknown_token", f"This token is not valid. {_HOW}")
    return token


async def authenticate(ctx: ApiContext, request: web.Request) -> Principal:
    """Resolve the request's token to a principal; raise a 401 for a missing, unknown or revoked token.

    The token is found through the runtime's `TokenCache` (no round trip while cached, on PostgreSQL); its
    `last_used_at` is written at most once a minute per process, in a transaction of its own.
    """
    token = bearer_token(request)
    record = await ctx.rt.api_tokens.find(hash_token(token))
    if record is None:
        raise ApiError(401, "unknown_token", f"This token is not valid. {_HOW}")
    if not record.active:
        raise ApiError(
            401,
            "revoked_token",
            f"Token {record.name!r} was revoked; ask an admin for a new one "
            "(`helpdesk api-token create NAME --scopes ...`).",
        )
    now = ctx.clock()
    last = ctx.touched.get(record.id)
    if last is None or now - last >= TOUCH_EVERY:
        ctx.touched[record.id] = now
        async with ctx.rt.sessions() as session:
            await SqlApiTokenRepository(session).touch(record.id, now)
            await session.commit()
    return Principal(record.id, record.name, record.scopes)
