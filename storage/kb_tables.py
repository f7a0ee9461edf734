"""KB tables: articles, their version history (the audit trail of every edit), unanswered questions and
confirmed phrasings (`kb_phrasings`, migration `0013_kb_phrasings.py`).

Mirrored by the hand-written migration `0002_kb.py`. `kb_vectors` holds chunk embeddings for the
pgvector index backend (a pgvector column on PostgreSQL; on SQLite the table exists but stays unused).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import JSON, BigInteger, Column, Float, Index, Integer, LargeBinary, String, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from storage.db import metadata
from storage.types import UtcDateTime

ID = 64
AUDIENCE = 80
PK = BigInteger().with_variant(Integer, "sqlite")
"""SQLite only auto-increments an INTEGER PRIMARY KEY."""

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("audience", String(AUDIENCE), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False, index=True),
    Column("updated_by", String(ID), nullable=True),
    # Deleting keeps the row (as a tombstone) so other processes see the deletion in changed_since.
    Column("deleted_at", UtcDateTime(), nullable=True),
)

kb_article_versions = Table(
    "kb_article_versions",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("article_id", String(ID), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("audience", String(AUDIENCE), nullable=False),
    Column("lang", String(8), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("author", String(ID), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_kb_article_versions_article_id_version", "article_id", "version", unique=True),
)

kb_gaps = Table(
    "kb_gaps",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("query", Text, nullable=False),
    Column("audience", String(AUDIENCE), nullable=False),
    Column("best_score", Float, nullable=False),
    Column("at", UtcDateTime(), nullable=False, index=True),
)


class Embedding(TypeDecorator[np.ndarray]):
    """A float32 vector: pgvector's `vector` on PostgreSQL, raw float32 bytes elsewhere (SQLite)."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Use pgvector's type on PostgreSQL."""
        if dialect.name == "postgresql":
            from pgvector.sqlalchemy import Vector

            # No fixed dimension: the embedder is configuration, and exact search needs no typed index.
            return dialect.type_descriptor(Vector())
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Pass vectors to pgvector as they are; pack them as float32 bytes elsewhere."""
        if value is None or dialect.name == "postgresql":
            return value
        return np.asarray(value, dtype=np.float32).tobytes()

    def process_result_value(self, value: Any, dialect: Dialect) -> np.ndarray | None:
        """Return a float32 numpy vector."""
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return np.frombuffer(bytes(value), dtype=np.float32).copy()
        return np.asarray(value, dtype=np.float32)


kb_vectors = Table(
    "kb_vectors",
    metadata,
    Column("article_id", String(ID), primary_key=True),
    Column("chunk", Integer, primary_key=True),
    Column("audience", String(AUDIENCE), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("embedding", Embedding(), nullable=False),
)

kb_phrasings = Table(
    "kb_phrasings",
    metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("article_id", String(ID), nullable=False, index=True),
    Column("text", Text, nullable=False),
    # kb_search.phrasings.text_key of the text: one row per wording, article and audience.
    Column("text_key", String(32), nullable=False),
    Column("audience", String(AUDIENCE), nullable=False),
    Column("source", String(24), nullable=False),
    # Distinct confirmers ("client:<id>", "contact:<id>", "staff:<id>", "history", "admin:<id>") per side.
    Column("helped_by", JSON, nullable=False),
    Column("not_helped_by", JSON, nullable=False),
    Column("helped", Integer, nullable=False),
    Column("not_helped", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False, index=True),
    # Removing keeps the row (as a tombstone) so other processes see it in changed_since.
    Column("removed_at", UtcDateTime(), nullable=True),
    Column("removed_by", String(ID), nullable=True),
    Index("ix_kb_phrasings_article_id_audience_text_key", "article_id", "audience", "text_key", unique=True),
)
