"""The inbound SMTP listener (aiosmtpd): a mail is recorded durably before the server answers 250.

The listener runs on the app's own event loop (aiosmtpd's `SMTP` is an asyncio protocol), so handing a mail to
the inbox is a plain await. When the inbox cannot record it the answer is 451: the sending server keeps the
mail and tries again later, as SMTP servers do, so nothing accepted is lost. Mails larger than the limit are
refused by aiosmtpd itself with 552 while they arrive.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

Receive = Callable[[bytes, str], Awaitable[str]]
"""receive(raw mail, envelope sender) -> the SMTP answer ("250 ..."; "451 ..." when it was not recorded)."""


class MailHandler:
    """aiosmtpd's handler: every recipient at our domains is accepted, each mail goes to `receive`."""

    def __init__(self, receive: Receive, domains: frozenset[str]) -> None:
        self.receive = receive
        self.domains = domains

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept mail for our domains only: the listener is not an open relay."""
        domain = address.rpartition("@")[2].lower()
        if self.domains and domain not in self.domains:
            return "550 5.7.1 Relaying denied: not a mailbox of this help desk"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Record the mail, then answer: 250 once it is recorded, 451 when it could not be."""
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        try:
            # The null sender of bounces comes as "<>" (or nothing): it is told apart as "".
            return await self.receive(data, (envelope.mail_from or "").strip().strip("<>"))
        except Exception:  # the sending server retries a 4xx; a crash would drop the connection instead
            log.exception("a mail from %s could not be taken", envelope.mail_from)
            return "451 4.3.0 Temporary failure, please try again later"


class SmtpListener:
    """An SMTP server on host:port, on the running event loop."""

    def __init__(
        self, receive: Receive, host: str, port: int, *, domains: frozenset[str], max_bytes: int
    ) -> None:
        self.handler = MailHandler(receive, domains)
        self.host, self.port = host, port
        self.max_bytes = max_bytes
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        """Listen; returns the port (the one the system chose when `port` is 0)."""
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SMTP(
                self.handler,
                data_size_limit=self.max_bytes,
                enable_SMTPUTF8=True,
                decode_data=False,
                hostname=self.host if self.host not in ("", "0.0.0.0", "::") else None,
                loop=loop,
            )

        # reuse_port: several web processes of one host can all listen on the port (the kernel spreads mail).
        self._server = await loop.create_server(protocol, self.host, self.port, reuse_port=True)
        sockets = self._server.sockets or ()
        self.port = int(sockets[0].getsockname()[1]) if sockets else self.port
        log.info("SMTP listener on %s:%s", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening and close open sessions."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
