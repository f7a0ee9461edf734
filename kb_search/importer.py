"""Read articles from a JSONL file or a folder of Markdown files with front matter, and import them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kb_search.model import Article, ArticleStatus, KbError, Problems
from kb_search.ports import ArticleRepository

MAX_ERRORS_SHOWN = 10


def article_from_dict(data: Any, where: str) -> Article:
    """Build a validated `Article` from one JSON/front-matter record; `where` names it in errors."""
    if not isinstance(data, dict):
        raise KbError(
            "{where}: expected a JSON object with id, title, body, audience, lang, tags", where=where
        )
    missing = [key for key in ("id", "title", "body") if not data.get(key)]
    if missing:
        raise KbError("{where}: missing {keys}", where=where, keys=", ".join(missing))
    tags = data.get("tags") or []
    if isinstance(tags, str):
        tags = [t for t in tags.split(",")]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise KbError("{where}: tags must be a list of strings", where=where)
    status = data.get("status", ArticleStatus.PUBLISHED)
    if status not in ("draft", "published"):
        raise KbError("{where}: status must be draft or published", where=where)
    try:
        return Article(
            id=str(data["id"]),
            title=str(data["title"]),
            body=str(data["body"]),
            audience=str(data.get("audience", "public")),
            lang=str(data.get("lang", "ru")),
            tags=tuple(tags),
            status=ArticleStatus(status),
        ).validated()
    except KbError as error:
        raise KbError("{where}: {error}", where=where, error=error) from None


def read_jsonl(path: Path) -> list[Article]:
    """Parse a JSONL file, one article per line; raise `KbError` listing every bad line."""
    articles: list[Article] = []
    errors: list[KbError] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise KbError("{path}: not UTF-8 text; save the file as UTF-8", path=path) from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            articles.append(article_from_dict(json.loads(line), where))
        except json.JSONDecodeError as error:
            errors.append(KbError("{where}: not valid JSON ({reason})", where=where, reason=error.msg))
        except KbError as error:
            errors.append(error)
    _raise_if(errors)
    return articles


def _front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        raise KbError(
            "{where}: no front matter; start the file with ---, id/title/audience/lang, ---", where=where
        )
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise KbError("{where}: the front matter is not closed with a --- line", where=where)
    try:
        meta = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError:
        raise KbError("{where}: the front matter is not valid YAML", where=where) from None
    if not isinstance(meta, dict):
        raise KbError("{where}: the front matter must be key: value lines", where=where)
    return meta, parts[1].lstrip("-").strip("\n")


def read_markdown_folder(folder: Path) -> list[Article]:
    """Parse every `*.md` under `folder`; the id defaults to the file name, the body is the text."""
    articles: list[Article] = []
    errors: list[KbError] = []
    for path in sorted(folder.rglob("*.md")):
        where = str(path.relative_to(folder))
        try:
            meta, body = _front_matter(path.read_text(encoding="utf-8"), where)
            meta.setdefault("id", path.stem)
            meta["body"] = body
            articles.append(article_from_dict(meta, where))
        except KbError as error:
            errors.append(error)
        except UnicodeDecodeError:
            errors.append(KbError("{path}: not UTF-8 text; save the file as UTF-8", path=where))
    _raise_if(errors)
    return articles


def _raise_if(errors: list[KbError]) -> None:
    if not errors:
        return
    shown = Problems(errors[:MAX_ERRORS_SHOWN])
    if len(errors) > MAX_ERRORS_SHOWN:
        raise KbError(
            "nothing was imported; fix these and run again:\n{problems}\n... and {more} more",
            problems=shown,
            more=len(errors) - MAX_ERRORS_SHOWN,
        )
    raise KbError("nothing was imported; fix these and run again:\n{problems}", problems=shown)


def read_path(path: Path | str) -> list[Article]:
    """Read articles from a JSONL file or a Markdown folder; ids must be unique."""
    path = Path(path)
    if path.is_dir():
        articles = read_markdown_folder(path)
    elif path.is_file():
        articles = read_jsonl(path)
    else:
        raise KbError(
            "{path}: no such file or folder; give a .jsonl file or a folder of .md files", path=path
        )
    seen: set[str] = set()
    duplicates = sorted({a.id for a in articles if a.id in seen or seen.add(a.id)})  # type: ignore[func-returns-value]
    if duplicates:
        raise KbError(
            "nothing was imported: duplicate ids {ids}; make ids unique", ids=", ".join(duplicates[:10])
        )
    return articles


def _same_content(a: Article, b: Article) -> bool:
    return (a.title, a.body, a.audience, a.lang, a.tags, a.status) == (
        b.title,
        b.body,
        b.audience,
        b.lang,
        b.tags,
        b.status,
    )


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: counts (created, updated, unchanged, deleted, kept), the articles it saved (as
    saved, with their new versions) and the ids it deleted."""

    counts: dict[str, int]
    saved: list[Article] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


async def import_articles(
    repo: ArticleRepository,
    articles: list[Article],
    *,
    author: str | None,
    replace: bool = False,
    keep_others_edits: bool = False,
) -> dict[str, int]:
    """Save `articles`; unchanged ones are skipped (no new version). `replace` deletes the others.

    The repository-level step under `kb_search.editing.import_articles` (which checks the editor and audits
    each change: call that from an app). Returns counts: created, updated, unchanged, deleted, kept.
    """
    done = await import_changes(
        repo, articles, author=author, replace=replace, keep_others_edits=keep_others_edits
    )
    return done.counts


async def import_changes(
    repo: ArticleRepository,
    articles: list[Article],
    *,
    author: str | None,
    replace: bool = False,
    keep_others_edits: bool = False,
) -> Imported:
    """Save `articles`, skipping unchanged ones; `replace` deletes the others. Does not commit.

    `keep_others_edits` leaves alone every article that someone other than `author` has changed or
    deleted since (the demo data loaded again must not undo an admin's edit).
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0, "kept": 0}
    # Read and written in bulk: one by one, 1,000 articles cost 6,000 round trips (docs/kb.md, *Import*).
    current = await repo.get_many([a.id for a in articles])
    changed: list[Article] = []
    for article in articles:
        old = current.get(article.id)
        if old is not None and _same_content(old, article):
            counts["unchanged"] += 1
            continue
        if keep_others_edits and any(v.author != author for v in await repo.history(article.id)):
            counts["kept"] += 1
            continue
        changed.append(article)
        counts["created" if old is None else "updated"] += 1
    saved = await repo.upsert_many(changed, author)
    deleted: list[str] = []
    if replace:
        keep = {a.id for a in articles}
        for old in await repo.list():
            if old.id not in keep and await repo.delete(old.id, author):
                deleted.append(old.id)
        counts["deleted"] = len(deleted)
    return Imported(counts, list(saved), deleted)


async def import_path(
    repo: ArticleRepository,
    path: Path | str,
    *,
    author: str | None,
    replace: bool = False,
    keep_others_edits: bool = False,
) -> int:
    """Read and import `path`; return how many articles it holds. Raises `KbError` and saves nothing on bad input."""
    articles = read_path(path)
    await import_articles(repo, articles, author=author, replace=replace, keep_others_edits=keep_others_edits)
    return len(articles)
