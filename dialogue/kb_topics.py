"""Which job categories a KB article is about, read from its tags and title, so suggestions fit the job.

A job has a category (`dialogue.texts.CATEGORIES`: the engineer's skill); an article has only free tags. An
article is about a category when a tag or its title names that category's equipment or trade ("кондиционер",
"boiler", "сантехника"), or the category itself (its code, or a word of its name in either language). Symptoms
are not topics: "течёт", "протечка", "leak", "water" say nothing about whether an air conditioner or a tap
leaks, and matching them is how a plumbing job was offered the air conditioner's leak article (#18). An
article that names no category (a visit procedure, an escalation guide, an elevator) is general: it may fit
any job. Words are matched at the start of a word, with ё read as е ("котёл" and "котел", "кран" and
"крана", never "экран").
"""

from __future__ import annotations

import re
from functools import cache

from kb_search.model import Article

TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "it": (
        "компьютер", "ноутбук", "wi-fi", "wifi", "vpn", "роутер", "интернет", "сеть", "сетев", "почт", "парол",
        "учетн", "computer", "laptop", "pc", "network", "internet", "email", "e-mail", "outlook", "password",
        "router", "it support",
    ),
    "printers": (
        "принтер", "мфу", "картридж", "тонер", "сканер", "копир", "printer", "toner", "cartridge", "copier",
        "scanner",
    ),
    "hvac": (
        "кондиционер", "сплит", "вентиляц", "климат", "air condition", "conditioner", "hvac", "ventilation",
    ),
    "heating": ("котел", "отоплен", "батаре", "радиатор", "газ", "boiler", "heating", "radiator", "gas"),
    "electrical": (
        "электри", "свет", "ламп", "освещ", "розетк", "автомат", "щиток", "electric", "lighting", "lamp", "light",
        "breaker", "socket", "power",
    ),
    "plumbing": (
        "сантехн", "кран", "смесител", "унитаз", "раковин", "канализац", "засор", "водопровод", "труб", "plumb",
        "tap", "toilet", "sink", "pipe",
    ),
}  # fmt: skip
"""The words that put an article in a category: the category's equipment and trade, never a symptom."""


@cache
def _pattern(category: str) -> re.Pattern[str]:
    words = sorted(TOPIC_WORDS[category], key=len, reverse=True)
    return re.compile(r"(?<![a-zа-я0-9])(?:" + "|".join(re.escape(w) for w in words) + ")")


def _fold(text: str) -> str:
    return text.casefold().replace("ё", "е")


def article_topics(article: Article) -> frozenset[str]:
    """The categories an article is about (by its tags and title); empty for a general article."""
    text = " | ".join(_fold(t) for t in (*article.tags, article.title))
    named = {_fold(t).strip() for t in article.tags}
    return frozenset(c for c in TOPIC_WORDS if c in named or _pattern(c).search(text))


def known(category: str) -> bool:
    """Whether articles can be told to be about `category` ("other" and unknown codes cannot)."""
    return category in TOPIC_WORDS


def fits(article: Article, category: str) -> bool:
    """Whether the article may answer a job of `category`: about it, or general; any article when the job's
    category says nothing (`other`)."""
    if not known(category):
        return True
    topics = article_topics(article)
    return not topics or category in topics
