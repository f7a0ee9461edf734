"""Billing (issue #20): the price list, contract terms, prepaid packages and the append-only ledger.

Mirrors storage/billing_tables.py. Money is in minor units and hours in hundredths (integers), so sums are
exact on both databases.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 64


def upgrade() -> None:
    op.create_table(
        "price_services",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name_ru", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("price", sa.String(32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
        sa.Column("margin_pct", sa.String(16), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("code", "currency", name="pk_price_services"),
    )
    op.create_table(
        "contract_terms",
        sa.Column("contract_id", sa.String(ID), sa.ForeignKey("contracts.id"), primary_key=True),
        sa.Column("client_id", sa.String(ID), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="RUB"),
        sa.Column("included_categories", sa.JSON(), nullable=False),
        sa.Column("hours_per_month", sa.String(16), nullable=False, server_default="0"),
        sa.Column("callouts_per_month", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("discount_pct", sa.String(16), nullable=False, server_default="0"),
        sa.Column("out_of_hours_multiplier", sa.String(16), nullable=False, server_default="1"),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("vat_pct", sa.String(16), nullable=False, server_default="0"),
        sa.Column("estimate_required", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("hold_debtors", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("credit_limit", sa.String(32), nullable=False, server_default="0"),
        sa.Column("account_manager_id", sa.String(ID), nullable=True),
    )
    op.create_index("ix_contract_terms_client_id", "contract_terms", ["client_id"])
    op.create_table(
        "billing_packages",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("client_id", sa.String(ID), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("hours_c", sa.BigInteger(), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("bought_at", UtcDateTime(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
    )
    op.create_index("ix_billing_packages_client_id", "billing_packages", ["client_id"])
    op.create_table(
        "ledger_entries",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("client_id", sa.String(ID), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("account", sa.String(80), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("hours_c", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("callouts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("ticket_id", sa.String(ID), nullable=True),
        sa.Column("line_key", sa.String(200), nullable=True, unique=True),
        sa.Column("reverses_id", sa.BigInteger(), nullable=True, unique=True),
        sa.Column("service_code", sa.String(64), nullable=True),
        sa.Column("quantity_c", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("coverage", sa.String(16), nullable=True),
        sa.Column("text_ru", sa.Text(), nullable=False, server_default=""),
        sa.Column("text_en", sa.Text(), nullable=False, server_default=""),
        sa.Column("actor_id", sa.String(ID), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("engineer_id", sa.String(ID), nullable=True),
        sa.Column("category", sa.String(64), nullable=True),
    )
    op.create_index("ix_ledger_entries_client_account", "ledger_entries", ["client_id", "account"])
    op.create_index("ix_ledger_entries_at_client", "ledger_entries", ["at", "client_id"])
    op.create_index("ix_ledger_entries_ticket", "ledger_entries", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("ledger_entries")
    op.drop_table("billing_packages")
    op.drop_table("contract_terms")
    op.drop_table("price_services")
