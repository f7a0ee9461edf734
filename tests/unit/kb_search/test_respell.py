"""A query word the KB never uses is read in the other script when the KB uses that spelling (#14)."""

from __future__ import annotations

from kb_search.model import Article, Reader
from kb_search.respell import other_script, respelled
from kb_search.service import KnowledgeBase
from kb_search.text import tokens

ARTICLES = [
    Article(
        "shorts", "Как опубликовать Shorts", "Вертикальное видео до 60 секунд публикуется в ленте.", lang="ru"
    ),
    Article("hacked", "Аккаунт взломали", "Смените пароль и включите вход по коду.", lang="ru"),
    Article("obs", "Трансляция через OBS", "В OBS укажите ключ трансляции из настроек канала.", lang="ru"),
]


def test_a_word_is_read_in_the_other_script_only_when_the_kb_has_it_so() -> None:
    known = set(tokens("Shorts аккаунт OBS видео")).__contains__
    assert respelled(tokens("шортс akkaunt обс видео видос"), known) == [
        *tokens("shorts аккаунт obs видео"),
        *tokens("видос"),  # unknown either way: left as written
    ]
    assert other_script("123") is None and other_script("wifiсеть") is None  # mixed: no guess


async def test_slang_in_the_other_script_finds_the_article_by_its_words() -> None:
    kb = KnowledgeBase(embedder=None)
    await kb.index_articles(ARTICLES)
    for question, article in (
        ("как выложить шортс", "shorts"),
        ("akkaunt vzlomali", "hacked"),
        ("не могу настроить обс", "obs"),
    ):
        hits = (await kb.search(question, Reader.public())).hits
        assert hits and hits[0].article_id == article, (question, hits)
    # The KB's own words search as before.
    assert (await kb.search("опубликовать Shorts", Reader.public())).hits[0].article_id == "shorts"
