"""Confirmed history for `helpdesk kb eval --history H.jsonl`: past client questions and the articles that
answered them, fed to the engine as confirmed phrasings before any query runs.

The file has the queries' format, `{"query": str, "relevant": [id, ...]}` per line. A line naming an article
the KB does not have is reported with its line number and skipped (its known ids still count); a line
that is not that format stops the run with a message naming every bad line, like the queries file.
History lines stand for many users, so each is confirmed as trusted history (`Phrasing.open`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from kb_search.evaluate import LabelledQuery, read_queries
from kb_search.model import Reader, utcnow
from kb_search.phrasings import Phrasing, PhrasingSource, question_text
from kb_search.service import KnowledgeBase

HISTORY_CONFIRMER = "history"


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One usable (question, article) pair and the line it came from."""

    line: int
    question: str
    article_id: str


def _numbered(path: Path | str) -> list[tuple[int, LabelledQuery]]:
    """Each labelled line of the file with its line number (blank lines skipped, as `read_queries` does)."""
    labelled = read_queries(path)  # all-or-nothing on the format, naming every bad line
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    numbers = [number for number, line in enumerate(lines, 1) if line.strip()]
    return list(zip(numbers, labelled, strict=True))


async def read_history(path: Path | str, kb: KnowledgeBase) -> tuple[list[HistoryLine], list[str]]:
    """The usable pairs of a history file and one message per skipped article id (with its line number).

    Raises:
        KbError: the file cannot be read or a line is not `{"query": str, "relevant": [id, ...]}`.
    """
    numbered = await asyncio.to_thread(_numbered, path)
    pairs: list[HistoryLine] = []
    skipped: list[str] = []
    staff = Reader.staff()
    for number, item in numbered:
        question = question_text(item.query)
        if not question:
            skipped.append(f"line {number}: the query is empty; skipped")
            continue
        if not item.relevant:
            skipped.append(f"line {number}: names no article; skipped")
            continue
        for article_id in sorted(item.relevant):
            if await kb.get(article_id, staff) is None:
                skipped.append(f"line {number}: unknown article {article_id!r}; skipped")
            else:
                pairs.append(HistoryLine(number, question, article_id))
    return pairs, skipped


async def learn_history(kb: KnowledgeBase, pairs: list[HistoryLine]) -> int:
    """Give the KB every pair as a phrasing confirmed by history; return how many it now uses."""
    now = utcnow()
    phrasings = []
    for i, pair in enumerate(pairs, 1):
        article = await kb.get(pair.article_id, Reader.staff())
        if article is None:
            continue
        phrasings.append(
            Phrasing(
                id=-i,  # never stored: negative ids cannot meet a database's
                article_id=article.id,
                text=pair.question,
                audience=article.audience,
                source=PhrasingSource.HISTORY,
                created_at=now,
                updated_at=now,
                helped_by=(HISTORY_CONFIRMER,),
                helped=1,
            )
        )
    await kb.learn(phrasings)
    return len(phrasings)
