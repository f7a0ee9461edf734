"""Typos and slang in a client's question are read as the KB's own words (#14). These fail before: the
query words "пирнтер", "кондей", "интренет" found nothing, so the right article was not first or not found."""

from __future__ import annotations

from kb_search.model import Article, Reader
from kb_search.service import KnowledgeBase
from kb_search.slang import expand, table
from kb_search.text import stem, tokens, words
from kb_search.typos import TypoIndex, close, real_word

ARTICLES = [
    Article(
        "printer", "Принтер не печатает", "Проверьте бумагу и картридж, перезапустите принтер.", lang="ru"
    ),
    Article(
        "wifi",
        "Нет подключения к интернету",
        "Перезагрузите роутер и проверьте кабель провайдера.",
        lang="ru",
    ),
    Article("ac", "Кондиционер не охлаждает", "Почистите фильтры кондиционера и проверьте пульт.", lang="ru"),
    Article("pc", "Компьютер не включается", "Проверьте питание и кнопку на блоке компьютера.", lang="ru"),
    Article(
        "password", "Reset your password", "Open the sign-in page and choose Forgot password.", lang="en"
    ),
    Article("invoice", "Invoices and payments", "Invoices are sent on the first working day.", lang="en"),
]


def _index(*terms: str) -> TypoIndex:
    index = TypoIndex()
    for term in terms:
        index.add(term)
    return index


def test_a_stem_one_slip_away_is_corrected_to_the_kbs_own() -> None:
    index = _index(*tokens("принтер печатает интернет компьютер password"))
    one = {t: 1 for t in tokens("принтер печатает интернет компьютер password")}.get
    for typed, meant in (
        ("пирнтер", "принтер"),  # swapped
        ("прнтер", "принтер"),  # dropped
        ("приинтер", "принтер"),  # doubled before the six-letter cut
        ("печатет", "печатает"),
        ("интренет", "интернет"),
        ("компютер", "компьютер"),
        ("pasword", "password"),
    ):
        assert index.correct(stem(typed), lambda t: one(t) or 0) == stem(meant), typed
    assert index.correct(stem("банан"), lambda t: 1) is None  # nothing near
    assert index.correct("при", lambda t: 1) is None  # too short to guess


def test_the_most_used_of_two_near_stems_wins_and_removed_stems_are_gone() -> None:
    index = _index("кабель", "кафель")
    frequency = {"кабель": 5, "кафель": 1}.__getitem__
    assert index.correct("кавель", frequency) == "кабель"
    index.remove("кабель")
    assert index.correct("кавель", frequency) == "кафель"
    index.remove("кафель")
    assert index.correct("кавель", frequency) is None and len(index) == 0


def test_closeness_allows_the_letter_pushed_past_the_cut() -> None:
    assert close(stem("приинтер"), stem("принтер"))
    assert not close("abcdef", "abxyef")


def test_dictionary_words_are_real_and_typos_are_not() -> None:
    assert real_word("зашел") and real_word("кинуть")
    assert not real_word("пирнтер") and not real_word("printer")


def test_slang_is_data_and_covers_word_forms() -> None:
    assert len(table()) > 50
    assert expand(stem("компа")) == tuple(tokens("компьютер"))
    assert expand(stem("спс")) == ()  # a filler: no topic
    assert expand(stem("компьютер")) is None


def test_words_are_tokens_before_stemming() -> None:
    assert (
        [stem(w) for w in words("Принтер НЕ печатает!")]
        == tokens("принтер не печатает")
        == [stem("принтер"), stem("печатает")]
    )


async def _top(kb: KnowledgeBase, question: str) -> str | None:
    hits = (await kb.search(question, Reader.public())).hits
    return hits[0].article_id if hits else None


async def test_typos_and_slang_find_the_article() -> None:
    kb = KnowledgeBase(embedder=None)
    await kb.index_articles(ARTICLES)
    for question, article in (
        ("пирнтер не пичатает", "printer"),
        ("принтак не печатает", "printer"),
        ("нет интренета", "wifi"),
        ("инет пропал", "wifi"),
        ("кондей не охлождает", "ac"),
        ("комп не вкючается", "pc"),
        ("forgot my pasword", "password"),
        ("invoces", "invoice"),
    ):
        assert await _top(kb, question) == article, question


async def test_real_words_the_kb_does_not_use_are_not_turned_into_its_words() -> None:
    kb = KnowledgeBase(embedder=None)
    await kb.index_articles([Article("found", "Нашел чужую карту", "Сдайте ее на охрану.", lang="ru")])
    # "зашел" is one letter from "нашел", but it is a Russian word: no match at all is the right answer.
    assert await _top(kb, "зашел") is None
    assert kb.lexical.read(words("зашел пирнтер")) == [stem("зашел"), stem("пирнтер")]
