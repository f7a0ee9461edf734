"""The whole schema: importing this module puts every table module's tables into `storage.db.metadata`.

Migrations' environment and the schema tests compare against `metadata`, so they must see every table; a
new `storage/*_tables.py` module is listed here (tests/integration/test_migrations.py checks that none is
missing).
"""

from __future__ import annotations

from storage import (
    admin_tables,  # web admin tables and list indexes
    api_tables,  # API tokens, audit, webhook subscriptions
    billing_tables,  # price list, contract terms, packages, ledger
    equipment_tables,  # equipment registry, tickets on units, monitoring alerts
    inbox_tables,  # the durable inbox
    kb_tables,  # the knowledge base
    lease_tables,  # singletons' leases (Telegram polling)
    nlu_tables,  # published NLU models
    portal_tables,  # the client portal's sign-in links and sessions
    report_tables,  # report rollups
    sla_config_tables,  # published SLA configurations
    sla_tables,  # SLA timers and alerts
    tables,  # tickets, people, conversations, outbox, events
)
from storage.db import metadata

TABLE_MODULES = (
    admin_tables,
    api_tables,
    billing_tables,
    equipment_tables,
    inbox_tables,
    kb_tables,
    lease_tables,
    nlu_tables,
    portal_tables,
    report_tables,
    sla_config_tables,
    sla_tables,
    tables,
)
"""Every module that defines tables (imported above for their effect on `metadata`)."""

__all__ = ["TABLE_MODULES", "metadata"]
