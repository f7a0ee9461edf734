"""Whether a text reads as a request (a question or a problem) by its words, for when NLU cannot tell.

Used where a plain text might be either a request or something else (a rating's comment): without the NLU
model, or when the model is unsure, "Забыл пароль от почты, как его восстановить" still reads as a question
and "Принтер не печатает" as a problem, while "Всё отлично, спасибо" does not. Words are compared by their
dictionary form with negation kept (`dialogue.choice_words.lemmas`: "не печатает" -> "не_печатать").
"""

from __future__ import annotations

import re

from dialogue.choice_words import lemmas

QUESTION_OPENERS = frozenset(
    {
        "как",
        "почему",
        "зачем",
        "где",
        "когда",
        "куда",
        "сколько",
        "какой",
        "можно",
        "мочь",
        "подсказать",
        "how",
        "why",
        "where",
        "when",
        "what",
        "which",
        "can",
        "could",
        "is",
        "are",
        "do",
        "does",
        "should",
    }
)
"""First words (dictionary forms) that open a question: "Как сбросить пароль", "Can I ...", "Подскажите ..."."""

PROBLEM_LEMMAS = frozenset(
    {
        "забыть",
        "сломаться",
        "сломать",
        "течь",
        "протекать",
        "капать",
        "пропасть",
        "зависнуть",
        "ошибка",
        "авария",
        "неисправность",
        "не_работать",
        "не_включаться",
        "не_печатать",
        "не_греть",
        "не_холодить",
        "не_открываться",
        "не_мочь",
        "не_получаться",
        "не_приходить",
        "нужный",
        "нужно",
        "надо",
        "forgot",
        "broken",
        "broke",
        "leak",
        "leaking",
        "error",
        "need",
        "stopped",
    }
)
"""Dictionary forms that name a problem or a need ("не работает", "сломался", "течёт", "forgot", "broken")."""

_PHRASES = re.compile(
    r"\b(can't|cannot|doesn't|don't|won't|isn't|not working|help me|помогите|не могу)\b", re.IGNORECASE
)
"""Phrases read as they are (a lemma would lose them: "помогли" is "помочь" too, and is thanks)."""
_NOT_A_QUESTION = re.compile(r"как (всегда|обычно)\b", re.IGNORECASE)
"""Openers that praise rather than ask ("Как всегда отлично")."""
_FIRST_WORD = re.compile(r"[a-zа-яё]+", re.IGNORECASE)


def reads_as_request(text: str) -> bool:
    """True when a text asks something or names a problem by its words (no model needed)."""
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith("?"):
        return True
    first = _FIRST_WORD.search(stripped)
    opens = first is not None and first.start() == 0 and not _NOT_A_QUESTION.match(stripped)
    if opens and first is not None and lemmas(first.group()) & QUESTION_OPENERS:
        return True
    if _PHRASES.search(stripped):
        return True
    return bool(lemmas(stripped) & PROBLEM_LEMMAS)


AGAIN_LEMMAS = frozenset({"опять", "снова", "повторно", "again", "still"})
"""Words that say a problem came back ("опять течёт", "снова не печатает", "it is leaking again")."""
_AGAIN_PHRASES = re.compile(r"\b(всё ещё|все еще|до сих пор|не помог ремонт)\b", re.IGNORECASE)


def reads_as_recurrence(text: str) -> bool:
    """True when a text says by its words that a problem is back (for when NLU cannot tell)."""
    return bool(lemmas(text) & AGAIN_LEMMAS) or bool(_AGAIN_PHRASES.search(text))
