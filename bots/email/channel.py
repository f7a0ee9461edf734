"""`EmailChannel`: the client side of the help desk by mail, on an SMTP listener in and an SMTP relay out."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.headerregistry import Address
from pathlib import Path

import aiosmtplib

from bots.email.compose import compose
from bots.email.imap_in import ImapConfig, ImapPoller
from bots.email.inbound import to_inbound
from bots.email.parse import Attachment, read_mail
from bots.email.smtp_in import SmtpListener
from bots.email.unsubscribe import make_token
from bots.ratelimit import Rate, RateLimiter
from dialogue.messages import Delivered, DeliveryError, InboundNotRecorded, Media, Outbound

log = logging.getLogger(__name__)

OnInbound = Callable[..., Awaitable[None]]
SAFE_EXT = re.compile(r"^\.[a-z0-9]{1,8}$")
FILE_ID = re.compile(r"^mail-[0-9a-f]{64}(\.[a-z0-9]{1,8})?$")
MAX_ATTACHMENTS = 10
SEND_TIMEOUT_S = 30.0
PER_DOMAIN = Rate(60, 60.0, burst=10)
"""Mails per receiving domain by default, so that big providers do not defer us as a burst sender."""


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """How the channel reaches mail: where it listens, who it writes as, which relay it sends through."""

    address: str  # the support address mail comes to and goes from
    name: str = "Helpdesk"
    listen_host: str | None = None  # None: no listener (mail comes some other way)
    listen_port: int = 2525
    relay_host: str | None = None  # None: mail out is not configured (sends fail and are retried)
    relay_port: int = 25
    relay_user: str | None = None
    relay_password: str | None = None
    relay_starttls: bool = False
    max_bytes: int = 10 * 1024 * 1024
    attachment_dir: str = "var/mail"
    per_domain: Rate = PER_DOMAIN
    imap: ImapConfig | None = None  # a support mailbox to read new mail from (bots.email.imap_in)
    unsubscribe_base: str | None = None  # ".../portal/unsubscribe/": notifications carry a signed link there
    unsubscribe_key: bytes = b""  # bots.email.unsubscribe.derive_key(SECRET_KEY)

    @property
    def domain(self) -> str:
        """The support address's domain: our Message-IDs end with it."""
        return self.address.rpartition("@")[2].lower()


