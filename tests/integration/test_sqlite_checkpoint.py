"""WAL checkpoints of a SQLite file: never inside a commit on the loop's thread, always from a worker thread."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.db import make_engine, sqlite_file
from storage.sqlite_checkpoint import checkpoint


async def test_commits_leave_the_wal_alone_and_a_checkpoint_copies_it_back(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}"
    path = sqlite_file(url)
    assert path == tmp_path / "cp.db"
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
        # Well past SQLite's default threshold of 1000 pages: with autocheckpoint on, commits would copy back.
        for _ in range(30):
            async with engine.begin() as conn:
                await conn.execute(
                    text("INSERT INTO t (body) VALUES (:b)"), [{"b": "x" * 4000} for _ in range(40)]
                )
        wal = path.with_name(path.name + "-wal")
        assert wal.stat().st_size > 1000 * 4096
        result = await checkpoint(path)
        assert not result.busy
        assert result.wal_pages > 1000 and result.copied_pages == result.wal_pages
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 1200
    finally:
        await engine.dispose()


def test_only_plain_sqlite_files_are_checkpointed() -> None:
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://postgres@127.0.0.1/x") is None
