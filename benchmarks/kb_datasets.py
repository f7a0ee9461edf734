"""Public data of several shapes turned into (KB, labelled queries) pairs for the confidence model.

Shapes: question -> paragraph (XQuAD ru/en), the same paragraphs as an FAQ whose title is one of its
questions (XQuAD ru/en, queries = the paragraph's other questions), intent sets as FAQ retrieval
(Banking77, CLINC150 with its out-of-scope questions as unanswerable, HWU64: an intent is an article
titled with the intent's readable name whose body is a few utterances held aside; queries are other
utterances), an FAQ with rephrased questions (Banking77: the title is one client question, the body the
topic and a few more phrasings), and the Russian demo KB with its queries. Every sample is seeded.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kb_search.evaluate import LabelledQuery, read_queries
from kb_search.importer import read_path
from kb_search.model import Article
from kb_search.xquad import convert

DATA = Path("/work/shared/data")
ROOT = Path(__file__).resolve().parents[1]
BODY_UTTERANCES = 5
QUERIES_PER_SET = 500


@dataclass(frozen=True, slots=True)
class DataSet:
    """A KB and labelled queries of one shape and language."""

    name: str
    lang: str
    shape: str
    source: str
    """Sets made from the same source are held out together (no paragraph is seen in training)."""
    articles: list[Article]
    queries: list[LabelledQuery]
    history: tuple[LabelledQuery, ...] = ()
    """Questions confirmed answered before any query runs (`kb eval --history`)."""


def _sample(queries: list[LabelledQuery], limit: int, seed: int) -> list[LabelledQuery]:
    if len(queries) <= limit:
        return queries
    return random.Random(seed).sample(queries, limit)


def _readable(intent: str) -> str:
    words = intent.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize()


def xquad(lang: str, data: Path = DATA) -> DataSet:
    """Question -> paragraph: the paragraph's topic is its title."""
    articles, queries = convert(data / "kb" / "xquad" / f"xquad.{lang}.json", lang)
    arts = [Article(a["id"], a["title"], a["body"], lang=lang) for a in articles]
    labelled = [LabelledQuery(q["query"], frozenset(q["relevant"])) for q in queries]
    return DataSet(
        f"xquad-{lang}",
        lang,
        "question->paragraph",
        f"xquad-{lang}",
        arts,
        _sample(labelled, QUERIES_PER_SET, 1),
    )


def xquad_faq(lang: str, data: Path = DATA) -> DataSet:
    """An FAQ: the title is the paragraph's first question; queries are its other questions."""
    articles, queries = convert(data / "kb" / "xquad" / f"xquad.{lang}.json", lang)
    by_article: dict[str, list[str]] = defaultdict(list)
    for q in queries:
        by_article[q["relevant"][0]].append(q["query"])
    arts: list[Article] = []
    labelled: list[LabelledQuery] = []
    for a in articles:
        asked = by_article.get(a["id"], [])
        if len(asked) < 2:
            continue
        arts.append(Article(f"faq-{a['id']}", asked[0], a["body"], lang=lang))
        labelled.extend(LabelledQuery(q, frozenset({f"faq-{a['id']}"})) for q in asked[1:])
    return DataSet(
        f"xquad-faq-{lang}",
        lang,
        "faq-question-title",
        f"xquad-{lang}",
        arts,
        _sample(labelled, QUERIES_PER_SET, 2),
    )


