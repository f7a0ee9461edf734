"""Noisy client questions made from clean ones with a fixed seed: typos, slang, translit, no punctuation.

A real client types "принтак не пичатает, комп пишет ошибку" where the set has "Принтер не печатает, компьютер
показывает ошибку?". Each set here is a clean set of `kb_datasets` with every question perturbed the way
chat users write, drawn from `random.Random(seed)`, so the same seed gives the same set on every machine:

- lower case (most questions), punctuation dropped (most), "ё" written as "е" (always in Russian);
- a typo in some words of four letters or more: two neighbouring letters swapped, a letter dropped or
  doubled, or a neighbour on the keyboard (ЙЦУКЕН / QWERTY) typed instead;
- Russian colloquial words for the standard ones (`SLANG`: компьютер -> комп, интернет -> инет, ...);
- now and then the whole Russian question typed in Latin letters ("ne rabotaet internet").

The slang list here was written for the generator; `kb_search/slang.tsv` (what search reads) was written
from it, so a gain on slang shows the mechanism works, not how complete the dictionary is.
"""

from __future__ import annotations

import random
import re

from benchmarks.kb_datasets import DataSet
from kb_search.evaluate import LabelledQuery

TYPO_RATE = 0.2
LOWER_RATE = 0.8
NO_PUNCT_RATE = 0.7
SLANG_RATE = 0.8
TRANSLIT_RATE = 0.08

# Standard word (lower case, any form that starts so) -> what clients write instead.
SLANG = {
    "компьютер": ("комп", "компик"),
    "интернет": ("инет", "интернеты"),
    "программ": ("прога", "программка"),
    "приложени": ("прила", "приложуха"),
    "принтер": ("принтак", "принтер"),
    "телефон": ("тел", "телефончик", "мобила"),
    "ноутбук": ("ноут", "бук"),
    "пароль": ("пасс", "пароль"),
    "сообщени": ("сообщение", "смс", "сообщ"),
    "видео": ("видос", "видосик"),
    "клавиатур": ("клава",),
    "электронн": ("электронка",),
    "почт": ("почта", "мыло"),
    "настройк": ("настройки", "настроики"),
    "аккаунт": ("акк", "акаунт"),
    "wi-fi": ("вайфай", "вафля"),
    "wifi": ("вайфай",),
    "бесплатн": ("халявн",),
    "обновлени": ("обнова",),
    "загрузк": ("загрузка", "загруз"),
    "монитор": ("моник",),
    "кондиционер": ("кондей", "кондер"),
    "холодильник": ("холодос",),
    "проблем": ("трабл", "проблема"),
    "спасибо": ("спс", "пасиб"),
    "пожалуйста": ("плз", "пжлст"),
    "сейчас": ("щас",),
    "что": ("че", "чо", "што"),
    "тоже": ("тож",),
    "вообще": ("ваще",),
}

_KEYS_RU = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
_KEYS_EN = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_PUNCT = re.compile(r"[^\w\s%-]+", re.UNICODE)


def _neighbours(rows: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for r, row in enumerate(rows):
        for i, ch in enumerate(row):
            near = row[max(0, i - 1) : i] + row[i + 1 : i + 2]
            for other in rows[max(0, r - 1) : r] + rows[r + 1 : r + 2]:
                near += other[i : i + 1]
            out[ch] = near
    return out


_NEAR = {**_neighbours(_KEYS_RU), **_neighbours(_KEYS_EN)}


def typo(word: str, rng: random.Random) -> str:
    """One typing slip in `word`: a swap, a drop, a double or a keyboard neighbour (not the first letter)."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double", "near"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    near = _NEAR.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word


def _slang(word: str, rng: random.Random) -> str:
    low = word.lower()
    for standard, variants in SLANG.items():
        if low.startswith(standard) and rng.random() < SLANG_RATE:
            return rng.choice(variants)
    return word


def translit(text: str) -> str:
    """Russian letters spelt in Latin the way people type them without a Cyrillic layout."""
    return "".join(_TRANSLIT.get(c, _TRANSLIT.get(c.lower(), c).upper() if c.isupper() else c) for c in text)


def perturb(text: str, rng: random.Random) -> str:
    """One clean question as a hurried chat user types it (every choice drawn from `rng`)."""
    russian = bool(re.search(r"[а-яё]", text.lower()))
    out = text.replace("ё", "е").replace("Ё", "Е") if russian else text

    def word(match: re.Match[str]) -> str:
        w = match.group(0)
        if russian:
            w = _slang(w, rng)
        if rng.random() < TYPO_RATE:
            w = typo(w, rng)
        return w

    out = _WORD.sub(word, out)
    if rng.random() < LOWER_RATE:
        out = out.lower()
    if rng.random() < NO_PUNCT_RATE:
        out = " ".join(_PUNCT.sub(" ", out).split())
    if russian and rng.random() < TRANSLIT_RATE:
        out = translit(out)
    return out


def noisy(dataset: DataSet, seed: int = 14) -> DataSet:
    """The same KB with every question perturbed (`perturb`), drawn with a fixed seed."""
    rng = random.Random(seed)
    queries = [LabelledQuery(perturb(q.query, rng), q.relevant) for q in dataset.queries]
    return DataSet(
        f"{dataset.name}-noisy",
        dataset.lang,
        dataset.shape + "+noisy",
        dataset.source,
        dataset.articles,
        queries,
        dataset.history,
    )
