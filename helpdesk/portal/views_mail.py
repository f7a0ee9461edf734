"""Notifications by mail: the unsubscribe link of every notification mail, and the contact's Mail page.

`/portal/unsubscribe/<token>` is the List-Unsubscribe link (`bots.email.unsubscribe`): a GET shows one button
(mail scanners and previews fetch links and must not unsubscribe anyone), a POST turns the address's
notifications off; mail programs POST it themselves (RFC 8058 one-click) without cookies or a CSRF token, so
the signed token is what authorises it. `/portal/mail` lists the addresses the signed-in contact gets mail at
and turns notifications on again (or off). Both run `set_mail_notifications`, which records
`mail_notifications_changed` in the audit log.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from bots.email.unsubscribe import derive_key, read_token
from dialogue.messages import Bot, Channel
from helpdesk.portal.context import current_user, page_uow, portal_context
from helpdesk.portal.pages import html
from helpdesk.portal.routes import RouteTable
from storage.uow import SqlUnitOfWork
from ticket_core.enums import Role
from ticket_core.model import Actor
from ticket_core.usecases.contacts import set_mail_notifications

ROUTES = RouteTable()
MAIL = str(Channel.EMAIL)
CLIENT = str(Bot.CLIENT)


def _address(request: web.Request) -> str | None:
    """The address the link's token was made for, or None for a token that is not ours."""
    return read_token(derive_key(portal_context(request).rt.settings.secret_key), request.match_info["token"])


async def _owner(uow: SqlUnitOfWork, address: str) -> tuple[Actor | None, bool]:
    """The contact who gets mail at `address` (as the actor of the change), and whether it is muted."""
    account, contact = await uow.accounts.find_with_contact(MAIL, CLIENT, address)
    if account is None or contact is None:
        return None, False
    return Actor(Role.CLIENT, contact.id, contact.client_id, contact.name), account.muted


@ROUTES.route("GET", "/unsubscribe/{token}", "unsubscribe", public=True)
async def unsubscribe_page(request: web.Request) -> web.StreamResponse:
    """Ask before turning anything off: one button."""
    address = _address(request)
    if address is None:
        return html(request, "unsubscribe.html", status=404, address=None, state="unknown")
    async with portal_context(request).rt.uows() as uow:
        actor, muted = await _owner(uow, address)
    state = "unknown" if actor is None else ("off" if muted else "ask")
    return html(request, "unsubscribe.html", address=address, state=state)


@ROUTES.route("POST", "/unsubscribe/{token}", "unsubscribe-post", public=True)
async def unsubscribe_post(request: web.Request) -> web.StreamResponse:
    """Turn the address's notifications off (the page's button, or the mail program's one-click POST)."""
    address = _address(request)
    if address is None:
        return html(request, "unsubscribe.html", status=404, address=None, state="unknown")
    ctx = portal_context(request)
    found: list[bool] = []

    async def work(uow: SqlUnitOfWork, now: datetime) -> None:
        actor, _muted = await _owner(uow, address)
        if actor is not None:
            await set_mail_notifications(uow, actor, address, now, on=False, via="link")
        found.append(actor is not None)

    await ctx.rt.engine.run_system(work)
    return html(request, "unsubscribe.html", address=address, state="off" if found[0] else "unknown")


@ROUTES.route("GET", "/mail", "mail", reads_in_guard=True)
async def mail_page(request: web.Request) -> web.StreamResponse:
    """The addresses the contact gets mail at, each with its notifications on or off."""
    user = current_user(request)
    async with page_uow(request) as uow:
        accounts = [
            a for a in await uow.accounts.list_for_person(user.contact.id, CLIENT) if a.channel == MAIL
        ]
    return html(request, "mail.html", accounts=accounts)


@ROUTES.route("POST", "/mail", "mail-post")
async def mail_post(request: web.Request) -> web.StreamResponse:
    """Turn notifications to one of the contact's addresses on (or off)."""
    user = current_user(request)
    form = await request.post()
    address = str(form.get("address", ""))[:254]
    on = str(form.get("on", "1")) == "1"

    async def work(uow: SqlUnitOfWork, now: datetime) -> None:
        await set_mail_notifications(uow, user.actor, address, now, on=on, via="portal")

    await portal_context(request).rt.engine.run_system(work)
    raise web.HTTPSeeOther(f"/portal/mail?done={'mail_on' if on else 'mail_off'}")
