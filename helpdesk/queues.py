"""Dead letters and undelivered messages for the people who run the help desk: list, replay, retry.

One place for what `helpdesk inbox|outbox` and the admin's Messages page both do: read the inbox's dead
letters (`storage.inbox`) and the outbox's failed rows (`storage.outbox_delivery`) as lines people read
(when, which chat and whose, what, attempts, the last error), check ids someone typed, and queue messages
again with an admin audit entry in the same transaction. A running app picks replayed messages up within
a second: its inbox loop polls every 0.5 s (`InboxPolicy.poll_s`) and its delivery loop every `WORKER_POLL_S`
(0.5 s), besides being woken.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpdesk.admin.access import Area, require
from storage import inbox as inbox_store
from storage import inbox_admin
from storage import outbox_delivery as outbox_store
from storage.chat_people import AccountKey, ChatPerson, people_of_accounts
from storage.uow import SqlUnitOfWork
from storage.webhooks_out import SqlWebhookSubscriptions, WebhookDelivery
from ticket_core.enums import PersonKind, Role
from ticket_core.errors import ValidationFailed
from ticket_core.model import Actor

TEXT_LIMIT = 80
ERROR_LIMIT = 160
AUDITED_IDS = 200
"""At most this many ids are written into one audit entry (the count is always there)."""
MAX_IDS = 1000
"""At most this many ids may be typed at once; `--all-dead` / `--all-failed` (or *Replay all*) take any number."""
MAX_ID = 2**31
"""Ids are 32-bit integer columns: a larger number is refused here rather than by PostgreSQL."""
_ALL_PAGE = 1000  # rows read, or ids in one IN list, at a time


class BadIds(ValidationFailed):
    """Ids that cannot be acted on; the message says which and what to do, and nothing was changed."""


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """One inbound (dead or waiting) or outgoing (failed or waiting) message as the admin lists it.

    Attributes:
        kind: "inbox" or "outbox".
        id: the row id (what `replay` / `retry` take).
        at: when it was received (inbox) or queued (outbox).
        status: the row's status (dead, pending, failed, sending, ...).
        channel: telegram, whatsapp or web.
        bot: client or staff.
        chat_id: the chat on that platform.
        account_id: the platform account: the sender (inbox) or the chat (outbox).
        person: the known person of that account ("Anna Brown (ACME Logistics)"), else None.
        sender_name: the name the platform gave for an unknown sender (inbox only).
        what: the text, shortened; or what it was (a button press, a photo, a location).
        attempts: tries so far.
        last_error: why the last try failed.
        person_name: the known person's name alone, for a page that words their role itself.
        person_role: the staff member's role (engineer, supervisor, admin); None for a client's contact.
    """

    kind: str
    id: int
    at: datetime
    status: str
    channel: str
    bot: str
    chat_id: str
    account_id: str
    person: str | None
    sender_name: str | None
    what: str
    attempts: int
    last_error: str | None
    person_name: str | None = None
    person_role: str | None = None

    @property
    def chat(self) -> str:
        """The chat as "<channel>:<bot>:<chat id>" (the inbox's chat key)."""
        return f"{self.channel}:{self.bot}:{self.chat_id}"

    @property
    def who(self) -> str:
        """The person by name when known, else the name the platform gave, else the account id."""
        return self.person or self.sender_name or self.account_id

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (timestamps in ISO 8601 UTC)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "at": self.at.isoformat(),
            "chat": self.chat,
            "account_id": self.account_id,
            "person": self.person,
            "sender_name": self.sender_name,
            "text": self.what,
            "attempts": self.attempts,
            "last_error": self.last_error,
        }


@dataclass(frozen=True, slots=True)
class Listing:
    """A list of messages and how many rows are in those statuses in all (the list may show fewer)."""

    messages: list[QueuedMessage]
    total: int


