"""IMAP inbound: mail read from a support mailbox, recorded in the inbox like mail from the SMTP listener.

IMAPClient is synchronous, so every call runs in a thread (`asyncio.to_thread`) and the event loop never
waits on the mail server. A mail is fetched with BODY.PEEK[] (which leaves it unread for the people who also
read the mailbox), handed to the same `receive` as the listener's, and only once it is recorded does it get
the keyword `$HelpdeskTaken`, so the next search skips it. A crash between the two fetches it again, and the
inbox's Message-ID deduplication drops the repeat. Between rounds the poller waits in IDLE (RFC 2177) when
the server has it, else it sleeps: a new mail is taken at once with IDLE, within `poll_s` without.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

log = logging.getLogger(__name__)

TAKEN = "$HelpdeskTaken"
"""The keyword a mail gets once it is recorded (IMAP keywords are per mailbox and survive reconnects)."""
BATCH = 50
RETRY_S = 5.0

Receive = Callable[[bytes, str | None], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class ImapConfig:
    """Where the support mailbox is."""

    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    use_ssl: bool = True
    folder: str = "INBOX"
    poll_s: float = 30.0  # the longest wait between searches (an IDLE round, or the poll without IDLE)
    use_idle: bool = True  # False: poll even when the server has IDLE


class ImapPoller:
    """Reads new mail from one mailbox folder until stopped."""

    def __init__(self, receive: Receive, config: ImapConfig) -> None:
        self.receive = receive
        self.config = config
        self.taken = 0
        self.idle_supported: bool | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, take what is new, wait for more; reconnect after a failure, until `stop` is set."""
        while not stop.is_set():
            try:
                await self._session(stop)
            except (IMAPClientError, OSError, ssl.SSLError) as error:
                log.warning(
                    "IMAP %s:%s: %s; retrying in %.0f s", self.config.host, self.config.port, error, RETRY_S
                )
                try:
                    await asyncio.wait_for(stop.wait(), RETRY_S)
                except TimeoutError:
                    pass

    async def _session(self, stop: asyncio.Event) -> None:
        client = await asyncio.to_thread(self._connect)
        try:
            has_idle = bool(await asyncio.to_thread(client.has_capability, "IDLE"))
            self.idle_supported = has_idle and self.config.use_idle
            while not stop.is_set():
                if await self.take_new(client) == BATCH:
                    continue  # more are waiting
                await self._wait(client, stop)
        finally:
            await asyncio.to_thread(_logout, client)

    def _connect(self) -> IMAPClient:
        c = self.config
        client = IMAPClient(c.host, port=c.port, ssl=c.use_ssl, timeout=max(30.0, c.poll_s + 10))
        client.login(c.user, c.password)
        client.select_folder(c.folder)
        return client

    async def take_new(self, client: IMAPClient) -> int:
        """Record the mails not taken yet (up to a batch); returns how many were looked at."""
        uids = sorted(await asyncio.to_thread(client.search, ["UNKEYWORD", TAKEN]))[:BATCH]
        for uid in uids:
            fetched = await asyncio.to_thread(client.fetch, [uid], ["BODY.PEEK[]"])
            raw = fetched.get(uid, {}).get(b"BODY[]")
            if not isinstance(raw, bytes):
                continue  # expunged meanwhile
            answer = await self.receive(raw, None)
            if answer.startswith("4"):
                # Not recorded (the database is away): leave it for the next round, in order.
                log.warning("IMAP mail %s not recorded: %s", uid, answer)
                return 0
            # 250 (recorded, or automatic and dropped) or 5xx (never takeable): done with it either way.
            await asyncio.to_thread(client.add_flags, [uid], [TAKEN])
            self.taken += 1
        return len(uids)

    async def _wait(self, client: IMAPClient, stop: asyncio.Event) -> None:
        if self.idle_supported:
            await asyncio.to_thread(_idle, client, self.config.poll_s)
            return
        try:
            await asyncio.wait_for(stop.wait(), self.config.poll_s)
        except TimeoutError:
            pass


def _idle(client: IMAPClient, timeout_s: float) -> None:
    """Wait in IDLE until the server says something changed, or `timeout_s` passed."""
    client.idle()
    try:
        client.idle_check(timeout=timeout_s)
    finally:
        client.idle_done()


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except (IMAPClientError, OSError):
        pass
