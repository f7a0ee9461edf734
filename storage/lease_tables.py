"""Leases of the cluster's singletons (Telegram polling of a bot): one row per job, held by one process.

A process holds a job while its row names it and `expires_at` is ahead; it renews the row well before then.
A process that dies stops renewing, and another takes the job once the row has expired. Mirrored by
migration 0014.
"""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from storage.db import metadata
from storage.types import UtcDateTime

ID = 64

leases = Table(
    "leases",
    metadata,
    Column("name", String(ID), primary_key=True),  # the job, e.g. "telegram-polling:client"
    Column("holder", String(200), nullable=False),  # host:pid:object of the process that holds it
    Column("acquired_at", UtcDateTime(), nullable=False),  # when this holder took it (takeover figures)
    Column("expires_at", UtcDateTime(), nullable=False),
)
