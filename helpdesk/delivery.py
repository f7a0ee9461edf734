"""The outbox delivery loop: send queued messages through their channel, retry what failed, lose nothing.

Rows are claimed with a lease in a short transaction, sent outside it, then marked. A worker that dies
between claim and mark leaves rows whose lease runs out; another worker (or this one after a restart)
sends them again, so delivery is at-least-once and ordered per chat.

A row about a ticket's thread in the staff group (`Outbound.thread_of`) is addressed when it is sent: the
topic id or the card's message id, recorded in the transaction that marked the creating row sent, is
filled in. The creating row is older and in the same chat, so it has been sent (or given up) by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bots.webchat.uploads import IMAGE_TYPES, sniff_image
from dialogue.inline_media import inline_media
from dialogue.messages import Channel, Delivered, DeliveryError, Media, Outbound, ThreadOp
from helpdesk import metrics
from helpdesk.delivery_marks import SentMarks, autocommit_engine
from storage import outbox_delivery as box
from storage.live_cards import card_message, record_card
from storage.outbox_delivery import OutboxKind, OutboxRow
from storage.repositories.threads import get_thread, record_created
from storage.transient import in_transaction
from storage.webhooks_out import WebhookDelivery
from ticket_core.log_context import log_context

log = logging.getLogger(__name__)

CARD_CHANNELS = frozenset({str(Channel.TELEGRAM)})
"""Channels whose delivery edits a live card's message (`Outbound.card`); the web chat replaces it by name, and
WhatsApp cannot edit, so there an update is a new message."""
FAST_ATTEMPTS = 8  # after these, supervisors are told the chat cannot be reached (retries go on)
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 10.0  # a chat waits at most this long after the platform is back
LEASE_S = 10.0  # a crashed worker's rows are sent again after this; a heartbeat extends it while sending
HEARTBEAT_S = 3.0
RETRY_FOR_S = 24 * 3600.0


Unreachable = Callable[[OutboxRow, str, bool], Awaitable[None]]
"""on_unreachable(row, error, gave_up): tell people a chat cannot be reached (see dialogue.delivery_alerts)."""


class Sender(Protocol):
    """A channel adapter's sending side; it may report the sent message's id (`Delivered`)."""

    async def send(self, out: Outbound) -> Delivered | None: ...


class WebhookDeliverer(Protocol):
    """Sends the outbox's webhook rows (`helpdesk.api.WebhookSender`); it never sees a chat message."""

    async def deliver(self, delivery: WebhookDelivery) -> None:
        """POST one delivery; raise `DeliveryError` when the subscriber did not take it."""
        ...


@runtime_checkable
class FileSource(Protocol):
    """A channel that can give the bytes of a file it received (Telegram's getFile, a web chat upload)."""

    async def fetch_file(self, file_id: str) -> bytes: ...


@runtime_checkable
class FileStore(Protocol):
    """A channel that keeps a file from elsewhere and names it with a file id of its own (the web chat)."""

    async def store_file(self, data: bytes) -> str: ...


# Signed webhooks out (helpdesk.api) go to other people's servers: fewer, slower tries (docs/api.md).
WEBHOOK_ATTEMPTS = 8
WEBHOOK_BACKOFF_BASE_S = 2.0
WEBHOOK_BACKOFF_MAX_S = 600.0


