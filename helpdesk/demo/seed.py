"""`helpdesk demo-data`: load the demo company into the configured database (idempotent)."""

from __future__ import annotations

from typing import Any

from helpdesk.demo.loader import KB_FILE, load_directory, read_directory
from helpdesk.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.kb_repository import install as install_kb_repositories
from storage.uow import UnitOfWorkFactory


async def seed_demo(settings: Settings, *, with_kb: bool = True) -> dict[str, Any]:
    """Insert the demo directory and, unless told not to, import the demo KB; return what was added."""
    db = make_engine(settings.database_url)
    try:
        uows = UnitOfWorkFactory(make_sessionmaker(db))
        install_kb_repositories(uows)
        async with uows() as uow:
            counts: dict[str, Any] = await load_directory(uow, read_directory())
            await uow.commit()
        if with_kb:
            from kb_search.importer import import_path

            async with uows() as uow:
                counts["kb_articles"] = await import_path(uow.articles, KB_FILE, author="demo-data")  # type: ignore[attr-defined]
                await uow.commit()
        return counts
    finally:
        await db.dispose()
