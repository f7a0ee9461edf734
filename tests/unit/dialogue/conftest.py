"""An engine over the memory unit of work, the demo directory and a small KB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dialogue.engine import DialogueEngine
from dialogue.messages import Bot
from dialogue.payloads import PayloadSigner
from helpdesk.demo.loader import load_directory, read_directory
from kb_search.model import Article
from kb_search.service import KnowledgeBase
from tests.fakes.fake_kb import FakeKnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.kb_search.fakes import HashEmbedder, MemoryArticleRepository

ARTICLES = [
    Article(
        "printer-jam",
        "Принтер замял бумагу",
        "Откройте крышку, аккуратно вытяните лист, закройте крышку.",
        lang="ru",
    ),
    Article(
        "vpn-connect",
        "How to connect to the VPN",
        "Open the VPN app, sign in with your work account, press Connect.",
        lang="en",
    ),
    Article(
        "ac-filter", "Кондиционер плохо холодит", "Почистите фильтры кондиционера раз в месяц.", lang="ru"
    ),
    Article(
        "acme-badge",
        "ACME: пропуск на склад",
        "Пропуск выдаёт охрана склада.",
        audience="client:acme",
        lang="ru",
    ),
    Article(
        "eng-only",
        "Регламент выезда инженера",
        "Внутренняя процедура: принтер, бумага, замятие.",
        audience="internal",
        lang="ru",
    ),
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def uows() -> MemoryUnitOfWorkFactory:
    factory = MemoryUnitOfWorkFactory()
    async with factory() as uow:
        await load_directory(uow, read_directory())
        await uow.commit()
    return factory


@pytest.fixture
def kb() -> FakeKnowledgeBase:
    return FakeKnowledgeBase(ARTICLES)


@pytest.fixture
def engine(uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock) -> DialogueEngine:
    return DialogueEngine(uows, PayloadSigner("test-secret"), kb=kb, nlu=None, clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def chat(engine: DialogueEngine) -> ChatDriver:
    return ChatDriver(engine.handle)


@pytest.fixture
def ivan() -> Person:
    """A demo client contact of Romashka (three sites), on the web chat."""
    return Person(Bot.CLIENT, "romashka-ivan", "Иван", "ru")


@pytest.fixture
def anna() -> Person:
    return Person(Bot.CLIENT, "acme-anna", "Anna", "en")


@pytest.fixture
def petrov() -> Person:
    return Person(Bot.STAFF, "e-petrov", "Сергей", "ru")


@pytest.fixture
def smirnov() -> Person:
    return Person(Bot.STAFF, "e-smirnov", "Алексей", "ru")


@pytest.fixture
def sokolova() -> Person:
    return Person(Bot.STAFF, "s-sokolova", "Ольга", "ru")


async def kb_over_articles(uows: MemoryUnitOfWorkFactory) -> KnowledgeBase:
    """A real `KnowledgeBase` (hashed-stem embedder) that reads ARTICLES, and phrasings, from the memory unit of
    work; close it after the test."""
    articles = MemoryArticleRepository()
    for article in ARTICLES:
        await articles.upsert(article, "admin")
    uows.articles = articles
    kb = KnowledgeBase(embedder=HashEmbedder())
    await kb.load(uows, refresh_every=None)
    return kb


def chat_on(uows: MemoryUnitOfWorkFactory, kb: KnowledgeBase, clock: Clock, nlu: Any = None) -> ChatDriver:
    """A chat driven through a dialogue engine over `kb` (and `nlu`, none by default)."""
    engine = DialogueEngine(uows, PayloadSigner("test-secret"), kb=kb, nlu=nlu, clock=clock)  # type: ignore[arg-type]
    return ChatDriver(engine.handle)
