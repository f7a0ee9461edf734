"""`/portal` in a client chat: a one-time sign-in link to the client portal, in the chat that asked.

The link is the portal's own (`helpdesk/portal/signin.py`): 256 random bits stored only as their sha256 in
`portal_links`, valid once and for `PortalLinkPolicy.ttl`, and the same limit per contact as the portal's
sign-in page, counted in the same table (`portal_link_requests`), so asking in the chat and on the page share
one allowance. The chat knows who asks, so there is no per-address limit and over the limit the person is told
when to ask again. The link is answered in this chat only: whoever holds the chat is the contact.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from dialogue.i18n import say_n
from dialogue.identity import ClientPerson
from dialogue.turn import Turn


@dataclass(frozen=True, slots=True)
class PortalLinkPolicy:
    """Where links point and how many a contact gets (the portal's `LinkLimits`, built by the runtime)."""

    base_url: str  # PORTAL_URL, else PUBLIC_URL
    ttl: timedelta = timedelta(minutes=15)
    per_contact: int = 3
    window: timedelta = timedelta(minutes=15)


def link_id(secret: str) -> str:
    """The stored id of a link's secret: its sha256, as `helpdesk.admin.sessions.hash_token` stores it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


async def send_portal_link(turn: Turn, person: ClientPerson, policy: PortalLinkPolicy | None) -> None:
    """Answer `/portal` with a sign-in link, or say why not (no portal address set, too many links)."""
    if policy is None:
        turn.tell("The client portal is not set up here yet. Ask about your requests here: /tickets.")
        return
    contact = person.contact
    since = turn.now - policy.window
    minutes = int(policy.window.total_seconds() // 60)
    if await turn.uow.portal.requests_for(contact.id, since) >= policy.per_contact:
        turn.reply(
            say_n(
                turn.lang,
                "{count} sign-in link was sent in the last {minutes} minutes: use it, or ask again later.",
                "{count} sign-in links were sent in the last {minutes} minutes: use the latest one, or ask again later.",
                policy.per_contact,
                count=policy.per_contact,
                minutes=minutes,
            )
        )
        return
    await turn.uow.portal.add_request(turn.now, f"chat:{turn.inbound.channel}"[:64], contact.id)
    secret = secrets.token_urlsafe(32)
    await turn.uow.portal.add_link(link_id(secret), contact.id, turn.now, turn.now + policy.ttl)
    url = f"{policy.base_url.rstrip('/')}/portal/in/{secret}"
    turn.tell(
        "Your link to the client portal: {url}\nIt works once, within {minutes} minutes. The portal has all your "
        "requests with their history, a form for a new one and the knowledge base. Do not forward the link.",
        url=url,
        minutes=int(policy.ttl.total_seconds() // 60),
    )
