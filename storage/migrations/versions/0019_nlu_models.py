"""Published NLU models (issue #17): a retrained model reaches every process of the cluster.

`nlu_models` is mirrored in storage/nlu_tables.py. On PostgreSQL a statement-level trigger sends
`NOTIFY helpdesk_nlu` when a model is published; every process LISTENs and loads it at once (and looks
for a newer one every 30 s regardless).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nlu_models",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("version", name="pk_nlu_models"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION helpdesk_nlu_notify() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN PERFORM pg_notify('helpdesk_nlu', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER nlu_models_notify AFTER INSERT ON nlu_models"
        " FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_nlu_notify()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS nlu_models_notify ON nlu_models")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_nlu_notify()")
    op.drop_table("nlu_models")
