"""Published SLA configurations: each `helpdesk sla publish FILE` adds a version that every running process
of the cluster switches to without a restart (helpdesk.sla_configs). Mirrored by migration 0027.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from storage.db import metadata
from storage.types import UtcDateTime

sla_configs = Table(
    "sla_configs",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("source", String(300), nullable=False),  # the file it was published from, as the operator named it
    Column("body", Text, nullable=False),  # the file's text (YAML or JSON), checked before it was stored
)
