"""Confirmed phrasings of KB articles (issue #14): questions a client or an engineer confirmed an article
answers, matched question to question by search.

Mirrored in storage/kb_tables.py (`kb_phrasings`).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64
AUDIENCE = 80


def _pk() -> sa.types.TypeEngine[int]:
    # SQLite only auto-increments an INTEGER PRIMARY KEY.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kb_phrasings",
        sa.Column("id", _pk(), autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(ID), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_key", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(AUDIENCE), nullable=False),
        sa.Column("source", sa.String(24), nullable=False),
        sa.Column("helped_by", sa.JSON(), nullable=False),
        sa.Column("not_helped_by", sa.JSON(), nullable=False),
        sa.Column("helped", sa.Integer(), nullable=False),
        sa.Column("not_helped", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(ID), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_kb_phrasings"),
    )
    op.create_index("ix_kb_phrasings_article_id", "kb_phrasings", ["article_id"])
    op.create_index("ix_kb_phrasings_updated_at", "kb_phrasings", ["updated_at"])
    op.create_index(
        "ix_kb_phrasings_article_id_audience_text_key",
        "kb_phrasings",
        ["article_id", "audience", "text_key"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_kb_phrasings_article_id_audience_text_key", table_name="kb_phrasings")
    op.drop_index("ix_kb_phrasings_updated_at", table_name="kb_phrasings")
    op.drop_index("ix_kb_phrasings_article_id", table_name="kb_phrasings")
    op.drop_table("kb_phrasings")
