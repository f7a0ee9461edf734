"""What every portal handler gets: the runtime, templates, session policy, link limits, the clock; and who is
signed in (`PortalUser`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from jinja2 import Environment

from dialogue.portal_link import PortalLinkPolicy
from helpdesk.admin.sessions import SessionPolicy
from helpdesk.settings import Settings
from storage.portal_store import PortalSession
from storage.uow import SqlUnitOfWork
from ticket_core.enums import Role
from ticket_core.model import Actor, Client, Contact, SiteScope
from ticket_core.utc import utcnow

if TYPE_CHECKING:  # the runtime imports the portal
    from helpdesk.runtime import Runtime


@dataclass(frozen=True, slots=True)
class LinkLimits:
    """How long a login link lives and how often one may be asked for."""

    link_ttl: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(minutes=15)
    per_contact: int = 3  # links sent to one person per window (whoever asks)
    per_address: int = 10  # requests from one IP address per window (known people or not)


def portal_link_policy(settings: Settings) -> PortalLinkPolicy | None:
    """What a chat's `/portal` gives (`dialogue.portal_link`): links to PORTAL_URL, else PUBLIC_URL, within the
    sign-in page's own per-contact limit; None when neither address is set (a link to a guessed host is not
    sent)."""
    base = settings.portal_url or settings.public_url
    if not base:
        return None
    limits = LinkLimits()
    return PortalLinkPolicy(base, limits.link_ttl, limits.per_contact, limits.window)


@dataclass(frozen=True, slots=True)
class PortalUser:
    """The client's contact behind a live portal session."""

    contact: Contact
    client: Client
    session: PortalSession

    @property
    def actor(self) -> Actor:
        """The actor every use case sees: a client's contact with their site scope."""
        c = self.contact
        return Actor(Role.CLIENT, c.id, c.client_id, c.name, SiteScope.of(c))


@dataclass
class PortalContext:
    """Shared by the portal handlers."""

    rt: Runtime
    env: Environment
    policy: SessionPolicy
    limits: LinkLimits
    base_url: str | None  # where login links point (PORTAL_URL, else PUBLIC_URL); None: this host if local
    clock: Callable[[], datetime] = utcnow


PORTAL_CONTEXT: web.AppKey[PortalContext] = web.AppKey("portal_context", PortalContext)
USER_KEY: web.RequestKey[PortalUser] = web.RequestKey("portal_user", PortalUser)


def portal_context(request: web.Request) -> PortalContext:
    """The portal context of the sub-application serving the request."""
    return request.config_dict[PORTAL_CONTEXT]


UOW_KEY: web.RequestKey[SqlUnitOfWork] = web.RequestKey("portal_uow", SqlUnitOfWork)
"""The unit of work the guard resumed the session in, for a page that reads in it (`reads_in_guard`)."""


def page_uow(request: web.Request) -> AbstractAsyncContextManager[SqlUnitOfWork]:
    """The unit of work a page reads in: the guard's, which already holds the session (one transaction and
    two fewer round trips to the database per page), else a new one."""
    uow = request.get(UOW_KEY)
    return nullcontext(uow) if uow is not None else portal_context(request).rt.uows()


def current_user(request: web.Request) -> PortalUser:
    """The signed-in contact (the guard has checked the session)."""
    return request[USER_KEY]
