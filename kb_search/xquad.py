"""Turn an XQuAD (SQuAD-format) file into a KB file and a queries file: question -> its paragraph."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from kb_search.model import KbError


def convert(path: Path | str, lang: str | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (articles, queries): one public article per paragraph, one query per question."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        topics = data["data"]
    except (OSError, ValueError, KeyError, TypeError):
        raise KbError(f'{path}: not a SQuAD/XQuAD JSON file (expected {{"data": [...]}})') from None
    if lang is None:
        found = re.search(r"\.([a-z]{2})\.json$", path.name)
        lang = found.group(1) if found else "en"
    articles: list[dict[str, Any]] = []
    queries: list[dict[str, Any]] = []
    for t, topic in enumerate(topics):
        title = str(topic.get("title", f"topic {t}")).replace("_", " ")
        for p, paragraph in enumerate(topic.get("paragraphs", [])):
            article_id = f"xq-{t:02d}-{p:02d}"
            body = str(paragraph["context"]).lstrip("\ufeff").strip()
            articles.append(
                {
                    "id": article_id,
                    "title": title,
                    "body": body,
                    "audience": "public",
                    "lang": lang,
                    "tags": [],
                }
            )
            for qa in paragraph.get("qas", []):
                queries.append({"query": qa["question"], "relevant": [article_id]})
    return articles, queries


def write_jsonl(path: Path | str, rows: list[dict[str, Any]]) -> None:
    """Write one JSON object per line (UTF-8, not ASCII-escaped)."""
    with Path(path).open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
