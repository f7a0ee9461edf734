"""Following a published version (an NLU model, an SLA configuration) in every process of a cluster.

A follower checks for a newer version at start, whenever told (a NOTIFY, helpdesk.cluster_sync) and every
`poll_s` seconds as the safety net; a failed check keeps what the process has and is tried again.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod

log = logging.getLogger(__name__)


class VersionFollower(ABC):
    """Runs `check` at start, when told (`check_soon`) and every `poll_s` seconds, until stopped."""

    what = "a published version"  # for the log line of a failed check
    log = log  # the subclass's module logger, so that the line says whose check failed

    def __init__(self) -> None:
        self._soon = asyncio.Event()

    def check_soon(self) -> None:
        """Look for a newer version now (a NOTIFY said one was published)."""
        self._soon.set()

    @abstractmethod
    async def check(self) -> bool:
        """Switch to the newest version if it is newer than the one in use; return whether it switched."""

    async def run(self, stop: asyncio.Event, poll_s: float) -> None:
        """Follow the published versions until `stop`; a failure keeps the current one and is tried again."""
        while not stop.is_set():
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.log.warning("could not load %s (the old one stays): %s", self.what, e)
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._soon.wait())]
            try:
                await asyncio.wait(waiters, timeout=poll_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            self._soon.clear()
