"""Published NLU models: each `helpdesk nlu publish` (or `nlu train --publish`) adds a version that every
process of the cluster loads (helpdesk.nlu_models), wherever the model was trained. Mirrored by migration 0019.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Integer, LargeBinary, String, Table

from storage.db import metadata
from storage.types import UtcDateTime

nlu_models = Table(
    "nlu_models",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sha256", String(64), nullable=False),  # of the archive: a process skips what it already has
    Column("meta", JSON, nullable=False),  # the model's meta.json (intents, examples, recipe)
    Column("archive", LargeBinary, nullable=False),  # the model folder as a zip (about 0.7 MB)
)
