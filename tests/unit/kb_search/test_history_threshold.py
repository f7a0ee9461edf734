"""The KB's own threshold from its confirmed history (`kb_search.history_threshold`): in `kb eval --history`
and in a running app once enough questions were confirmed (engineers' links, Helped from two clients)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from kb_search import history_threshold as ht
from kb_search import learning
from kb_search.model import Article, Reader
from kb_search.phrasings import Phrasing, PhrasingSource
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import MemorySource

AT = datetime(2026, 1, 1, tzinfo=UTC)
TOPICS = {
    "printer": (
        "Printer jams paper",
        "Open the tray, pull the sheet out gently, close the tray.",
        "printer paper jam",
    ),
    "vpn": ("VPN will not connect", "Open the VPN app, sign in with your work account.", "vpn connect sign"),
    "boiler": ("Boiler gives no heat", "Check the boiler pressure and restart it.", "boiler heat pressure"),
    "elevator": (
        "Elevator is stuck",
        "Press the alarm button and wait for the technician.",
        "elevator lift stuck",
    ),
    "badge": ("Access badge is refused", "Ask security to enable the badge again.", "badge access door"),
    "wifi": ("Wi-Fi is slow", "Move closer to the access point or restart the router.", "wifi internet slow"),
}
FILL = ["today", "again", "since morning", "after the update", "in the office", "at home", "on floor two"]
FILL += ["every day", "right now", "this week", "for an hour", "once more"]
NEW_QUESTION = "my lift is stuck after lunch"  # no confirmed question has this wording


def questions(per_article: int) -> list[tuple[str, str]]:
    """(article, question) pairs: two of the article's words and a filler every article shares."""
    out = []
    for article_id, (_, _, words) in TOPICS.items():
        w = words.split()
        out += [(article_id, f"the {w[j % 3]} {w[(j + 1) % 3]} {FILL[j]}") for j in range(per_article)]
    return out


def history(per_article: int) -> list[Phrasing]:
    return [
        Phrasing(-i, a, q, "public", PhrasingSource.HISTORY, AT, AT, helped_by=("history",), helped=1)
        for i, (a, q) in enumerate(questions(per_article), 1)
    ]


async def fresh_kb(threshold: float | None = None) -> KnowledgeBase:
    kb = KnowledgeBase(embedder=None, threshold=threshold)
    await kb.index_articles([Article(k, t, b, lang="en") for k, (t, b, _) in TOPICS.items()])
    await kb.self_calibrate()
    return kb


def test_the_lowest_threshold_that_keeps_precision_above_it() -> None:
    conf = np.array([0.99] * 30 + [0.8] * 10 + [0.6] * 10)
    right = np.array([True] * 30 + [True] * 9 + [False] + [False] * 10)
    threshold, answered, precision = ht.choose(conf, right, 0.95)
    assert threshold is not None and 0.6 < threshold <= 0.8 and answered == 40 and precision == 39 / 40
    # Too few answered anywhere: no threshold (the model's stays).
    assert ht.choose(conf[:15], right[:15], 0.95) == (None, 0, 0.0)
    # A history never places the threshold more than MAX_LOWER below the model's: it sees no question the KB
    # does not answer. Raising it is not bounded.
    assert ht.bounded(0.6, 0.94) == 0.84 and ht.bounded(0.99, 0.94) == 0.99 and ht.bounded(None, 0.94) is None
    # Wrong where it is surest: none either, whatever lies below.
    assert ht.choose(np.array([0.99] * 30), np.array([False] * 2 + [True] * 28), 0.95)[0] is None


async def test_kb_eval_history_places_the_kbs_own_threshold_and_it_answers_more() -> None:
    kb = await fresh_kb()
    assert kb.threshold == 0.995 and kb.threshold_is_default  # BM25 only: the model's own threshold
    await kb.learn(history(12))
    before = await kb.search(NEW_QUESTION, Reader.public())
    assert before.hits[0].article_id == "elevator" and not before.confident

    fit = await ht.apply(kb, kb.phrasings.phrasings())
    assert fit.threshold is not None and fit.threshold < 0.9
    assert (fit.questions, fit.articles) == (72, 6) and fit.precision >= 0.95 and fit.answered >= 20
    assert kb.threshold == fit.threshold
    after = await kb.search(NEW_QUESTION, Reader.public())
    assert after.hits[0].article_id == "elevator" and after.confident


async def test_too_little_history_or_a_given_threshold_keeps_the_threshold() -> None:
    kb = await fresh_kb()
    await kb.learn(history(8))  # 48 questions: fewer than MIN_CONFIRMED
    fit = await ht.apply(kb, kb.phrasings.phrasings())
    assert fit.threshold is None and "48 confirmed questions over 6 articles" in fit.reason
    assert kb.threshold == 0.995

    given = await fresh_kb(threshold=0.99)
    await given.learn(history(12))
    assert (await ht.apply(given, given.phrasings.phrasings())).threshold is not None
    assert given.threshold == 0.99  # the operator's (or `kb calibrate`'s) threshold wins


async def test_a_question_is_not_found_by_its_own_phrasing() -> None:
    """Each question is searched without its own wording: one phrasing per wording, all different articles'
    words, would otherwise find itself at confidence 1.0 every time."""
    kb = await fresh_kb()
    noise = [
        Phrasing(-i, list(TOPICS)[i % 6], f"zork{i} blap{i} quux{i}", "public", PhrasingSource.HISTORY, AT, AT,
                 helped_by=("history",), helped=1)
        for i in range(1, 73)
    ]  # fmt: skip
    await kb.learn(noise)
    fit = await ht.fit(kb, kb.phrasings.phrasings())
    assert fit.top1 < 0.5 and fit.threshold is None


async def test_a_running_app_places_its_threshold_once_enough_questions_are_confirmed() -> None:
    source = MemorySource()
    for article_id, (title, body, _) in TOPICS.items():
        await source.articles.upsert(Article(article_id, title, body, lang="en"), "admin")
    kb = KnowledgeBase(embedder=None)
    await kb.load(source, refresh_every=None)
    articles = {a: kb.article(a) for a in TOPICS}

    async def link(pairs: list[tuple[str, str]]) -> None:
        for n, (article_id, question) in enumerate(pairs):
            article = articles[article_id]
            assert article is not None
            await learning.engineer_linked(source.phrasings, article, question, "acme", f"e-{n % 3}", AT)
        await kb.refresh()
        if kb.follower._history_fit is not None:
            await kb.follower._history_fit

    pairs = questions(12)
    await link(pairs[::2])  # 36 links: not enough yet
    assert kb.threshold == 0.995
    # One client's Helped counts for that client only: it is no label for everyone's threshold.
    for article_id, question in pairs[1::2]:
        article = articles[article_id]
        assert article is not None
        await learning.client_helped(source.phrasings, article, question, Reader.client("acme"), "c-1", AT)
    await kb.refresh()
    assert kb.follower._history_fit is None and kb.threshold == 0.995
    await link(pairs[1::2])  # the same questions linked by engineers: 72 confirmed over 6 articles
    assert kb.threshold < 0.9
    assert (await kb.search(NEW_QUESTION, Reader.public())).confident
    await kb.close()
