"""`helpdesk kb ...` and `helpdesk bench kb` end to end on a temporary SQLite database (lexical mode)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpdesk.cli import main
from helpdesk.settings import get_settings
from storage.migrate import upgrade
from tests.unit.kb_search.test_importer import DEMO

QUERIES = DEMO.parent / "kb_queries.jsonl"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("KB_EMBEDDER", "none")
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    asyncio.run(upgrade(url))
    yield CliRunner()
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_import_search_edit_publish_and_history(cli: CliRunner) -> None:
    assert "36 articles" in run(cli, "kb", "import", str(DEMO))
    assert "0 created, 0 updated, 36 unchanged" in run(cli, "kb", "import", str(DEMO))
    found = json.loads(run(cli, "kb", "search", "принтер зажевал бумагу", "--json"))
    assert found["hits"][0]["id"] == "printer-jam"
    private = json.loads(
        run(cli, "kb", "search", "пропуск на склад ACME", "--audience", "client:acme", "--json")
    )
    assert private["hits"][0]["id"] == "acme-warehouse-pass"
    public = json.loads(run(cli, "kb", "search", "пропуск на склад ACME", "-k", "50", "--json"))
    assert "acme-warehouse-pass" not in {h["id"] for h in public["hits"]}

    run(cli, "kb", "unpublish", "printer-jam", "--author", "alice")
    after = json.loads(run(cli, "kb", "search", "принтер зажевал бумагу", "--json"))
    assert "printer-jam" not in {h["id"] for h in after["hits"]}
    run(cli, "kb", "publish", "printer-jam", "--author", "alice")
    run(cli, "kb", "edit", "printer-jam", "title", "Принтер зажевал бумагу", "--author", "bob")
    shown = run(cli, "kb", "show", "printer-jam", "--history")
    assert "# Принтер зажевал бумагу" in shown
    assert "unpublish alice" in shown.replace("  ", " ") and "edit" in shown and "bob" in shown
    assert "printer-jam" in run(cli, "kb", "list", "--status", "published")


def test_import_goes_through_the_editing_use_case_and_is_audited(cli: CliRunner, tmp_path: Path) -> None:
    """`kb import` writes like every other editor (kb_search.editing): each saved article gets an audit entry."""
    run(cli, "kb", "import", str(DEMO), "--author", "ops")
    one = tmp_path / "one.jsonl"
    one.write_text(DEMO.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    run(cli, "kb", "import", str(one), "--replace", "--author", "ops")
    with sqlite3.connect(tmp_path / "kb.db") as db:
        audited = db.execute(
            "SELECT action, staff_id, COUNT(*) FROM admin_audit GROUP BY action, staff_id ORDER BY action"
        ).fetchall()
    assert audited == [("kb.delete", "ops", 35), ("kb.import", "ops", 36)]


def test_bad_input_is_explained_and_changes_nothing(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "a", "title": "T", "body": "B"}\n{"id": "b", "title": "T", "body": "B", "audience": "everyone"}\n'
    )
    out = run(cli, "kb", "import", str(bad), code=1)
    assert "line 2" in out and "nothing was imported" in out
    assert "No articles" in run(cli, "kb", "list")
    assert "no such file" in run(cli, "kb", "import", str(tmp_path / "missing.jsonl"), code=1)
    assert "--audience" in run(cli, "kb", "search", "x", "--audience", "client:'; drop", code=2)
    assert "no article" in run(cli, "kb", "edit", "nope", "title", "x", code=1)
    assert "no article" in run(cli, "kb", "publish", "nope", code=1)
    run(cli, "kb", "import", str(DEMO))
    assert "audience" in run(cli, "kb", "edit", "printer-jam", "audience", "staff", code=1)


def test_gaps_lists_clusters_of_unanswered_questions(cli: CliRunner) -> None:
    run(cli, "kb", "import", str(DEMO))
    for text in ["течёт унитаз в туалете", "унитаз течет", "закажите пиццу"]:
        run(cli, "kb", "search", text)
    clusters = json.loads(run(cli, "kb", "gaps", "--lexical", "--json"))
    assert clusters[0]["size"] == 2 and "унитаз" in clusters[0]["examples"][0]
    assert "закажите пиццу" in run(cli, "kb", "gaps", "--lexical")


def test_missing_tables_say_to_migrate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        assert "helpdesk migrate" in run(CliRunner(), "kb", "list", code=1)
    finally:
        get_settings.cache_clear()


def test_eval_and_calibrate_on_the_demo_files(cli: CliRunner, tmp_path: Path) -> None:
    figures = json.loads(
        run(cli, "kb", "eval", "--kb", str(DEMO), "--queries", str(QUERIES), "--embedder", "none", "--json")
    )
    assert set(figures) == {
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
    assert figures["n"] == len(QUERIES.read_text("utf-8").splitlines())
    assert 0.5 < figures["top1"] <= figures["recall_at_5"] <= 1
    cal = json.loads(
        run(
            cli,
            "kb",
            "calibrate",
            "--kb",
            str(DEMO),
            "--queries",
            str(QUERIES),
            "--embedder",
            "none",
            "--dry-run",
            "--json",
        )
    )
    assert cal["stored"] is False and cal["precision"] >= 0.95 and cal["n"] == figures["n"]


def test_convert_xquad(cli: CliRunner, tmp_path: Path) -> None:
    squad = {
        "data": [
            {
                "title": "Super_Bowl",
                "paragraphs": [
                    {
                        "context": "\ufeffThe Broncos won the game.",
                        "qas": [{"question": "Which team won?", "id": "1", "answers": []}],
                    },
                    {
                        "context": "It was held in Santa Clara.",
                        "qas": [{"question": "Where was it held?", "id": "2", "answers": []}],
                    },
                ],
            }
        ]
    }
    source = tmp_path / "xquad.en.json"
    source.write_text(json.dumps(squad), encoding="utf-8")
    kb, queries = tmp_path / "kb.jsonl", tmp_path / "q.jsonl"
    assert "2 articles" in run(
        cli, "kb", "convert-xquad", str(source), "--out-kb", str(kb), "--out-queries", str(queries)
    )
    first = json.loads(kb.read_text("utf-8").splitlines()[0])
    assert (
        first["body"] == "The Broncos won the game."
        and first["title"] == "Super Bowl"
        and first["lang"] == "en"
    )
    assert json.loads(queries.read_text("utf-8").splitlines()[1]) == {
        "query": "Where was it held?",
        "relevant": [first["id"][:-2] + "01"],
    }
    figures = json.loads(
        run(cli, "kb", "eval", "--kb", str(kb), "--queries", str(queries), "--embedder", "none", "--json")
    )
    assert figures["top1"] == 1.0
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    assert "not a SQuAD" in run(
        cli, "kb", "convert-xquad", str(bad), "--out-kb", str(kb), "--out-queries", str(queries), code=1
    )


def test_bench_kb_prints_the_figures(cli: CliRunner) -> None:
    out = json.loads(
        run(cli, "bench", "kb", "--articles", "50", "--queries", "20", "--embedder", "none", "--json")
    )
    assert out["articles"] == 50 and out["index_per_s"] > 0 and out["p95_ms"] >= out["p50_ms"] > 0
