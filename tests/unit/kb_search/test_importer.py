"""Importing JSONL files and Markdown folders: validation first, nothing saved on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_search.importer import import_path, read_path
from kb_search.model import ArticleStatus, KbError
from tests.unit.kb_search.fakes import MemoryArticleRepository

DEMO = Path(__file__).resolve().parents[3] / "helpdesk" / "demo" / "kb.jsonl"


def write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "a1", "title": "T", "body": "Body", "audience": "public", "lang": "en", "tags": ["x"]}


async def test_import_creates_then_skips_unchanged_then_updates(tmp_path: Path) -> None:
    repo = MemoryArticleRepository()
    path = write(tmp_path / "kb.jsonl", [GOOD, {**GOOD, "id": "a2", "audience": "client:acme"}])
    assert await import_path(repo, path, author="t") == 2
    assert await import_path(repo, path, author="t") == 2
    assert [v.version for v in await repo.history("a1")] == [1]
    write(path, [{**GOOD, "body": "New body"}, {**GOOD, "id": "a2", "audience": "client:acme"}])
    await import_path(repo, path, author="t")
    assert [(v.version, v.action) for v in await repo.history("a1")] == [(1, "create"), (2, "edit")]


async def test_replace_deletes_articles_missing_from_the_file(tmp_path: Path) -> None:
    repo = MemoryArticleRepository()
    await import_path(repo, write(tmp_path / "a.jsonl", [GOOD, {**GOOD, "id": "a2"}]), author="t")
    await import_path(repo, write(tmp_path / "b.jsonl", [GOOD]), author="t", replace=True)
    assert [a.id for a in await repo.list()] == ["a1"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({**GOOD, "audience": "staff"}, "audience"),
        ({**GOOD, "title": ""}, "missing title"),
        ({**GOOD, "id": "has space"}, "invalid article id"),
        ({**GOOD, "tags": [1, 2]}, "tags"),
        ({**GOOD, "status": "archived"}, "status"),
        ([1, 2], "JSON object"),
    ],
)
async def test_one_bad_line_saves_nothing_and_names_the_line(
    tmp_path: Path, row: object, message: str
) -> None:
    repo = MemoryArticleRepository()
    path = write(tmp_path / "kb.jsonl", [{**GOOD, "id": "ok"}, row])
    with pytest.raises(KbError, match=message) as error:
        await import_path(repo, path, author="t")
    assert "line 2" in str(error.value) and "nothing was imported" in str(error.value)
    assert await repo.list() == []


def test_broken_json_and_duplicates_are_explained(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a1", "title": \n', encoding="utf-8")
    with pytest.raises(KbError, match="not valid JSON"):
        read_path(bad)
    with pytest.raises(KbError, match="duplicate ids a1"):
        read_path(write(tmp_path / "dup.jsonl", [GOOD, GOOD]))
    with pytest.raises(KbError, match="no such file"):
        read_path(tmp_path / "missing.jsonl")


def test_markdown_folder_with_front_matter(tmp_path: Path) -> None:
    (tmp_path / "vpn-setup.md").write_text(
        "---\ntitle: VPN setup\naudience: internal\nlang: en\ntags: [vpn, remote]\nstatus: draft\n---\n# Steps\n\n1. Install.\n",
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "wifi.md").write_text(
        "---\nid: wifi-1\ntitle: Wi-Fi\n---\nRestart the router.", encoding="utf-8"
    )
    articles = {a.id: a for a in read_path(tmp_path)}
    assert set(articles) == {"vpn-setup", "wifi-1"}
    vpn = articles["vpn-setup"]
    assert (vpn.audience, vpn.tags, vpn.status, vpn.lang) == (
        "internal",
        ("vpn", "remote"),
        ArticleStatus.DRAFT,
        "en",
    )
    assert vpn.body.startswith("# Steps")
    assert articles["wifi-1"].lang == "ru"


def test_markdown_without_front_matter_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("just text", encoding="utf-8")
    with pytest.raises(KbError, match="front matter"):
        read_path(tmp_path)


def test_the_demo_kb_is_valid_and_varied() -> None:
    articles = read_path(DEMO)
    assert 28 <= len(articles) <= 40
    langs = [a.lang for a in articles]
    assert langs.count("ru") >= 12 and langs.count("en") >= 12
    audiences = {a.audience for a in articles}
    assert {"public", "internal", "client:acme", "client:romashka"} <= audiences
