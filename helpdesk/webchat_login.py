"""The staff web chat's login: the web admin's session, carried to the chat by a signed cookie.

The admin session cookie is scoped to /admin, so the staff chat (`/staff`, `/webchat/api/staff/*`) never
sees it. `GET /admin/staff-chat` is under /admin, so it does: it checks the admin session and gives the
browser a second cookie, `hd_staff_chat`, signed with SECRET_KEY and naming that session's id (its hash,
never the admin token itself). Every staff chat request resolves it back to the live admin session, so
the chat ends with the admin session (logout, expiry, idle timeout, password change), and acts only as
the staff member who signed in, with their role.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bots.webchat.access import Signer, StaffIdentity
from dialogue.i18n import N_, say
from helpdesk.admin.sessions import COOKIE as ADMIN_COOKIE
from helpdesk.admin.sessions import TOUCH_EVERY, SessionPolicy, is_live, resume_session
from helpdesk.settings import Settings
from storage.uow import SqlUnitOfWork
from ticket_core.enums import PersonKind
from ticket_core.model import ChannelAccount
from ticket_core.ports import UnitOfWork
from ticket_core.utc import utcnow

if TYPE_CHECKING:  # the runtime imports this module
    from helpdesk.runtime import Runtime

STAFF_CHAT_PATH = "/admin/staff-chat"
"""Where the staff chat sends someone without a chat login; it signs them in (or asks for the password)."""
COOKIE = "hd_staff_chat"
LOGIN_PATH = "/admin/login?next=" + quote(STAFF_CHAT_PATH, safe="")
WEB, STAFF = "web", "staff"


ROLE_WORDS = {"engineer": N_("engineer"), "supervisor": N_("supervisor"), "admin": N_("admin")}
"""A staff member's role as the staff chat's header says it, in their language."""


class StaffChatLogin:
    """Resolves staff chat requests to the signed-in staff member, and hands the admin login to the chat.

    Args:
        uows: the unit-of-work factory.
        settings: the app settings (SECRET_KEY and the admin session settings).
        clock: the current time, timezone-aware UTC (injectable for tests).
    """

    def __init__(
        self, uows: Callable[[], SqlUnitOfWork], settings: Settings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uows = uows
        self.policy = SessionPolicy.from_settings(settings)
        self.clock = clock
        self._signer = Signer(settings.secret_key, "staff-session")

    async def identity(self, request: web.Request) -> StaffIdentity | None:
        """Return the staff member whose live admin session the request's chat cookie names, or None."""
        session_id = self._signer.unsign(
            request.cookies.get(COOKIE), time.time(), self.policy.lifetime.total_seconds()
        )
        if session_id is None:
            return None
        now = self.clock()
        async with self.uows() as uow:
            record = await uow.admin.get_session(session_id)
            if record is None or not is_live(record, now, self.policy):
                return None  # the admin pages delete an expired session the next time it is used
            member = await uow.directory.get_staff(record.staff_id)
            if member is None:
                return None
            if now - record.last_seen_at >= TOUCH_EVERY:
                # Chatting is activity: an engineer waiting for offers in the chat is not idle.
                await uow.admin.touch_session(record.id, now)
                await uow.commit()
        role = (
            say(member.lang or "ru", ROLE_WORDS[str(member.role)])
            if member.role in ROLE_WORDS
            else member.role
        )
        return StaffIdentity(member.id, f"{member.name} ({role})")

    async def hand_over(self, request: web.Request) -> web.StreamResponse:
        """`GET /admin/staff-chat`: give a signed-in staff member the chat cookie and open the staff chat.

        Without an admin session it goes to the login form, which comes back here after the login.
        """
        now = self.clock()
        async with self.uows() as uow:
            record = await resume_session(uow.admin, request.cookies.get(ADMIN_COOKIE), now, self.policy)
            member = await uow.directory.get_staff(record.staff_id) if record is not None else None
            if member is not None:
                await _link_web_chat(uow, member.id)
            await uow.commit()
        if record is None or member is None:
            raise web.HTTPSeeOther(LOGIN_PATH, headers={"Cache-Control": "no-store"})
        response = web.HTTPSeeOther("/staff", headers={"Cache-Control": "no-store"})
        response.set_cookie(
            COOKIE,
            self._signer.sign(record.id, time.time()),
            max_age=int(self.policy.lifetime.total_seconds()),
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.policy.secure_cookie,
        )
        raise response


async def _link_web_chat(uow: UnitOfWork, staff_id: str) -> None:
    """Link the web staff chat `staff_id` to that staff member, unless it already is.

    The chat id is the staff id and the login proves who it is, so no join code is needed; a link to
    someone else (left by the demo picker) is replaced, so the chat never acts as another person.
    """
    account = await uow.accounts.find(WEB, STAFF, staff_id)
    if account is not None and account.person_kind == PersonKind.STAFF and account.person_id == staff_id:
        return
    await uow.accounts.link(ChannelAccount(WEB, STAFF, staff_id, PersonKind.STAFF, staff_id, staff_id))


def add_staff_chat_login(app: web.Application, rt: Runtime) -> None:
    """Mount `GET /admin/staff-chat` on `app` (a plain route; it wins over the /admin sub-application)."""
    app.router.add_get(STAFF_CHAT_PATH, StaffChatLogin(rt.uows, rt.settings).hand_over)
