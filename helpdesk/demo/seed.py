"""`helpdesk demo-data`: load the demo company into the configured database (idempotent)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from helpdesk.admin.demo import set_demo_passwords
from helpdesk.demo.billing import load_billing, read_billing
from helpdesk.demo.loader import KB_FILE, load_directory, read_directory
from helpdesk.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.uow import UnitOfWorkFactory


async def seed_demo(
    settings: Settings, *, with_kb: bool = True, with_billing: bool = False
) -> dict[str, Any]:
    """Insert the demo directory and, unless told not to, import the demo KB; with `with_billing`, the price list,
    the clients' money terms and this month's charged jobs and payments (`helpdesk.demo.billing`); return what
    was added. The tests that share the demo directory leave the billing out: its jobs take ticket numbers."""
    db = make_engine(settings.database_url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(db))
        async with uows() as uow:
            counts: dict[str, Any] = await load_directory(uow, read_directory())
            counts["admin_logins"] = await set_demo_passwords(uow, datetime.now(UTC))  # README "Web admin"
            if with_billing:
                counts["billing"] = await load_billing(uow, read_billing(), datetime.now(UTC))
            await uow.commit()
        if with_kb:
            from kb_search.editing import Editor, import_articles
            from kb_search.importer import read_path

            articles = read_path(KB_FILE)
            async with uows() as uow:
                # Loaded again (every `make run`), it must not undo what an admin changed or deleted since.
                await import_articles(
                    uow, Editor("demo-data"), articles, datetime.now(UTC), keep_others_edits=True
                )
                await uow.commit()
            counts["kb_articles"] = len(articles)
        return counts
    finally:
        await db.dispose()
