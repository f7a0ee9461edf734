"""`helpdesk inbox list|replay` and `helpdesk outbox list|retry` against a migrated SQLite file with the demo
directory: lines and JSON with the person's name, replay/retry with an audit entry, bad ids in one line with
exit code 2 and nothing changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpdesk.cli import main
from helpdesk.demo.loader import load_directory, read_directory
from helpdesk.settings import get_settings
from storage import inbox as box
from storage import inbox_admin
from storage import outbox_delivery as out
from storage.admin_tables import admin_audit
from storage.db import make_engine, make_sessionmaker
from storage.uow import UnitOfWorkFactory
from tests.integration.conftest import _in_thread

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite file with the demo directory (web accounts included) as DATABASE_URL."""

    async def prepare() -> None:
        engine = make_engine(sqlite_url)
        async with UnitOfWorkFactory(make_sessionmaker(engine))() as uow:
            await load_directory(uow, read_directory())
            await uow.commit()
        await engine.dispose()

    _in_thread(prepare)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    yield sqlite_url
    get_settings.cache_clear()


def _db(url: str, work: Any) -> Any:
    async def run() -> Any:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return _in_thread(run)


def _dead_letter(url: str, n: int, sender: str, text: str) -> int:
    payload = {
        "channel": "web",
        "bot": "client",
        "chat_id": sender,
        "sender_id": sender,
        "dedup_key": f"web:client:cli-{n}",
        "text": text,
    }

    async def work(session: Any) -> int:
        row_id = await box.record(
            session, dedup_key=payload["dedup_key"], chat=f"web:client:{sender}", payload=payload, at=AT
        )
        assert row_id is not None
        await box.mark_dead(session, row_id, at=AT, error="KeyError: 'stage'")
        return row_id

    return int(_db(url, work))


def _failed(url: str, chat: str, text: str) -> int:
    async def work(session: Any) -> int:
        await session.execute(
            out.outbox.insert().values(
                channel="web", bot="staff", chat_id=chat, payload={"text": text}, status="failed",
                attempts=9, next_attempt_at=AT, created_at=AT, last_error="telegram answered 500",
            )
        )  # fmt: skip
        rows = await out.list_by_status(session, out.OutboxStatus.FAILED, limit=1)
        return rows[0].id

    return int(_db(url, work))


def _inbox_status(url: str, row_id: int) -> str:
    async def work(session: Any) -> str:
        row = await inbox_admin.get(session, row_id)
        assert row is not None
        return str(row.status)

    return str(_db(url, work))


def _audit(url: str) -> list[tuple[str, str, str]]:
    async def work(session: Any) -> list[tuple[str, str, str]]:
        rows = await session.execute(
            select(admin_audit.c.staff_id, admin_audit.c.action, admin_audit.c.target)
        )
        return [tuple(r) for r in rows]

    return list(_db(url, work))


