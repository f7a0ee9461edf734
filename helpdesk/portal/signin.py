"""Signing in to the portal without a password: a one-time link sent to the contact's chats or mail.

1. The contact types their phone or mail address (`request_link`). Whether or not anyone is known by it,
   the answer is the same ("if we know you, a link is on its way"), so the form tells nobody who is a client.
   A known contact gets a link in every chat they linked on the client bot (Telegram, WhatsApp, the web
   chat, mail), through the outbox like any message; a contact with a mail address but no chat gets it by
   mail. The link's secret is 256 random bits, stored only as its sha256, valid for `LinkLimits.link_ttl`
   (15 minutes) and once.
2. Opening the link shows a page with one button (`link_is_usable`): mail scanners and chat previews fetch
   links, and a GET that spent the link would sign nobody in. The button's POST spends it (`sign_in`,
   one UPDATE that only one request can win) and starts a session with the admin's rules
   (`helpdesk.admin.sessions`: a random cookie stored as its hash, absolute and idle expiry, a CSRF token).
3. Rate limits: `per_address` requests a window from one IP address answer 429; a contact gets at most
   `per_contact` links a window, whoever asks (further requests get the same answer and send nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dialogue.messages import Bot, Channel, Outbound
from dialogue.outgoing import Outgoing
from helpdesk.admin.sessions import TOUCH_EVERY, SessionPolicy, hash_token, is_live, new_token
from helpdesk.portal.context import LinkLimits, PortalUser
from helpdesk.portal.i18n import texts
from storage.portal_store import PortalSession
from storage.uow import SqlUnitOfWork
from ticket_core.model import Contact
from ticket_core.phones import to_e164

if TYPE_CHECKING:  # the runtime imports the portal
    from helpdesk.runtime import Runtime

log = logging.getLogger(__name__)

COOKIE = "hd_portal"
LOGIN_CSRF_COOKIE = "hd_portal_login"
PATH = "/portal"
MAX_IDENTIFIER = 254
MAX_TOKEN = 200
KEEP_REQUESTS = timedelta(days=1)


class LinkThrottled(Exception):
    """Too many link requests from one address: try again after `retry_after_s`."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests; retry after {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """What a link request did (the page says the same either way; tests and logs read this)."""

    contact_id: str | None
    chats: int  # how many chats (and mail addresses) the link went to


async def find_contact(uow: SqlUnitOfWork, identifier: str) -> Contact | None:
    """The contact known by a mail address or a phone number, as typed (None when nobody or unreadable)."""
    text = identifier.strip()[:MAX_IDENTIFIER]
    if "@" in text:
        return await uow.directory.find_contact_by_email(text.lower())
    phone = to_e164(text)
    return await uow.directory.find_contact_by_phone(phone) if phone else None


def link_message(lang: str, url: str, minutes: int) -> str:
    """The text that carries a login link."""
    tr = texts(lang)
    return tr(
        "Your link to the client portal: {url}\n"
        "It works once, within {minutes} minutes. If you did not ask for it, ignore this message.",
        url=url,
        minutes=minutes,
    )


async def request_link(
    rt: Runtime, identifier: str, ip: str, now: datetime, base_url: str, limits: LinkLimits
) -> LinkOutcome:
    """Send a login link to the contact known by `identifier` (see the module); LinkThrottled over the IP limit."""
    outcome = LinkOutcome(None, 0)

    async def work(uow: SqlUnitOfWork, at: datetime) -> Outgoing:
        nonlocal outcome
        out = Outgoing(rt.engine.signer)
        since = at - limits.window
        await uow.portal.prune(at - KEEP_REQUESTS, at)
        if await uow.portal.requests_from(ip, since) >= limits.per_address:
            raise LinkThrottled(int(limits.window.total_seconds()))
        contact = await find_contact(uow, identifier)
        if contact is None:
            await uow.portal.add_request(at, ip, None)
            return out
        if await uow.portal.requests_for(contact.id, since) >= limits.per_contact:
            await uow.portal.add_request(at, ip, contact.id)
            log.info(
                "portal link for contact %s not sent: %s links in the window", contact.id, limits.per_contact
            )
            outcome = LinkOutcome(contact.id, 0)
            return out
        await uow.portal.add_request(at, ip, contact.id)
        secret = new_token()
        await uow.portal.add_link(hash_token(secret), contact.id, at, at + limits.link_ttl)
        url = f"{base_url.rstrip('/')}/portal/in/{secret}"
        minutes = int(limits.link_ttl.total_seconds() // 60)
        text = link_message(contact.lang, url, minutes)
        chats = await out.to_person(uow, contact.id, Bot.CLIENT, text, lang=contact.lang, asked_for=True)
        mailed = any(m.channel is Channel.EMAIL for m in out.messages)
        if contact.email and not mailed and rt.email is not None:
            subject = texts(contact.lang)("Sign in to the client portal")
            out.messages.append(
                Outbound(
                    Channel.EMAIL, Bot.CLIENT, contact.email, text, thread_title=subject, lang=contact.lang
                )
            )
            chats += 1
        outcome = LinkOutcome(contact.id, chats)
        return out

    await rt.engine.run_system(work)
    rt.wake_delivery()
    return outcome


def cookie_options(policy: SessionPolicy) -> dict[str, object]:
    """The admin's cookie flags (HttpOnly, SameSite=Lax, Secure over https), scoped to /portal."""
    return {**policy.cookie_options(), "path": PATH}


async def link_is_usable(uow: SqlUnitOfWork, secret: str, now: datetime) -> bool:
    """Whether a link would sign in now (read only)."""
    if not secret or len(secret) > MAX_TOKEN:
        return False
    return await uow.portal.link_is_usable(hash_token(secret), now)


async def sign_in(
    uow: SqlUnitOfWork, secret: str, ip: str | None, now: datetime, policy: SessionPolicy
) -> tuple[str, PortalSession] | None:
    """Spend a link and start a session: the cookie value and the record, or None (used, expired, unknown)."""
    if not secret or len(secret) > MAX_TOKEN:
        return None
    contact_id = await uow.portal.use_link(hash_token(secret), now)
    if contact_id is None or await uow.directory.get_contact(contact_id) is None:
        return None
    token = new_token()
    record = PortalSession(
        id=hash_token(token),
        contact_id=contact_id,
        csrf_token=new_token(),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.lifetime,
        ip=(ip or "")[:64] or None,
    )
    await uow.portal.add_session(record)
    return token, record


async def resume(
    uow: SqlUnitOfWork, token: str | None, now: datetime, policy: SessionPolicy
) -> PortalUser | None:
    """The contact behind a live session cookie, activity recorded (at most once a minute); None otherwise."""
    if not token or len(token) > MAX_TOKEN:
        return None
    # One statement for the session, its contact and their client: every portal request starts here.
    found = await uow.portal.get_session_with_person(hash_token(token))
    if found is None:
        return None
    record, contact, client = found
    if not is_live(record, now, policy):
        await uow.portal.delete_session(record.id)
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        await uow.portal.touch_session(record.id, now)
    return PortalUser(contact, client, record)