def _intent_set(
    name: str, by_intent: dict[str, list[str]], unanswerable: list[str], seed: int, *, question_title: bool
) -> DataSet:
    rng = random.Random(seed)
    arts: list[Article] = []
    labelled: list[LabelledQuery] = []
    for intent in sorted(by_intent):
        texts = list(dict.fromkeys(by_intent[intent]))
        rng.shuffle(texts)
        held, rest = texts[:BODY_UTTERANCES], texts[BODY_UTTERANCES:]
        article_id = intent.replace("_", "-").lower()[:60]
        if question_title:
            title = next((t for t in held if t.rstrip().endswith("?")), held[0])
            body_lines = [f"{_readable(intent)}."] + [t for t in held if t != title]
        else:
            title = _readable(intent)
            body_lines = held
        body = "\n".join(f"- {line}" for line in body_lines)
        arts.append(Article(article_id, title, body, lang="en"))
        labelled.extend(LabelledQuery(t, frozenset({article_id})) for t in rest)
    queries = _sample(labelled, QUERIES_PER_SET, seed)
    queries += [LabelledQuery(t, frozenset()) for t in unanswerable[: QUERIES_PER_SET // 5]]
    shape = "faq-rephrased" if question_title else "intent-name-title"
    return DataSet(name, "en", shape, name.split("-")[0], arts, queries)


def banking77(data: Path = DATA, *, question_title: bool = False) -> DataSet:
    """Banking77 as FAQ retrieval (intent name title, or a client's question as the title)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    with (data / "nlu" / "banking77" / "train.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_intent[row["category"]].append(row["text"])
    name = "banking77-faq" if question_title else "banking77"
    return _intent_set(name, by_intent, [], 77, question_title=question_title)


def clinc150(data: Path = DATA) -> DataSet:
    """CLINC150: articles from `train`, queries from `val`, out-of-scope `val` questions unanswerable."""
    raw = json.loads((data / "nlu" / "clinc150" / "train_val.json").read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in raw["train"][::3]:
        by_intent[intent].append(text)
    dataset = _intent_set("clinc150", by_intent, [], 150, question_title=False)
    ids = {a.id for a in dataset.articles}
    val = [
        LabelledQuery(t, frozenset({i.replace("_", "-").lower()}))
        for t, i in raw["val"]
        if i.replace("_", "-").lower() in ids
    ]
    oos = [LabelledQuery(t, frozenset()) for t, _ in raw["oos_val"]]
    queries = _sample(val, QUERIES_PER_SET, 150) + _sample(oos, QUERIES_PER_SET // 5, 151)
    return DataSet("clinc150", "en", "intent-name-title+oos", "clinc150", dataset.articles, queries)


def hwu64(data: Path = DATA) -> DataSet:
    """HWU64 (Rasa JSON) as FAQ retrieval."""
    raw = json.loads((data / "nlu" / "hwu64" / "train_kfold1.rasa.json").read_text(encoding="utf-8"))
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in raw["rasa_nlu_data"]["common_examples"]:
        by_intent[example["intent"]].append(example["text"])
    return _intent_set("hwu64", by_intent, [], 64, question_title=False)


def demo() -> DataSet:
    """The demo KB (mostly Russian, some English articles) and its 146 written queries."""
    articles = read_path(ROOT / "helpdesk" / "demo" / "kb.jsonl")
    queries = read_queries(ROOT / "helpdesk" / "demo" / "kb_queries.jsonl")
    return DataSet("demo-ru", "ru", "support-kb", "demo", articles, queries)


def ru_video() -> DataSet:
    """A Russian support KB written by hand for this project (`benchmarks/data/README.md`): 30 articles,
    167 colloquial questions (12 that nothing answers)."""
    articles = read_path(ROOT / "benchmarks" / "data" / "ru_video_kb.jsonl")
    queries = read_queries(ROOT / "benchmarks" / "data" / "ru_video_queries.jsonl")
    return DataSet("ru-video", "ru", "support-kb", "ru-video", articles, queries)


def chatty(dataset: DataSet, seed: int = 21) -> DataSet:
    """The same KB with every question wrapped as clients write it: an opening and a closing of its language
    ("Здравствуйте, ... подскажите пожалуйста", "Hi team, ... thanks in advance"; the lists of
    `helpdesk bench dialogue --unique`), at least one of the two, drawn with a fixed seed."""
    from benchmarks.question_pool import CLOSINGS, OPENINGS

    rng = random.Random(seed)
    queries = []
    for q in dataset.queries:
        lang = "ru" if any("а" <= c <= "я" for c in q.query.lower()) else "en"
        opening, closing = "", ""
        while not (opening or closing):
            opening, closing = rng.choice(OPENINGS[lang]), rng.choice(CLOSINGS[lang])
        body = q.query.rstrip("?!. ")
        text = " ".join(part for part in (opening, body + (f", {closing}" if closing else "")) if part)
        queries.append(LabelledQuery(text, q.relevant))
    return DataSet(
        f"{dataset.name}-chatty",
        dataset.lang,
        dataset.shape + "+chatty",
        dataset.source,
        dataset.articles,
        queries,
        dataset.history,
    )


def with_history(dataset: DataSet, seed: int = 5) -> DataSet:
    """The same KB where half of the answerable queries were confirmed before (history), half are asked."""
    answerable = [q for q in dataset.queries if q.relevant]
    random.Random(seed).shuffle(answerable)
    half = len(answerable) // 2
    asked = answerable[half:] + [q for q in dataset.queries if not q.relevant]
    return DataSet(
        f"{dataset.name}-hist",
        dataset.lang,
        dataset.shape + "+history",
        dataset.source,
        dataset.articles,
        asked,
        tuple(answerable[:half]),
    )


def _noisy(build: Callable[[], DataSet]) -> Callable[[], DataSet]:
    def make() -> DataSet:
        from benchmarks.kb_noisy import noisy

        return noisy(build())

    return make


BUILDERS: dict[str, Callable[[], DataSet]] = {
    "xquad-ru": lambda: xquad("ru"),
    "xquad-en": lambda: xquad("en"),
    "xquad-faq-ru": lambda: xquad_faq("ru"),
    "xquad-faq-en": lambda: xquad_faq("en"),
    "banking77": banking77,
    "banking77-faq": lambda: banking77(question_title=True),
    "clinc150": clinc150,
    "hwu64": hwu64,
    "demo-ru": demo,
    "ru-video": ru_video,
    "ru-video-chatty": lambda: chatty(ru_video()),
    "demo-ru-chatty": lambda: chatty(demo()),
    "banking77-faq-hist": lambda: with_history(banking77(question_title=True)),
    "clinc150-hist": lambda: with_history(clinc150()),
    "hwu64-hist": lambda: with_history(hwu64()),
    # Typos, slang, translit, no punctuation (`benchmarks/kb_noisy.py`, seeded).
    "xquad-ru-noisy": _noisy(lambda: xquad("ru")),
    "xquad-faq-ru-noisy": _noisy(lambda: xquad_faq("ru")),
    "demo-ru-noisy": _noisy(demo),
    "ru-video-noisy": _noisy(ru_video),
    "xquad-en-noisy": _noisy(lambda: xquad("en")),
    "banking77-faq-noisy": _noisy(lambda: banking77(question_title=True)),
}
"""Every data set by name; the leave-one-dataset-out check holds each out in turn."""
