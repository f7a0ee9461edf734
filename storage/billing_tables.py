"""Billing tables: the price list, contract terms, prepaid packages and the append-only ledger.

Money is stored in minor units (kopecks) and hours in hundredths as integers, so sums are exact on SQLite
and PostgreSQL alike; rates and percentages of the terms are exact decimal strings. Migrations
`0017_billing.py`, `0021_ledger_client_indexes.py`, `0026_billing_holds.py` and `0032_ledger_category_index.py`
mirror these tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from storage.db import metadata
from storage.tables import ID
from storage.types import UtcDateTime

LEDGER_ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite's rowid alias is an INTEGER key

price_services = Table(
    "price_services",
    metadata,
    Column("code", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name_ru", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("price", String(32), nullable=False),
    Column("level", Integer, nullable=True),
    Column("category", String(64), nullable=True),
    Column("margin_pct", String(16), nullable=False, server_default="0"),
    PrimaryKeyConstraint("code", "currency", name="pk_price_services"),
)

contract_terms = Table(
    "contract_terms",
    metadata,
    Column("contract_id", String(ID), ForeignKey("contracts.id"), primary_key=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("currency", String(3), nullable=False, server_default="RUB"),
    Column("included_categories", JSON, nullable=False),
    Column("hours_per_month", String(16), nullable=False, server_default="0"),
    Column("callouts_per_month", Integer, nullable=False, server_default="0"),
    Column("discount_pct", String(16), nullable=False, server_default="0"),
    Column("out_of_hours_multiplier", String(16), nullable=False, server_default="1"),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("vat_pct", String(16), nullable=False, server_default="0"),
    Column("estimate_required", Boolean, nullable=False, server_default="0"),
    Column("hold_debtors", Boolean, nullable=False, server_default="0"),
    Column("credit_limit", String(32), nullable=False, server_default="0"),
    Column("account_manager_id", String(ID), nullable=True),
)

billing_packages = Table(
    "billing_packages",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False, index=True),
    Column("hours_c", BigInteger, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("bought_at", UtcDateTime(), nullable=False),
    Column("valid_until", Date, nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", LEDGER_ID, primary_key=True, autoincrement=True),
    Column("client_id", String(ID), ForeignKey("clients.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("account", String(80), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_minor", BigInteger, nullable=False, server_default="0"),
    Column("hours_c", BigInteger, nullable=False, server_default="0"),
    Column("callouts", Integer, nullable=False, server_default="0"),
    Column("ticket_id", String(ID), nullable=True),
    Column("line_key", String(200), nullable=True, unique=True),
    Column("reverses_id", BigInteger, nullable=True, unique=True),
    Column("service_code", String(64), nullable=True),
    Column("quantity_c", BigInteger, nullable=False, server_default="0"),
    Column("unit_price_minor", BigInteger, nullable=False, server_default="0"),
    Column("coverage", String(16), nullable=True),
    Column("text_ru", Text, nullable=False, server_default=""),
    Column("text_en", Text, nullable=False, server_default=""),
    Column("actor_id", String(ID), nullable=False),
    Column("note", Text, nullable=True),
    Column("engineer_id", String(ID), nullable=True),
    Column("category", String(64), nullable=True),
    Index("ix_ledger_entries_client_account", "client_id", "account", "amount_minor"),  # 0021: a balance
    Index("ix_ledger_entries_client_at", "client_id", "at"),  # 0021: one client's month
    Index("ix_ledger_entries_at_client", "at", "client_id"),
    Index("ix_ledger_entries_ticket", "ticket_id"),
    Index("ix_ledger_entries_category_at", "category", "at"),  # 0032: an estimate's typical hours
)

billing_holds = Table(
    "billing_holds",
    metadata,
    Column("ticket_id", String(ID), ForeignKey("tickets.id"), nullable=False),
    Column("round", Integer, nullable=False),  # the ticket's reopen_count: each round of paid work asks again
    Column("kind", String(16), nullable=False),  # estimate | debt
    Column("status", String(16), nullable=False),  # pending | approved | declined
    Column("client_id", String(ID), nullable=False),
    Column("currency", String(3), nullable=False),
    Column(
        "amount_minor", BigInteger, nullable=False, server_default="0"
    ),  # the debt, or the quote's headline
    Column("details", JSON, nullable=False),  # the quote's prices as exact decimal strings
    Column("asked_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decided_by", String(ID), nullable=True),
    PrimaryKeyConstraint("ticket_id", "round", "kind", name="pk_billing_holds"),
)
"""Jobs that wait before routing: the client's estimate approval, a supervisor's go-ahead for a debtor (0026)."""

billing_notices = Table(
    "billing_notices",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("sent_at", UtcDateTime(), nullable=False),
)
"""Billing notices sent, by key ("contract-ends:k-1:2026-12-31", "debtors:2026-W49"): each goes out once."""

BILLING_TABLES = (
    price_services,
    contract_terms,
    billing_packages,
    ledger_entries,
    billing_holds,
    billing_notices,
)
"""Every table of this module."""
