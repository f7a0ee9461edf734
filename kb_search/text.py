"""Text handling for search: tokens with Russian/English stemming, chunks of long articles, snippets."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
_MD = re.compile(r"[`*_#>|~\[\]()]+")

# Function words carry no topic; dropping them keeps BM25 from rewarding "how do I" matches.
STOPWORDS = frozenset(
    """
    a an the and or of to in on at for by with from is are was were be been it its this that these those
    i me my we our you your he she they them his her their do does did how what when where which who why
    can could should would will shall may might must not no if then than so as about into up out there here
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас
    нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их
    чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой
    совсем ним здесь этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при
    наконец два об другой хоть после над больше тот через эти нас про всего них какая много разве
    три эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда
    конечно всю между это мне меня у нас ли
    """.split()
)

_STEMMERS = {"ru": Stemmer.Stemmer("russian"), "en": Stemmer.Stemmer("english")}


def normalize(text: str) -> str:
    """Lower-case, NFKC-normalise and fold ё to е so spelling variants meet."""
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lower-case word with the stemmer of its script (Cyrillic: Russian, Latin: English)."""
    if _CYRILLIC.search(word):
        return _STEMMERS["ru"].stemWord(word)
    if _LATIN.search(word):
        return _STEMMERS["en"].stemWord(word)
    return word


def tokens(text: str) -> list[str]:
    """Return the stemmed content words of `text`, in order."""
    words = _WORD.findall(normalize(text))
    return [stem(w) for w in words if w not in STOPWORDS and len(w) < 40]


def plain(markdown: str) -> str:
    """Strip Markdown punctuation so snippets and embeddings see words, not markup."""
    return re.sub(r"\s+", " ", _MD.sub(" ", markdown)).strip()


def chunks(title: str, body: str, max_words: int = 160, overlap: int = 30) -> list[str]:
    """Split an article into passages of at most `max_words` words, each prefixed with the title.

    Short articles stay whole. Long ones are cut on paragraph boundaries where possible, with a small
    overlap so an answer that straddles a cut is still found in one piece.
    """
    words = plain(body).split()
    if len(words) <= max_words:
        return [f"{title}. {' '.join(words)}"]
    out: list[str] = []
    start = 0
    step = max_words - overlap
    while start < len(words):
        piece = words[start : start + max_words]
        out.append(f"{title}. {' '.join(piece)}")
        if start + max_words >= len(words):
            break
        start += step
    return out


def snippet(body: str, query_tokens: set[str], size: int = 220) -> str:
    """A short plain-text excerpt of `body` around the first sentence that shares words with the query."""
    text = plain(body)
    if len(text) <= size:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    best, best_overlap = 0, 0
    for i, sentence in enumerate(sentences):
        overlap = len(query_tokens.intersection(tokens(sentence)))
        if overlap > best_overlap:
            best, best_overlap = i, overlap
    start = sum(len(s) + 1 for s in sentences[:best])
    piece = text[start : start + size]
    cut = piece.rfind(" ")
    if len(piece) == size and cut > size // 2:
        piece = piece[:cut]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + len(piece) < len(text) else ""
    return f"{prefix}{piece}{suffix}"
