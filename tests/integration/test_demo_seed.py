"""`helpdesk demo-data` loaded again (every `make run`) never undoes what an admin changed since."""

from __future__ import annotations

from dataclasses import replace

from helpdesk.demo.seed import seed_demo
from helpdesk.settings import Settings
from storage.db import make_engine, make_sessionmaker
from storage.kb_repository import SqlArticleRepository


async def test_demo_data_again_keeps_admin_edits_and_deletions(sqlite_url: str) -> None:
    url = sqlite_url
    settings = Settings(_env_file=None, database_url=url, kb_embedder="none")  # type: ignore[call-arg]
    await seed_demo(settings)
    db = make_engine(url)
    try:
        sessions = make_sessionmaker(db)
        async with sessions() as session:
            repo = SqlArticleRepository(session)
            jam = await repo.get("printer-jam")
            assert jam is not None
            await repo.upsert(replace(jam, body="Call the front desk: they keep spare rollers."), "admin")
            assert await repo.delete("wifi-slow", "admin")
            await session.commit()

        await seed_demo(settings)  # `make run` again

        async with sessions() as session:
            repo = SqlArticleRepository(session)
            jam = await repo.get("printer-jam")
            assert jam is not None and jam.body == "Call the front desk: they keep spare rollers."
            assert jam.updated_by == "admin"
            assert await repo.get("wifi-slow") is None  # deleted stays deleted
            untouched = await repo.get("vpn-connect")
            assert untouched is not None and untouched.updated_by == "demo-data"
            assert [v.author for v in await repo.history("printer-jam")] == ["demo-data", "admin"]
    finally:
        await db.dispose()
