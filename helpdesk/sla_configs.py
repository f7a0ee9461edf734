"""The SLA configuration every process uses, and how a changed one reaches all of them without a restart.

`SLA_CONFIG_FILE` is read at start. `helpdesk sla publish FILE` checks a file the same way and stores its
text as a version in the database (`storage.sla_configs`); once a version is published it is what every
process uses, including processes started later (the file then only matters until the first publish, and
`helpdesk sla show` says which is in force). Every process follows the newest version (`SlaConfigFollower`):
at start, when PostgreSQL says one was published (NOTIFY helpdesk_sla, see helpdesk.cluster_sync), and every
`POLL_S` seconds as the safety net. The new configuration is swapped in between two units of work
(`ticket_core.sla.config.SlaConfigRef`): timers already set keep their due times, tickets opened or
rescheduled afterwards follow the new policies, and the reports count breaches by the new ladder. A version
that cannot be read (for example one published by a newer release) is logged and the old one stays.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from helpdesk.config_errors import ConfigError
from helpdesk.following import VersionFollower
from helpdesk.sla_worker import SlaFileError, load_sla_config, parse_sla_text
from storage import sla_configs as store
from ticket_core.sla.config import SlaConfig, SlaConfigRef

log = logging.getLogger(__name__)

POLL_S = 30.0
MAX_FILE_BYTES = 1024 * 1024


def published_name(version: int) -> str:
    """How a published version is named in logs and errors."""
    return f"published SLA version {version}"


def read_checked(path: Path) -> str:
    """The SLA file's text, checked as a process checks `SLA_CONFIG_FILE` at start.

    Raises:
        ConfigError: the file is missing, too big or wrong; one line naming the file and the problem.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError("FILE", f"cannot read {path}: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise ConfigError("FILE", f"{path} has {size} bytes; an SLA file is at most {MAX_FILE_BYTES}")
    try:
        load_sla_config(path)  # the very check `helpdesk run` makes of SLA_CONFIG_FILE
    except SlaFileError as exc:
        raise ConfigError("FILE", exc.problem, where=os.fspath(path)) from None
    return path.read_text(encoding="utf-8")


async def publish_file(db: AsyncEngine, path: Path) -> int:
    """Check the SLA file, then store it as the newest version; return its number.

    Raises:
        ConfigError: the file is missing, too big or wrong (`read_checked`).
    """
    text = await asyncio.to_thread(read_checked, path)
    return await store.publish(db, text, os.fspath(path), datetime.now(UTC))


async def initial_config(db: AsyncEngine, file: Path | None) -> SlaConfigRef:
    """What a process starts with: the newest published version, else `SLA_CONFIG_FILE` (or the defaults).

    The file is always read and checked first, so a bad file stops the process even while a published
    version is in force (it would be used again if the published versions were removed).

    Raises:
        SlaFileError: `file` is wrong.
    """
    from_file = load_sla_config(file)
    source = os.fspath(file) if file is not None else "built-in defaults"
    try:
        latest = await store.latest_version(db)
    except Exception as e:  # an old schema (migrate not run yet) or a database hiccup: the file is safe
        log.warning("published SLA versions could not be read (%s); using %s", e, source)
        return SlaConfigRef(from_file, None, source)
    if latest is None:
        return SlaConfigRef(from_file, None, source)
    ref = SlaConfigRef(from_file, None, source)
    if not await SlaConfigFollower(db, ref).check():
        log.warning("the %s cannot be read; using %s", published_name(latest), source)
    return ref


class SlaConfigFollower(VersionFollower):
    """Keeps a process's `SlaConfigRef` on the newest published version (`run(stop, POLL_S)`)."""

    log = log
    what = "the newest published SLA configuration"

    def __init__(
        self, db: AsyncEngine, ref: SlaConfigRef, on_swap: Callable[[SlaConfig], None] | None = None
    ) -> None:
        super().__init__()
        self.db = db
        self.ref = ref
        self.on_swap = on_swap
        self._lock = asyncio.Lock()
        self._unreadable: int | None = None  # a version that failed: not tried again until a newer one

    async def check(self) -> bool:
        """Switch to the newest version if it is newer than the one in use; return whether it switched."""
        async with self._lock:
            latest = await store.latest_version(self.db)
            if latest is None or latest == self._unreadable:
                return False
            if self.ref.version is not None and latest <= self.ref.version:
                return False
            published = await store.fetch(self.db, latest)
            if published is None:
                return False
            name = published_name(published.version)
            try:
                config = parse_sla_text(published.body, name)
            except SlaFileError as e:
                self._unreadable = published.version
                log.warning("%s cannot be used (the current configuration stays): %s", name, e.problem)
                return False
            self.ref.swap(config, published.version, f"{name} (from {published.source})")
            if self.on_swap is not None:
                self.on_swap(config)
            log.info(
                "SLA configuration: %s from %s, published %s, in force",
                name,
                published.source,
                published.created_at.isoformat(timespec="seconds"),
            )
            return True
