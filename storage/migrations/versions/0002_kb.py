"""Knowledge base: articles, version history, unanswered questions, chunk vectors (pgvector on PostgreSQL).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64
AUDIENCE = 80


def _pk() -> sa.types.TypeEngine:
    # SQLite only auto-increments an INTEGER PRIMARY KEY.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _embedding() -> sa.types.TypeEngine:
    if op.get_bind().dialect.name == "postgresql":
        from pgvector.sqlalchemy import Vector

        return Vector()
    return sa.LargeBinary()


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Needs the pgvector extension installed on the server: scripts/pgvector/install.sh.
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(AUDIENCE), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(ID), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kb_articles"),
    )
    op.create_index("ix_kb_articles_updated_at", "kb_articles", ["updated_at"])
    op.create_table(
        "kb_article_versions",
        sa.Column("id", _pk(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(ID), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(AUDIENCE), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("author", sa.String(ID), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_article_versions"),
    )
    op.create_index(
        "ix_kb_article_versions_article_id_version",
        "kb_article_versions",
        ["article_id", "version"],
        unique=True,
    )
    op.create_table(
        "kb_gaps",
        sa.Column("id", _pk(), autoincrement=True, nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(AUDIENCE), nullable=False),
        sa.Column("best_score", sa.Float(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_kb_gaps"),
    )
    op.create_index("ix_kb_gaps_at", "kb_gaps", ["at"])
    op.create_table(
        "kb_vectors",
        sa.Column("article_id", sa.String(ID), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(AUDIENCE), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("embedding", _embedding(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "chunk", name="pk_kb_vectors"),
    )
    op.create_index("ix_kb_vectors_audience", "kb_vectors", ["audience"])


def downgrade() -> None:
    op.drop_index("ix_kb_vectors_audience", table_name="kb_vectors")
    op.drop_table("kb_vectors")
    op.drop_index("ix_kb_gaps_at", table_name="kb_gaps")
    op.drop_table("kb_gaps")
    op.drop_index("ix_kb_article_versions_article_id_version", table_name="kb_article_versions")
    op.drop_table("kb_article_versions")
    op.drop_index("ix_kb_articles_updated_at", table_name="kb_articles")
    op.drop_table("kb_articles")
    # The vector extension stays: other databases on the server may use it.
