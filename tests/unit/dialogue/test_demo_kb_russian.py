"""The demo KB answers a Russian client's emergencies in Russian (#18 QA walk: "пахнет газом" got the English
gas article marked "only in English", and a leaking air conditioner nothing in Russian)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_search.importer import read_path
from kb_search.service import KnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import Person
from tests.unit.dialogue.conftest import Clock, chat_on
from tests.unit.kb_search.fakes import HashEmbedder, MemoryArticleRepository

DEMO_KB = Path(__file__).resolve().parents[3] / "helpdesk" / "demo" / "kb.jsonl"


@pytest.mark.parametrize(
    ("question", "title"),
    [
        ("Пахнет газом в котельной, что делать?", "Запах газа"),
        ("С кондиционера капает вода на пол", "Кондиционер течёт"),
    ],
)
async def test_a_russian_emergency_is_answered_in_russian(
    uows: MemoryUnitOfWorkFactory, clock: Clock, ivan: Person, question: str, title: str
) -> None:
    articles = MemoryArticleRepository()
    for article in read_path(DEMO_KB):
        await articles.upsert(article, "admin")
    uows.articles = articles
    kb = KnowledgeBase(embedder=HashEmbedder())
    await kb.load(uows, refresh_every=None)
    chat = chat_on(uows, kb, clock)
    try:
        got = await chat.say(ivan, question)
    finally:
        await kb.close()
    # Answered alone, or first in a list of suggestions: in Russian either way, with nothing in English first.
    shown = [*got, *(b.text for row in chat.messages(ivan)[-1].buttons for b in row)]
    first = next((text for text in shown if title in text or "(EN)" in text or "English" in text), None)
    assert first is not None and title in first, shown
