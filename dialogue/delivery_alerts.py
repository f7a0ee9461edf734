"""Tell supervisors when a chat cannot be reached: its messages keep failing, or were given up.

The delivery loop keeps retrying (helpdesk.delivery); this only makes the problem visible to a person, once
when the fast retries are spent and once when the message is finally given up. When a whole channel is down
(helpdesk.delivery_outages), the first chat is named, later ones are counted in a reminder
(`outage_reminder`), and the end is announced (`outage_over`).
"""

from __future__ import annotations

from datetime import datetime

from dialogue.i18n import N_, say
from dialogue.messages import Bot, Channel
from dialogue.outgoing import Outgoing
from ticket_core.enums import PersonKind, Role
from ticket_core.ports import UnitOfWork


async def chat_name(uow: UnitOfWork, channel: str, bot: str, chat_id: str) -> str:
    """The person a chat belongs to, by name when the chat is a known account, else its id."""
    account = await uow.accounts.find(channel, bot, chat_id)
    if account is None:
        return chat_id
    if account.person_kind is PersonKind.STAFF:
        member = await uow.directory.get_staff(account.person_id)
        return member.name if member is not None else chat_id
    contact = await uow.directory.get_contact(account.person_id)
    return contact.name if contact is not None and contact.name else chat_id


async def _to_supervisors(
    uow: UnitOfWork,
    out: Outgoing,
    message: str,
    values: dict[str, object],
    *,
    skip: tuple[str, str] | None = None,
) -> int:
    """Queue `message` (English, marked with `N_`) to every supervisor on the staff bot, in their language, on every staff chat of
    theirs but `skip` (channel, chat id); return how many messages were queued."""
    sent = 0
    for member in await uow.directory.list_staff(Role.SUPERVISOR):
        accounts = await uow.accounts.list_for_person(member.id, str(Bot.STAFF))
        text = say(member.lang, message, **values)
        for account in accounts:
            if (account.channel, account.chat_id) == skip:
                continue
            out.to_chat(
                Channel(account.channel),
                Bot.STAFF,
                account.chat_id,
                account.account_id,
                text,
                lang=member.lang,
            )
            sent += 1
    return sent


async def chat_unreachable(
    uow: UnitOfWork,
    out: Outgoing,
    *,
    channel: str,
    bot: str,
    chat_id: str,
    since: datetime,
    error: str,
    gave_up: bool,
) -> int:
    """Queue the alert to every supervisor on the staff bot (not to the chat that cannot be reached)."""
    values: dict[str, object] = {
        "who": await chat_name(uow, channel, bot, chat_id),
        "channel": channel,
        "since": since.strftime("%Y-%m-%d %H:%M"),
        "error": error[:200],
    }
    message = (
        N_(
            "⛔ A message to {who} ({channel}) could not be delivered since {since} UTC ({error}); retries stopped. "
            "Reach the person another way; it can be sent again from the admin, under Messages."
        )
        if gave_up
        else N_(
            "⚠️ A message to {who} ({channel}) has not been delivered since {since} UTC: {error}. "
            "Still retrying; undelivered messages are in the admin, under Messages."
        )
    )
    return await _to_supervisors(uow, out, message, values, skip=(channel, chat_id))


async def outage_news(
    uow: UnitOfWork,
    out: Outgoing,
    *,
    channel: str,
    since: datetime,
    chats: int,
    given_up: int,
    over: bool,
) -> int:
    """Queue a reminder that `channel` is still down (`over=False`) or that it works again, to every supervisor
    on the staff bot (a chat of theirs on the channel that is down gets it once the channel is back)."""
    values: dict[str, object] = {
        "channel": channel,
        "since": since.strftime("%Y-%m-%d %H:%M"),
        "chats": chats,
        "given_up": given_up,
    }
    return await _to_supervisors(
        uow,
        out,
        N_(
            "✅ Messages to {channel} get through again (down since {since} UTC, {chats} chat(s) affected); the "
            "delayed ones are being sent. Given up for good: {given_up}, in the admin under Messages."
        )
        if over
        else N_(
            "⚠️ Delivery to {channel} still fails since {since} UTC: messages wait in {chats} chat(s), "
            "{given_up} given up. Still retrying; all of them are in the admin, under Messages."
        ),
        values,
    )
