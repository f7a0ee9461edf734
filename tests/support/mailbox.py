"""A real SMTP server (aiosmtpd) that keeps every mail it is given: a client's mailbox in the email tests."""

from __future__ import annotations

import asyncio
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, Envelope, Session


class Mailbox:
    """Every mail delivered to it over SMTP, parsed; `wait_for` waits until there are `n`."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.arrivals: list[float] = []  # time.monotonic() when each mail of `mails` arrived
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._arrived = asyncio.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the mail."""
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode()
        mail = BytesParser(policy=policy.default).parsebytes(data)
        assert isinstance(mail, EmailMessage)
        self.mails.append(mail)
        self.arrivals.append(time.monotonic())
        self._arrived.set()
        return "250 OK"

    async def __aenter__(self) -> Mailbox:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self, loop=loop), "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def wait_for(self, n: int, within_s: float = 15.0) -> list[EmailMessage]:
        """The mails once there are at least `n` (TimeoutError after `within_s` seconds)."""
        async with asyncio.timeout(within_s):
            while len(self.mails) < n:
                self._arrived.clear()
                await self._arrived.wait()
        return self.mails