class EmailChannel:
    """Mail in (SMTP listener -> the inbox) and out (outbox -> SMTP relay)."""

    def __init__(self, record: OnInbound, config: EmailConfig) -> None:
        self.record = record
        self.config = config
        self.sender = Address(config.name, addr_spec=config.address)
        self.limits = RateLimiter()
        self.files = Path(config.attachment_dir)
        self.listener: SmtpListener | None = None
        self.imap = ImapPoller(self.receive, config.imap) if config.imap is not None else None
        self._imap_stop = asyncio.Event()
        self._imap_task: asyncio.Task[None] | None = None
        self.dropped_automatic = 0  # mails taken with 250 and never answered (auto-replies, bounces)

    async def receive(self, raw: bytes, envelope_from: str | None = None) -> str:
        """Take one mail: record it in the inbox and say 250, or 451 when it could not be recorded."""
        mail = read_mail(raw, envelope_from)
        if mail is None:
            return "550 5.1.7 A mail needs a From address to be answered"
        if mail.automatic is not None:
            # Never a ticket, never an answer: that is what stops two automatic systems writing forever.
            self.dropped_automatic += 1
            log.info("automatic mail from %s taken and not answered (%s)", mail.sender, mail.automatic)
            return "250 2.0.0 OK: automatic mail, not answered"
        try:
            media = await asyncio.to_thread(self._store, mail.attachments[:MAX_ATTACHMENTS])
        except OSError:
            log.exception("attachments of a mail from %s could not be stored", mail.sender)
            return "451 4.3.0 Temporary failure, please try again later"
        try:
            await self.record(to_inbound(mail, self.config.domain, media))
        except InboundNotRecorded:
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 OK: recorded"

    def _store(self, attachments: tuple[Attachment, ...]) -> tuple[Media, ...]:
        """Write attachments under their content hash (a resend writes the same files) and name them."""
        if not attachments:
            return ()
        self.files.mkdir(parents=True, exist_ok=True)
        media = []
        for a in attachments:
            ext = Path(a.filename).suffix.lower()
            file_id = f"mail-{hashlib.sha256(a.data).hexdigest()}{ext if SAFE_EXT.match(ext) else ''}"
            path = self.files / file_id
            if not path.exists():
                tmp = path.with_suffix(path.suffix + ".tmp")
                tmp.write_bytes(a.data)
                tmp.replace(path)
            kind = "photo" if a.content_type.startswith("image/") else "document"
            media.append(Media(kind, file_id, a.filename, a.content_type))
        return tuple(media)

    async def fetch_file(self, file_id: str) -> bytes:
        """The bytes of an attachment a mail brought (for the channels an engineer reads it in)."""
        if not FILE_ID.match(file_id):
            raise DeliveryError(f"not a mail attachment: {file_id!r}", permanent=True)
        try:
            return await asyncio.to_thread((self.files / file_id).read_bytes)
        except FileNotFoundError as e:
            raise DeliveryError(f"attachment {file_id} is gone", permanent=True) from e

    async def start(self, *, imap: bool = True) -> int | None:
        """Start the SMTP listener and (with `imap`) the IMAP poller that are configured; returns the port."""
        c = self.config
        if imap and self.imap is not None and self._imap_task is None:
            self._imap_stop.clear()
            self._imap_task = asyncio.create_task(self.imap.run(self._imap_stop), name="email-imap")
        if c.listen_host is None:
            return None
        self.listener = SmtpListener(
            self.receive, c.listen_host, c.listen_port, domains=frozenset({c.domain}), max_bytes=c.max_bytes
        )
        return await self.listener.start()

    async def stop(self) -> None:
        """Stop the listener and the IMAP poller (a poller in IDLE leaves its thread at the IDLE timeout)."""
        if self._imap_task is not None:
            self._imap_stop.set()
            self._imap_task.cancel()
            await asyncio.gather(self._imap_task, return_exceptions=True)
            self._imap_task = None
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None

    async def send(self, out: Outbound) -> Delivered:
        """Send one mail through the relay within the receiving domain's rate.

        Raises:
            DeliveryError: permanent on a 5xx answer (the address does not exist), else retried by the outbox.
        """
        c = self.config
        if c.relay_host is None:
            raise DeliveryError("no SMTP relay is configured (EMAIL_RELAY)")
        link = c.unsubscribe_base + make_token(c.unsubscribe_key, out.chat_id) if c.unsubscribe_base else None
        mail = compose(out, self.sender, c.domain, unsubscribe_url=link)
        await self.limits.acquire((out.chat_id.rpartition("@")[2].lower(), c.per_domain))
        try:
            await aiosmtplib.send(
                mail,
                hostname=c.relay_host,
                port=c.relay_port,
                username=c.relay_user,
                password=c.relay_password,
                start_tls=c.relay_starttls,
                timeout=SEND_TIMEOUT_S,
            )
        except aiosmtplib.SMTPRecipientsRefused as e:
            raise DeliveryError(f"the relay refused {out.chat_id}: {e}", permanent=_permanent(e)) from e
        except aiosmtplib.SMTPResponseException as e:
            raise DeliveryError(f"the relay answered {e.code} {e.message}", permanent=e.code >= 500) from e
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
            raise DeliveryError(f"the relay could not be reached: {e}") from e
        return Delivered(message_id=str(mail["Message-ID"]))


def _permanent(error: aiosmtplib.SMTPRecipientsRefused) -> bool:
    return all(r.code >= 500 for r in error.recipients)
