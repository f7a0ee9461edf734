"""`helpdesk kb eval --history`, `helpdesk kb phrasings` and gaps shrinking, on a temporary SQLite database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.settings import get_settings
from kb_search import learning
from kb_search.model import Reader
from tests.unit.kb_search.test_cli import QUERIES, cli, run  # noqa: F401  (the fixture)
from tests.unit.kb_search.test_importer import DEMO

KEYS = {
    "n",
    "top1",
    "recall_at_5",
    "mrr_at_10",
    "answer_precision",
    "answer_coverage",
    "p50_ms",
    "p95_ms",
    "index_s",
}


def _eval(runner: CliRunner, *extra: str) -> tuple[dict[str, Any], str]:
    args = ["kb", "eval", "--kb", str(DEMO), "--embedder", "none", "--json", *extra]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_eval_learns_history_and_reports_unknown_articles_by_line(cli: CliRunner, tmp_path: Path) -> None:  # noqa: F811
    lines = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    answerable = [q for q in lines if q["relevant"]]
    history, queries = tmp_path / "h.jsonl", tmp_path / "q.jsonl"
    queries.write_text("".join(json.dumps(q) + "\n" for q in answerable[1::2]), encoding="utf-8")
    history_rows = [json.dumps(q) for q in answerable[0::2]]
    history_rows.insert(1, json.dumps({"query": "где пицца", "relevant": ["no-such-article"]}))
    history.write_text("\n".join(history_rows) + "\n", encoding="utf-8")

    plain, _ = _eval(cli, "--queries", str(queries))
    learned, errors = _eval(cli, "--queries", str(queries), "--history", str(history))
    assert set(plain) == set(learned) == KEYS
    assert f"{history}: line 2: unknown article 'no-such-article'; skipped" in errors
    # The history placed the KB's threshold (or said why it could not): it says so beside the skipped lines.
    fit = json.loads(errors.split(f"{history}: threshold ", 1)[1].splitlines()[0])
    assert fit["questions"] >= len(answerable[0::2]) and fit["articles"] >= 5  # a line may name two
    assert learned["n"] == plain["n"] == len(answerable[1::2])
    # Learned questions lift the right articles (on this small split by one or two places of 62).
    assert learned["top1"] >= plain["top1"] and learned["mrr_at_10"] > plain["mrr_at_10"]

    history.write_text('{"query": 1}\n', encoding="utf-8")
    result = cli.invoke(
        main, ["kb", "eval", "--kb", str(DEMO), "--queries", str(queries), "--history", str(history)]
    )
    assert result.exit_code == 1 and "line 1" in result.output


async def _confirm(article_id: str, question: str, clients: list[str]) -> None:
    from storage.db import make_engine, make_sessionmaker
    from storage.uow import UnitOfWorkFactory

    engine = make_engine(get_settings().database_url)
    uows = UnitOfWorkFactory(make_sessionmaker(engine))
    try:
        async with uows() as uow:
            article = await uow.articles.get(article_id)
            for client in clients:
                await learning.client_helped(
                    uow.phrasings, article, question, Reader.client(client), None, datetime.now(UTC)
                )
            await uow.commit()
    finally:
        await engine.dispose()


async def _audit() -> list[tuple[str, str, str | None]]:
    from sqlalchemy import select

    from storage.admin_tables import admin_audit
    from storage.db import make_engine

    engine = make_engine(get_settings().database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                # The phrasings' entries (the demo's import of the articles is audited too, as kb.import).
                select(admin_audit.c.staff_id, admin_audit.c.action, admin_audit.c.target).where(
                    admin_audit.c.action.like("kb.phrasing%")
                )
            )
            return [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await engine.dispose()


def test_phrasings_are_listed_and_removed_by_id(cli: CliRunner) -> None:  # noqa: F811
    run(cli, "kb", "import", str(DEMO))
    assert "no confirmed questions yet" in run(cli, "kb", "phrasings", "printer-jam")
    asyncio.run(_confirm("printer-jam", "Принтер жуёт листы", ["acme", "acme", "romashka"]))
    listed = json.loads(run(cli, "kb", "phrasings", "printer-jam", "--json"))
    [row] = listed["phrasings"]
    assert (row["text"], row["source"], row["distinct_clients"], row["helped"], row["for_everyone"]) == (
        "Принтер жуёт листы",
        "client_helped",
        2,
        3,
        True,
    )
    assert "Принтер жуёт листы" in run(cli, "kb", "phrasings", "printer-jam")
    assert "no phrasing" in run(cli, "kb", "phrasings", "printer-jam", "--remove", "999", code=1)
    assert "no article" in run(cli, "kb", "phrasings", "nope", code=1)
    done = json.loads(
        run(cli, "kb", "phrasings", "printer-jam", "--remove", str(row["id"]), "--author", "anna", "--json")
    )
    assert done["removed"] == row["id"] and done["phrasings"] == []
    assert asyncio.run(_audit()) == [("anna", "kb.phrasing_remove", "printer-jam")]
    assert "removed already" in run(cli, "kb", "phrasings", "printer-jam", "--remove", str(row["id"]), code=1)


def test_a_question_answered_by_a_confirmed_phrasing_is_no_gap_any_more(cli: CliRunner) -> None:  # noqa: F811
    run(cli, "kb", "import", str(DEMO))
    for text in ["течёт унитаз в туалете", "закажите пиццу"]:
        run(cli, "kb", "search", text, "--audience", "client:acme")
    before = json.loads(run(cli, "kb", "gaps", "--lexical", "--json"))
    assert {e for c in before for e in c["examples"]} == {"течёт унитаз в туалете", "закажите пиццу"}
    # Another client's confirmation (not yet open to everyone) does not answer acme's question.
    asyncio.run(_confirm("printer-jam", "течёт унитаз в туалете", ["romashka"]))
    assert len(json.loads(run(cli, "kb", "gaps", "--lexical", "--json"))) == 2
    asyncio.run(_confirm("printer-jam", "Течёт унитаз, в туалете!", ["acme"]))
    after = json.loads(run(cli, "kb", "gaps", "--lexical", "--json"))
    assert [c["examples"] for c in after] == [["закажите пиццу"]]
