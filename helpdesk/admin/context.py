"""What every admin handler gets: the runtime, templates, session policy, login limits and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aiohttp import web
from jinja2 import Environment

from helpdesk.admin.sessions import SessionPolicy
from helpdesk.admin.usecases import AdminUser, LoginLimits
from ticket_core.ports import UnitOfWork
from ticket_core.sla.config import DEFAULT_CONFIG, SlaConfig
from ticket_core.utc import utcnow

if TYPE_CHECKING:  # the runtime imports the admin
    from helpdesk.runtime import Runtime


@dataclass
class AdminContext:
    """Shared by the admin handlers: the runtime they work on, templates, session policy, limits and clock."""

    rt: Runtime
    env: Environment
    policy: SessionPolicy
    limits: LoginLimits
    clock: Callable[[], datetime] = utcnow


ADMIN_CONTEXT: web.AppKey[AdminContext] = web.AppKey("admin_context", AdminContext)
USER_KEY: web.RequestKey[AdminUser] = web.RequestKey("admin_user", AdminUser)
"""Where the guard leaves the `AdminUser` on the request."""


def sla_config_of(uow: UnitOfWork) -> SlaConfig:
    """The SLA configuration a unit of work carries (the built-in default when SLA tracking is off)."""
    return uow.sla.config if uow.sla is not None else DEFAULT_CONFIG


def admin_context(request: web.Request) -> AdminContext:
    """The admin context of the sub-application serving the request."""
    return request.config_dict[ADMIN_CONTEXT]


def current_user(request: web.Request) -> AdminUser:
    """The signed-in user (the guard has checked the session and the role)."""
    return request[USER_KEY]