def short(text: str | None, limit: int) -> str:
    """One line of at most `limit` characters, cut with an ellipsis."""
    line = " ".join(str(text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def person_label(person: ChatPerson | None) -> str | None:
    """ "Anna Brown (ACME Logistics)" or "Алексей Смирнов (engineer)"; None for an unknown account."""
    if person is None:
        return None
    return f"{person.name} ({person.detail})" if person.detail else person.name


def _who(person: ChatPerson | None) -> dict[str, Any]:
    if person is None:
        return {}
    role = person.detail if person.kind is PersonKind.STAFF else None
    return {"person_name": person.name, "person_role": role}


# The words `describe_inbound` and `describe_outbound` put in brackets, for a page that says them in its language.
MARKERS = (
    "[button press]",
    "[location]",
    "[contact]",
    "[no text]",
    "[buttons]",
    "[unreadable payload]",
    "[unreadable webhook]",
    "[file]",
)


def describe_inbound(payload: Mapping[str, Any]) -> str:
    """What an inbound message said, shortened; read defensively, since a dead letter's payload may be the
    very thing that could not be read."""
    if not isinstance(payload, Mapping):
        return "[unreadable payload]"
    parts: list[str] = []
    text = payload.get("text")
    if isinstance(text, str) and text.strip():
        parts.append(text)
    if payload.get("payload"):
        parts.append("[button press]")
    media = payload.get("media")
    if isinstance(media, list):
        for item in media:
            kind = item.get("kind") if isinstance(item, Mapping) else None
            parts.append(f"[{kind if isinstance(kind, str) else 'file'}]")
    if payload.get("location"):
        parts.append("[location]")
    if payload.get("contact"):
        parts.append("[contact]")
    return short(" ".join(parts), TEXT_LIMIT) if parts else "[no text]"


def describe_outbound(payload: Mapping[str, Any]) -> str:
    """What an outgoing message says, shortened (its buttons and files named, not shown)."""
    if not isinstance(payload, Mapping):
        return "[unreadable payload]"
    parts: list[str] = []
    text = payload.get("text")
    if isinstance(text, str) and text.strip():
        parts.append(text)
    media = payload.get("media")
    if isinstance(media, list) and media:
        parts.append(f"[{len(media)} file(s)]")
    buttons = payload.get("buttons")
    if isinstance(buttons, list) and any(buttons):
        parts.append("[buttons]")
    if payload.get("thread_op"):
        parts.append(f"[{payload['thread_op']}]")
    return short(" ".join(parts), TEXT_LIMIT) if parts else "[no text]"


def _split_chat_key(chat_key: str) -> tuple[str, str, str]:
    # "<channel>:<bot>:<chat_id>"; a chat id may itself hold colons, the first two never do.
    channel, _, rest = chat_key.partition(":")
    bot, _, chat_id = rest.partition(":")
    return channel, bot, chat_id


def _inbox_account(row: inbox_store.InboxRow) -> AccountKey:
    channel, bot, chat_id = _split_chat_key(row.chat_key)
    payload = row.payload if isinstance(row.payload, Mapping) else {}
    sender = payload.get("sender_id")
    return channel, bot, str(sender) if sender not in (None, "") else chat_id


def _inbox_message(row: inbox_store.InboxRow, people: Mapping[AccountKey, ChatPerson]) -> QueuedMessage:
    channel, bot, chat_id = _split_chat_key(row.chat_key)
    account = _inbox_account(row)
    payload = row.payload if isinstance(row.payload, Mapping) else {}
    name = payload.get("sender_name")
    return QueuedMessage(
        kind="inbox",
        id=row.id,
        at=row.received_at,
        status=str(row.status),
        channel=channel,
        bot=bot,
        chat_id=chat_id,
        account_id=account[2],
        person=person_label(people.get(account)),
        sender_name=name if isinstance(name, str) and name else None,
        **_who(people.get(account)),
        what=describe_inbound(payload),
        attempts=row.attempts,
        last_error=short(row.last_error, ERROR_LIMIT) if row.last_error else None,
    )


def describe_webhook(row: outbox_store.OutboxRow) -> str:
    """What a queued webhook is: its event and ticket ("webhook ticket_opened HD-12")."""
    try:
        delivery = WebhookDelivery.from_row(row)
    except ValueError:
        return "[unreadable webhook]"
    ticket = delivery.body.get("ticket")
    ref = ticket.get("ref") if isinstance(ticket, Mapping) else None
    return short(" ".join(["webhook", delivery.event or "?", *([str(ref)] if ref else [])]), TEXT_LIMIT)


def _outbox_message(
    row: outbox_store.OutboxRow, people: Mapping[AccountKey, ChatPerson], subscribers: Mapping[str, str]
) -> QueuedMessage:
    # A private chat's id is the account id (the dialogue's own lookup, dialogue.delivery_alerts.chat_name).
    account = (row.channel, row.bot, row.chat_id)
    webhook = row.kind is outbox_store.OutboxKind.WEBHOOK
    return QueuedMessage(
        kind="outbox",
        id=row.id,
        at=row.created_at,
        status=str(row.status),
        channel=row.channel,
        bot=row.bot,
        chat_id=row.chat_id,
        account_id=row.chat_id,
        person=subscribers.get(row.chat_id) if webhook else person_label(people.get(account)),
        sender_name=None,
        **({} if webhook else _who(people.get(account))),
        what=describe_webhook(row) if webhook else describe_outbound(row.payload),
        attempts=row.attempts,
        last_error=short(row.last_error, ERROR_LIMIT) if row.last_error else None,
    )


async def list_inbox(
    session: AsyncSession, status: inbox_store.InboxStatus, *, limit: int, now: datetime
) -> Listing:
    """Inbound messages in `status` (dead or pending), newest first, with their senders' names."""
    rows = await inbox_admin.list_rows(session, status, limit=limit)
    people = await people_of_accounts(session, [_inbox_account(r) for r in rows])
    counts = await inbox_admin.counts(session, now)
    total = int(counts.get(status.value, len(rows)))
    return Listing([_inbox_message(r, people) for r in rows], max(total, len(rows)))


async def list_outbox(
    session: AsyncSession, statuses: Sequence[outbox_store.OutboxStatus], *, limit: int, now: datetime
) -> Listing:
    """Outgoing messages in `statuses`, newest first, with the names of the people they are for."""
    rows = await outbox_store.list_by_status(session, statuses, limit=limit)
    people = await people_of_accounts(session, [(r.channel, r.bot, r.chat_id) for r in rows])
    # A webhook is for its subscriber: what the admin who added it called it, and its URL.
    subscribers: dict[str, str] = {}
    subscriptions = SqlWebhookSubscriptions(session)
    for r in rows:
        if r.kind is outbox_store.OutboxKind.WEBHOOK and (sub := await subscriptions.get(r.chat_id)):
            subscribers[r.chat_id] = " · ".join(part for part in (sub.description, sub.url) if part)
    counts = await outbox_store.counts(session, now)
    total = 0
    if outbox_store.OutboxStatus.FAILED in statuses:
        total += int(counts["failed"])
    if {outbox_store.OutboxStatus.PENDING, outbox_store.OutboxStatus.SENDING} & set(statuses):
        total += int(counts["pending"])  # counts() puts the rows being sent with the waiting ones
    return Listing([_outbox_message(r, people, subscribers) for r in rows], max(total, len(rows)))


def parse_ids(values: Iterable[str], what: str) -> list[int]:
    """Row ids from text ("12", "#12", "12,13"); duplicates dropped, order kept.

    Raises:
        BadIds: a value is not a positive whole number, or none was given.
    """
    ids: dict[int, None] = {}  # ordered, and a repeat costs nothing
    for value in values:
        for part in str(value).replace(",", " ").split():
            digits = part.removeprefix("#")
            # ASCII only ("²" is a digit to str.isdigit), and within the id column's 32-bit range.
            if not (digits.isascii() and digits.isdigit()) or not 0 < int(digits) < MAX_ID:
                raise BadIds(
                    "'{value}' is not {what} id: ids are whole numbers from 1 to {max_id}, e.g. 12",
                    value=short(part, 30),
                    what=what,
                    max_id=MAX_ID - 1,
                )
            ids[int(digits)] = None
    if len(ids) > MAX_IDS:
        raise BadIds(
            "{count} ids are too many at once (at most {max_ids}); replay or retry them all instead",
            count=len(ids),
            max_ids=MAX_IDS,
        )
    if not ids:
        raise BadIds("give at least one {what} id", what=what)
    return list(ids)


def _ids(ids: Sequence[int]) -> str:
    """ "12" or "12, 13, … (+40)": the first ten ids and how many more (said the same in both languages)."""
    shown = ", ".join(str(i) for i in ids[:10])
    return f"{shown}, … (+{len(ids) - 10})" if len(ids) > 10 else shown


def _check_actor(actor: Actor, what: str) -> None:
    # The CLI acts as the system (whoever can run it can reach the database anyway); people need the area.
    if actor.role is not Role.SYSTEM:
        require(actor, Area.MESSAGES, what)


async def _audit(
    uow: SqlUnitOfWork, now: datetime, actor: Actor, action: str, target: str, ids: list[int]
) -> None:
    await uow.admin.audit(now, actor.id, action, target, {"count": len(ids), "ids": ids[:AUDITED_IDS]})


async def _all_ids_in(session: AsyncSession, status: inbox_store.InboxStatus) -> list[int]:
    # storage.inbox has no "replay all": page through the dead letters (there are few; each page is indexed).
    ids: list[int] = []
    before: int | None = None
    while True:
        rows = await inbox_admin.list_rows(session, status, limit=_ALL_PAGE, before_id=before)
        ids.extend(r.id for r in rows)
        if len(rows) < _ALL_PAGE:
            return ids
        before = rows[-1].id


async def replay_dead_letters(
    uow: SqlUnitOfWork, actor: Actor, ids: Sequence[int] | None, now: datetime
) -> list[int]:
    """Queue dead letters again (after their cause was fixed); return the ids queued.

    `ids` None replays every dead letter. Given ids must all be dead letters, or nothing is changed. The
    caller commits; an admin audit entry `inbox.replay` is written in the same unit of work.

    Raises:
        BadIds: an id does not exist or is not a dead letter (pending or handled already).
        Forbidden: the actor may not use the Messages page.
    """
    _check_actor(actor, "replay dead letters")
    session = uow.session
    if ids is None:
        wanted = await _all_ids_in(session, inbox_store.InboxStatus.DEAD)
    else:
        wanted = list(dict.fromkeys(ids))
        rows = {i: await inbox_admin.get(session, i) for i in wanted}
        missing = [i for i, r in rows.items() if r is None]
        if missing:
            if len(missing) == 1:
                raise BadIds("inbox message {ids} does not exist; nothing was replayed", ids=_ids(missing))
            raise BadIds("inbox messages {ids} do not exist; nothing was replayed", ids=_ids(missing))
        alive = [i for i, r in rows.items() if r is not None and r.status is not inbox_store.InboxStatus.DEAD]
        if alive:
            raise BadIds(
                "inbox message {ids} is not a dead letter (waiting to be handled, or handled already); nothing was replayed"
                if len(alive) == 1
                else "inbox messages {ids} are not dead letters (waiting to be handled, or handled already); nothing was replayed",
                ids=_ids(alive),
            )
    if not wanted:
        return []
    queued = 0
    for start in range(0, len(wanted), _ALL_PAGE):  # bounded IN lists, whatever the number of dead letters
        queued += await inbox_admin.replay(session, wanted[start : start + _ALL_PAGE], at=now)
    # replay() counts; a row that stopped being dead between the check and the update is simply not queued.
    done = wanted if queued == len(wanted) else await _still_pending(session, wanted)
    if done:
        target = "inbox:all-dead" if ids is None else _target("inbox", done)
        await _audit(uow, now, actor, "inbox.replay", target, done)
    return done


async def _still_pending(session: AsyncSession, ids: Sequence[int]) -> list[int]:
    rows = [await inbox_admin.get(session, i) for i in ids]
    return [r.id for r in rows if r is not None and r.status is inbox_store.InboxStatus.PENDING]


def _target(kind: str, ids: Sequence[int]) -> str:
    return f"{kind}:{ids[0]}" if len(ids) == 1 else f"{kind}:{len(ids)} messages"


async def retry_undelivered(
    uow: SqlUnitOfWork, actor: Actor, ids: Sequence[int] | None, now: datetime
) -> list[int]:
    """Queue failed outgoing messages again (attempts from 0, due now); return the ids queued.

    `ids` None retries every failed message. Given ids must all be failed, or nothing is changed. The
    caller commits; an admin audit entry `outbox.retry` is written in the same unit of work.

    Raises:
        BadIds: an id does not exist or is not a failed message (waiting or sent already).
        Forbidden: the actor may not use the Messages page.
    """
    _check_actor(actor, "retry undelivered messages")
    session = uow.session
    if ids is None:
        done = await outbox_store.retry_all_failed(session, at=now)
    else:
        wanted = list(dict.fromkeys(ids))
        found = {r.id: r for r in await outbox_store.get_rows(session, wanted)}
        missing = [i for i in wanted if i not in found]
        if missing:
            if len(missing) == 1:
                raise BadIds("outgoing message {ids} does not exist; nothing was retried", ids=_ids(missing))
            raise BadIds("outgoing messages {ids} do not exist; nothing was retried", ids=_ids(missing))
        other = [i for i in wanted if found[i].status is not outbox_store.OutboxStatus.FAILED]
        if other:
            raise BadIds(
                "outgoing message {ids} has not failed (waiting to be sent, or sent already); nothing was retried"
                if len(other) == 1
                else "outgoing messages {ids} have not failed (waiting to be sent, or sent already); nothing was retried",
                ids=_ids(other),
            )
        done = await outbox_store.retry(session, wanted, at=now)
    if done:
        target = "outbox:all-failed" if ids is None else _target("outbox", done)
        await _audit(uow, now, actor, "outbox.retry", target, done)
    return done