def test_inbox_list_and_replay(cli_db: str) -> None:
    run = CliRunner().invoke
    assert run(main, ["inbox", "list"]).output.strip() == "no dead letters"
    anna = _dead_letter(cli_db, 1, "acme-anna", "The printer in the office\nis jammed again")
    stranger = _dead_letter(cli_db, 2, "visitor-42", "hi")

    listed = run(main, ["inbox", "list", "--status", "dead"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 3  # the header, then newest first
    assert lines[1].split()[0] == str(stranger) and "web:client:visitor-42" in lines[1]
    assert lines[2].split()[0] == str(anna)
    assert "Anna Brown (ACME Logistics)" in lines[2] and "1 attempt" not in lines[2]
    assert (
        "'The printer in the office is jammed again'" in lines[2] and "error: KeyError: 'stage'" in lines[2]
    )

    as_json = json.loads(run(main, ["inbox", "list", "--json", "--limit", "1"]).output)
    assert (as_json["status"], as_json["total"], as_json["shown"]) == ("dead", 2, 1)
    [first] = as_json["messages"]
    assert first["id"] == stranger and first["chat"] == "web:client:visitor-42" and first["person"] is None
    assert first["at"] == AT.isoformat() and first["last_error"] == "KeyError: 'stage'"

    replayed = run(main, ["inbox", "replay", str(anna)])
    assert replayed.exit_code == 0, replayed.output
    assert f"queued 1 dead letter(s) again: {anna};" in replayed.output
    assert "within a second" in replayed.output
    assert _inbox_status(cli_db, anna) == "pending"
    assert str(anna) in run(main, ["inbox", "list", "--status", "pending"]).output
    assert _audit(cli_db) == [("system", "inbox.replay", f"inbox:{anna}")]

    everything = run(main, ["inbox", "replay", "--all-dead"])
    assert everything.exit_code == 0 and f"queued 1 dead letter(s) again: {stranger};" in everything.output
    assert run(main, ["inbox", "replay", "--all-dead"]).output.strip() == "no dead letters to replay"


def test_outbox_list_and_retry(cli_db: str) -> None:
    run = CliRunner().invoke
    assert run(main, ["outbox", "list"]).output.strip() == "no undelivered messages"
    failed = _failed(cli_db, "e-smirnov", "New job: HD-1001, printer jam")
    listed = run(main, ["outbox", "list"]).output
    assert "Алексей Смирнов (engineer)" in listed and "9 attempt(s)" in listed
    assert "error: telegram answered 500" in listed
    data = json.loads(run(main, ["outbox", "list", "--json"]).output)
    assert [m["id"] for m in data["messages"]] == [failed] and data["messages"][0]["kind"] == "outbox"

    retried = run(main, ["outbox", "retry", f"#{failed}"])
    assert retried.exit_code == 0, retried.output
    assert f"queued 1 message(s) again: {failed};" in retried.output and "delivery loop" in retried.output
    assert str(failed) in run(main, ["outbox", "list", "--status", "pending"]).output
    assert run(main, ["outbox", "list"]).output.strip() == "no undelivered messages"
    assert _audit(cli_db) == [("system", "outbox.retry", f"outbox:{failed}")]
    assert run(main, ["outbox", "retry", "--all-failed"]).output.strip() == "no undelivered messages to retry"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inbox", "replay", "abc"], "'abc' is not an inbox id"),
        (["inbox", "replay", "12x", "3"], "'12x' is not an inbox id"),
        (["inbox", "replay", "0"], "'0' is not an inbox id"),
        (["inbox", "replay"], "give one or more inbox ids, or --all-dead"),
        (["inbox", "replay", "5", "--all-dead"], "give inbox ids or --all-dead, not both"),
        (["inbox", "replay", "424242"], "inbox message 424242 does not exist; nothing was replayed"),
        (["outbox", "retry", "-7"], "is not an outbox id"),
        (["outbox", "retry", "99999999999999"], "'99999999999999' is not an outbox id"),
        (["outbox", "retry", "424242", "424243"], "outgoing messages 424242, 424243 do not exist"),
    ],
)
def test_bad_ids_are_one_line_exit_2_and_change_nothing(cli_db: str, args: list[str], message: str) -> None:
    dead = _dead_letter(cli_db, 1, "acme-anna", "help")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("helpdesk: ")
    assert message in result.output and "Traceback" not in result.output
    assert _inbox_status(cli_db, dead) == "dead" and _audit(cli_db) == []


def test_a_message_that_is_not_dead_or_failed_is_refused(cli_db: str) -> None:
    run = CliRunner().invoke
    dead = _dead_letter(cli_db, 1, "acme-anna", "help")
    assert run(main, ["inbox", "replay", str(dead)]).exit_code == 0
    again = run(main, ["inbox", "replay", str(dead)])
    assert again.exit_code == 2
    assert f"inbox message {dead} is not a dead letter (waiting to be handled" in again.output
    assert "helpdesk inbox list" in again.output  # where to look next


def test_an_unmigrated_database_is_one_line(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["outbox", "list"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert (
        result.output
        == "helpdesk: the database has no inbox/outbox tables yet: run `helpdesk migrate` first\n"
    )
