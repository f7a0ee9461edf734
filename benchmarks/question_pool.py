"""Never-seen client questions for `helpdesk bench dialogue --unique`, made by recombining real phrasings.

Every demo question (`helpdesk/demo/kb_queries.jsonl`, Russian and English) is wrapped in an opening and
a closing that people write around a question in that language ("Добрый день, ... подскажите
пожалуйста", "Hi, ... thanks in advance"), and a long question also appears with one inner word left out. No two texts of a pool are alike once case and spacing are ignored, so no cache (query
vectors, NLU parses, search results) can answer any of them from an earlier one.
"""

from __future__ import annotations

import random
import re

OPENINGS = {
    "ru": [
        "", "Здравствуйте,", "Добрый день!", "Доброе утро,", "Привет,", "Подскажите,", "Вопрос:", "Срочно:",
        "Коллеги,", "Извините за беспокойство,", "Добрый вечер.", "Слушайте,", "У нас проблема:",
        "Снова я.", "Помогите,", "Уважаемая поддержка,",
    ],
    "en": [
        "", "Hi,", "Hello!", "Good morning,", "Hey,", "Quick question:", "Urgent:", "Hi team,",
        "Sorry to bother you,", "Good evening.", "Help please:", "We have a problem:", "Me again.",
        "Dear support,", "Question:", "Hello there,",
    ],
}  # fmt: skip
CLOSINGS = {
    "ru": [
        "", "спасибо", "подскажите пожалуйста", "очень срочно", "что делать?", "заранее спасибо",
        "помогите", "это уже второй раз", "ждём ответа", "офис на Ленина", "с утра так", "как быть?",
        "на третьем этаже", "буду благодарен", "в переговорной", "у бухгалтерии",
    ],
    "en": [
        "", "thanks", "please advise", "very urgent", "what should I do?", "thanks in advance",
        "please help", "second time this week", "waiting for your reply", "in the main office",
        "since this morning", "any ideas?", "on the third floor", "much appreciated", "in the meeting room",
        "for the accounts team",
    ],
}  # fmt: skip
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _variants(question: str, rng: random.Random) -> list[str]:
    """The question itself and, when it is long, the question with one inner word left out."""
    words = question.rstrip("?!.").split()
    out = [" ".join(words)]
    if len(words) >= 6:
        drop = rng.randrange(1, len(words) - 1)
        out.append(" ".join(words[:drop] + words[drop + 1 :]))
    return out


def unique_questions(questions: list[str], n: int, seed: int = 14) -> list[str]:
    """`n` distinct texts built from `questions`, none equal to a question itself (case and spaces aside).

    Raises `ValueError` when the questions cannot make `n` distinct texts.
    """
    rng = random.Random(seed)
    seen = {_key(q) for q in questions}
    combos: list[tuple[str, str, str]] = []
    for question in questions:
        lang = "ru" if _CYRILLIC.search(question) else "en"
        for body in _variants(question, rng):
            for opening in OPENINGS[lang]:
                for closing in CLOSINGS[lang]:
                    if opening or closing:
                        combos.append((opening, body, closing))
    rng.shuffle(combos)
    out: list[str] = []
    for opening, body, closing in combos:
        text = " ".join(part for part in (opening, body + (f", {closing}" if closing else "")) if part)
        key = _key(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(text)
        if len(out) == n:
            return out
    raise ValueError(f"only {len(out)} distinct questions can be made from {len(questions)}; ask for fewer")
