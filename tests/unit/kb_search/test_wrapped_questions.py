"""A client's question wrapped in greetings and thanks is searched as the question alone (`text.query_text`)."""

from __future__ import annotations

import pytest

from kb_search.fusion import FusionParams
from kb_search.model import Article, Reader
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import HashEmbedder

ARTICLES = [
    Article("cancel", "Как отменить подписку", "Откройте профиль и нажмите «Отменить подписку».", lang="ru"),
    Article("refund", "Возврат денег за подписку", "Деньги вернутся на карту за 10 рабочих дней.", lang="ru"),
    Article(
        "vpn", "How to connect to the VPN", "Install the VPN client, sign in and press Connect.", lang="en"
    ),
]
WRAPPED = {
    "как отменить подписку": "Здравствуйте! Подскажите, пожалуйста, как отменить подписку? Заранее спасибо",
    "connect to the vpn": "Hi team, connect to the VPN, thanks in advance",
}


@pytest.fixture(params=["lexical", "hybrid"])
async def kb(request: pytest.FixtureRequest) -> KnowledgeBase:
    embedder = HashEmbedder() if request.param == "hybrid" else None
    kb = KnowledgeBase(embedder=embedder, threshold=0.5, params=FusionParams(cos_floor=0.0))
    await kb.index_articles(ARTICLES)
    return kb


@pytest.mark.parametrize(("plain", "wrapped"), WRAPPED.items())
async def test_greetings_and_thanks_change_neither_the_ranking_nor_the_confidence(
    kb: KnowledgeBase, plain: str, wrapped: str
) -> None:
    asked = await kb.search(plain, Reader.public())
    written = await kb.search(wrapped, Reader.public())
    assert [h.article_id for h in written.hits] == [h.article_id for h in asked.hits]
    assert [h.score for h in written.hits] == [h.score for h in asked.hits]
    assert written.confidence == asked.confidence


async def test_the_gap_log_keeps_what_the_client_wrote(kb: KnowledgeBase) -> None:
    kb.threshold = 1.1  # nothing is confident: every question is a gap
    await kb.search("Добрый день! Где заказать пиццу? Спасибо", Reader.public())
    assert [g[0] for g in kb.follower.gaps] == ["Добрый день! Где заказать пиццу? Спасибо"]
