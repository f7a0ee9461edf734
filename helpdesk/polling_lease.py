"""Telegram polling in exactly one process of the cluster, chosen by a lease in the database.

Telegram lets one consumer read a bot's updates (a second getUpdates ends the first with 409 Conflict), so
with several workers only the holder of the lease `telegram-polling` polls; the others keep trying to take
it. The holder renews it every `renew_s`; a holder that dies stops renewing and another process takes over
once it expires (`ttl_s` + `renew_s` at most: 12 s with the defaults). A holder that cannot reach the
database stops polling before its lease can have expired, so two pollers never overlap for long. A clean
stop gives the lease back at once.

Updates read but not yet confirmed by the dead holder are read again by the next one (Telegram confirms an
update with the next getUpdates' offset); the inbox records each update id once, so nothing is handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk import metrics
from storage import leases

log = logging.getLogger(__name__)

LEASE_NAME = "telegram-polling"
TTL_S = 10.0
RENEW_S = 2.0


class PollingChannel(Protocol):
    """What the lease drives: a Telegram channel (`bots.telegram_common.channel.TelegramChannelBase`)."""

    @property
    def bot_kind(self) -> str:
        """The bot's kind (client, staff), the metric's label."""
        ...

    async def start_polling(self) -> None:
        """Begin reading updates by long polling."""
        ...

    async def stop(self) -> None:
        """Stop polling (the channel still sends)."""
        ...


class PollingLease:
    """Starts the Telegram channels' polling while this process holds the lease, stops it when it does not."""

    def __init__(
        self,
        db: AsyncEngine,
        channels: Sequence[PollingChannel],
        *,
        ttl_s: float = TTL_S,
        renew_s: float = RENEW_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.channels = list(channels)
        self.ttl_s = ttl_s
        self.renew_s = renew_s
        self.clock = clock
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.polling = False
        self._valid_until = 0.0  # time.monotonic() until which our last successful renewal holds

    async def _try_hold(self) -> bool:
        asked = time.monotonic()
        try:
            async with self.db.begin() as conn:
                lease = await leases.hold(conn, LEASE_NAME, self.holder, now=self.clock(), ttl_s=self.ttl_s)
        except Exception as e:
            log.warning("polling lease: could not renew or take it: %s", e)
            # Keep polling only while the lease we last renewed is surely ours (renewed before we asked).
            return self.polling and time.monotonic() < self._valid_until - self.renew_s
        if lease.holder != self.holder:
            return False
        self._valid_until = asked + self.ttl_s
        return True

    async def step(self) -> None:
        """Take or renew the lease once; start or stop polling to match."""
        held = await self._try_hold()
        if held and not self.polling:
            log.info("polling lease taken by %s: Telegram polling starts here", self.holder)
            self.polling = True
            for channel in self.channels:
                await channel.start_polling()
        elif not held and self.polling:
            log.warning("polling lease lost by %s: Telegram polling stops here", self.holder)
            self.polling = False
            await self._stop_polling()
        for channel in self.channels:
            metrics.POLLING_LEADER.labels(str(channel.bot_kind)).set(1 if self.polling else 0)

    async def _stop_polling(self) -> None:
        for channel in self.channels:
            try:
                await channel.stop()  # a channel stopped this way still sends (its session reopens)
            except Exception:
                log.exception("stopping Telegram polling failed")

    async def run(self, stop: asyncio.Event) -> None:
        """Hold the lease and poll while holding it, until `stop` is set; then give the lease back."""
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except Exception:
                    log.exception("polling lease: a step failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.renew_s)
        finally:
            await self.release()

    async def release(self) -> None:
        """Give the lease back (polling is stopped by the runtime's close, which stops the channels)."""
        if not self.polling:
            return
        self.polling = False
        try:
            async with self.db.begin() as conn:
                await leases.release(conn, LEASE_NAME, self.holder)
        except Exception as e:
            log.warning("polling lease: could not give it back (it expires in %.0f s): %s", self.ttl_s, e)