def backoff(attempts: int, kind: OutboxKind | None = OutboxKind.CHAT) -> float:
    """Seconds to wait before the next try after `attempts` failures (exponential, capped).

    A chat's message is tried again within 10 s at most, so a chat recovers soon after its platform does;
    an outgoing webhook backs off to 10 minutes.
    """
    if kind is OutboxKind.WEBHOOK:
        return float(min(WEBHOOK_BACKOFF_MAX_S, WEBHOOK_BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))
    return float(min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


def _reason(no_channel: bool, permanent: bool, gave_up: bool, retry_in: float | None) -> str:
    """The `reason` label of a failed send (helpdesk.metrics)."""
    if no_channel:
        return "no_channel"
    if permanent:
        return "permanent"
    if gave_up:
        return "gave_up"
    return "rate_limited" if retry_in is not None else "retry"


async def keep_leases(
    sessions: async_sessionmaker,
    in_flight: set[int],
    owner: str,
    clock: Callable[[], datetime],
    *,
    every_s: float,
    lease_s: float,
) -> None:
    """Extend `owner`'s leases on the outbox rows in `in_flight` every `every_s` until cancelled, so a slow send
    is not taken over by another process; a beat with nothing in flight costs nothing."""
    while True:
        await asyncio.sleep(every_s)
        ids = sorted(in_flight)
        if not ids:
            continue
        try:
            async with sessions() as session, session.begin():
                await box.extend(session, ids, worker_id=owner, until=clock() + timedelta(seconds=lease_s))
        except Exception as e:
            log.warning("could not extend the outbox leases of %s: %s", owner, e)


class DeliveryLoop:
    """Claims due outbox rows and sends them; `wake()` makes it look at once instead of at the next tick."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        senders: Mapping[tuple[str, str], Sender],
        *,
        webhooks: WebhookDeliverer | None = None,
        poll_s: float = 0.5,
        batch: int = 50,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_sent: Callable[[Outbound], Awaitable[None]] | None = None,
        retry_for_s: float = RETRY_FOR_S,
        on_unreachable: Unreachable | None = None,
        on_delivered: Callable[[OutboxRow], Awaitable[None]] | None = None,
        wakeup: asyncio.Event | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = dict(senders)  # chat rows only, by (channel, bot)
        self.webhooks = webhooks  # webhook rows only; None: they fail visibly ("no webhook deliverer")
        self.poll_s = poll_s
        self.batch = batch
        self.clock = clock
        self.on_sent = on_sent
        self.retry_for_s = retry_for_s
        self.on_unreachable = on_unreachable
        self.on_delivered = on_delivered  # chat rows that got through (an outage of their channel is over)
        self._in_flight: set[int] = set()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = wakeup or asyncio.Event()  # `wakeup.set()` is `wake()`: others may hold the event
        self._stopping = False
        self._autocommit = autocommit_engine(sessions)
        self.marks = SentMarks(self._autocommit) if self._autocommit is not None else None

    def wake(self) -> None:
        """Ask the loop to deliver now."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped; errors are logged and never end the loop."""
        while not self._stopping:
            try:
                sent = await self.deliver_once()
            except Exception:
                log.exception("delivery tick failed")
                sent = 0
            if sent:
                continue  # more may be waiting right behind (per-chat order releases one row at a time)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
            except TimeoutError:
                pass
            self._wake.clear()

    def stop(self) -> None:
        """Let `run` return after the current tick."""
        self._stopping = True
        self._wake.set()

    async def deliver_once(self) -> int:
        """Claim one batch (at most one row per chat) and send it; return how many rows were handled.

        Each row is marked sent right after its own call, and the batch's leases are extended while
        it is being sent, so a crash repeats at most the message in flight in each chat.
        """
        rows = await self._claim(self.clock())
        if not rows:
            return 0
        self._in_flight.update(row.id for row in rows)
        heartbeat = asyncio.create_task(self._heartbeat(), name="delivery-lease")
        try:
            await asyncio.gather(*(self.send_one(row) for row in rows))
        finally:
            self._in_flight.difference_update(row.id for row in rows)
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return len(rows)

    async def _claim(self, now: datetime) -> list[OutboxRow]:
        if self._autocommit is not None:  # one statement: its own transaction
            async with self._autocommit.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                return await box.claim_due(
                    conn, now=now, limit=self.batch, worker_id=self.worker_id, lease_s=LEASE_S
                )
        async with self.sessions() as session, session.begin():
            return await box.claim_due(
                session, now=now, limit=self.batch, worker_id=self.worker_id, lease_s=LEASE_S
            )

    async def _heartbeat(self) -> None:
        await keep_leases(
            self.sessions, self._in_flight, self.worker_id, self.clock, every_s=HEARTBEAT_S, lease_s=LEASE_S
        )

    async def _carry(self, out: Outbound) -> Outbound:
        """Bring media from another chat's bot to this one (`Media.source`): a client's photo for an engineer.

        The file's bytes come from the channel that received it and go as an upload (Telegram: multipart) or a
        file of the target channel (the web chat), since one bot's file id means nothing to another.

        Raises:
            DeliveryError: (permanent) the file cannot be fetched from its channel or is too large to carry;
                plain when the source platform could not be reached (try again later).
        """
        here = f"{out.channel}:{out.bot}"
        if not any(m.source and m.source != here for m in out.media):
            return out
        target = self.senders.get((str(out.channel), str(out.bot)))
        media = []
        for m in out.media:
            channel, _, bot = (m.source or here).partition(":")
            if m.source is None or m.source == here or channel == out.channel == Channel.WEB:
                media.append(dataclasses.replace(m, source=None))  # web uploads serve both web bots
                continue
            source = self.senders.get((channel, bot))
            if not isinstance(source, FileSource):
                raise DeliveryError(
                    f"cannot fetch a {m.kind} from {m.source} to send to {here}", permanent=True
                )
            data = await source.fetch_file(m.file_id)
            if isinstance(target, FileStore):
                media.append(Media(m.kind, await target.store_file(data), m.caption))
                continue
            ext = sniff_image(data[:16])
            mime = IMAGE_TYPES[ext] if ext else "application/octet-stream"
            try:
                carried = inline_media(data, mime, kind=m.kind if ext else "document", caption=m.caption)
            except ValueError as e:
                raise DeliveryError(f"cannot carry a {m.kind} from {m.source}: {e}", permanent=True) from None
            media.append(carried)
        return dataclasses.replace(out, media=tuple(media))

    async def _card(self, out: Outbound) -> Outbound:
        """Fill in the message a live card is (to edit it) or was (to take its buttons off for a new one)."""
        if not out.card or str(out.channel) not in CARD_CHANNELS:
            return out
        async with self.sessions() as session:
            known = await card_message(session, str(out.channel), str(out.bot), out.chat_id, out.card)
        if known is None:
            return out
        return (
            dataclasses.replace(out, retire=known)
            if out.card_new
            else dataclasses.replace(out, edit_of=known)
        )

    async def _address(self, out: Outbound) -> Outbound:
        """Fill in the forum topic or the reply-thread root of the ticket a staff-group message is about."""
        if out.thread_of is None or out.thread_op in (ThreadOp.CREATE_TOPIC, ThreadOp.ROOT):
            return out
        async with self.sessions() as session:
            thread = await get_thread(session, out.thread_of)
        if thread is None:
            return out  # no thread was asked for: the message goes to the group itself
        if thread.forum and thread.thread_id:
            return dataclasses.replace(out, thread_id=thread.thread_id)
        if not thread.forum and thread.root_message_id:
            return dataclasses.replace(out, reply_to=thread.root_message_id)
        return out  # the thread could not be created: post in the group rather than lose the message

    async def send_one(self, row: OutboxRow) -> bool:
        """Send one row this process claimed and mark it (sent, to retry, failed); whether it got through."""
        # Its log lines name the update that queued it and the chat, as the turn's did.
        with log_context(
            update=row.inbound_key, chat=f"{row.channel}:{row.bot}:{row.chat_id}", outbox=row.id
        ):
            return await self._send_row(row)

    async def _send_chat(self, row: OutboxRow) -> _Attempt:
        """Send a chat row through its (channel, bot) sender; a webhook deliverer never sees it."""
        try:
            out = Outbound.from_dict(row.payload)
        except (KeyError, TypeError, ValueError) as exc:
            # A row no channel can read would hold its chat back for ever: give it up, visibly.
            return _Attempt(f"unreadable outbox row: {type(exc).__name__}: {exc}", permanent=True)
        sender = self.senders.get((row.channel, row.bot))
        if sender is None:
            return _Attempt(
                f"no {row.channel}/{row.bot} channel is configured", permanent=True, no_sender=True
            )
        try:
            out = await self._carry(await self._card(await self._address(out)))
            return _Attempt(out=out, delivered=await sender.send(out))
        except DeliveryError as exc:
            return _Attempt(str(exc), permanent=exc.permanent, retry_in=exc.retry_after)
        except Exception as exc:  # an adapter bug must not stop delivery of other rows
            log.exception("sending outbox row %s failed", row.id)
            return _Attempt(f"{type(exc).__name__}: {exc}")

    async def _send_webhook(self, row: OutboxRow) -> _Attempt:
        """POST a webhook row through the webhook deliverer; a chat channel never sees it."""
        try:
            delivery = WebhookDelivery.from_row(row)
        except ValueError as exc:
            return _Attempt(f"unreadable webhook row: {exc}", permanent=True)
        if self.webhooks is None:
            return _Attempt("no webhook deliverer is configured", permanent=True, no_sender=True)
        try:
            await self.webhooks.deliver(delivery)
            return _Attempt()
        except DeliveryError as exc:
            return _Attempt(str(exc), permanent=exc.permanent, retry_in=exc.retry_after)
        except Exception as exc:
            log.exception("delivering webhook row %s failed", row.id)
            return _Attempt(f"{type(exc).__name__}: {exc}")

    async def _send_row(self, row: OutboxRow) -> bool:
        match row.kind:
            case OutboxKind.CHAT:
                attempt = await self._send_chat(row)
            case OutboxKind.WEBHOOK:
                attempt = await self._send_webhook(row)
            case _:  # a kind of a newer release: nobody here can send it
                attempt = _Attempt("an outbox row of a kind this version does not send", permanent=True)
        error, out, delivered = attempt.error, attempt.out, attempt.delivered
        now = self.clock()
        webhook = row.kind is OutboxKind.WEBHOOK
        # A chat's message is tried for retry_for_s since it was queued, and at least FAST_ATTEMPTS times (so a
        # message an admin sends again from the Messages page gets its fast tries however old it is).
        spent = (
            row.attempts >= WEBHOOK_ATTEMPTS
            if webhook
            else row.attempts >= FAST_ATTEMPTS and (now - row.created_at).total_seconds() >= self.retry_for_s
        )
        gave_up = error is not None and (attempt.permanent or spent)

        async def mark(session: AsyncSession) -> None:
            if error is None:
                await box.mark_sent(session, row.id, at=now)
                if out is None or delivered is None:
                    return
                if out.thread_of and out.thread_op in (ThreadOp.CREATE_TOPIC, ThreadOp.ROOT):
                    # In the same transaction as mark_sent: a crash before it re-sends the row instead.
                    await record_created(
                        session,
                        out.thread_of,
                        thread_id=delivered.thread_id if out.thread_op is ThreadOp.CREATE_TOPIC else None,
                        message_id=delivered.message_id,
                        at=now,
                    )
                if out.card and delivered.message_id and str(out.channel) in CARD_CHANNELS:
                    await record_card(
                        session, row.channel, row.bot, row.chat_id, out.card, delivered.message_id, now
                    )
            elif gave_up:
                log.warning("outbox row %s failed for good: %s", row.id, error)
                await box.mark_failed(session, row.id, at=now, error=error)
            else:
                wait = attempt.retry_in if attempt.retry_in is not None else backoff(row.attempts, row.kind)
                await box.mark_retry(
                    session, row.id, at=now, next_attempt_at=now + timedelta(seconds=wait), error=error
                )

        records = (
            out is not None
            and delivered is not None
            and bool(
                (out.thread_of and out.thread_op in (ThreadOp.CREATE_TOPIC, ThreadOp.ROOT))
                or (out.card and delivered.message_id and str(out.channel) in CARD_CHANNELS)
            )
        )
        if error is None and not records and self.marks is not None:
            await self.marks.mark(row.id, now)  # with the other rows sent meanwhile, in one statement
        else:
            # Again after a cut connection: an unmarked row that was sent would be sent twice once its lease
            # ran out.
            await in_transaction(self.sessions, mark)
        if error is None:
            metrics.delivered(row.channel, row.bot)
        else:
            reason = _reason(attempt.no_sender, attempt.permanent, gave_up, attempt.retry_in)
            metrics.delivery_failed(row.channel, reason)
        if out is not None and error is None and self.on_sent is not None:
            await self.on_sent(out)
        if error is None and not webhook and self.on_delivered is not None:
            try:
                await self.on_delivered(row)
            except Exception:
                log.exception("could not tell supervisors that delivery works again (outbox row %s)", row.id)
        if (
            error is not None
            and not webhook
            and self.on_unreachable is not None
            and (gave_up or row.attempts == FAST_ATTEMPTS)
        ):
            try:
                await self.on_unreachable(row, error, gave_up)
            except Exception:
                log.exception("could not tell supervisors that outbox row %s is not delivered", row.id)
        return error is None


@dataclasses.dataclass(frozen=True, slots=True)
class _Attempt:
    """How one try of a row went: no `error` is success; a chat row's `out` is the message as sent."""

    error: str | None = None
    permanent: bool = False
    retry_in: float | None = None
    no_sender: bool = False
    out: Outbound | None = None
    delivered: Delivered | None = None
