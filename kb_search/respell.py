"""A query word the KB never uses, read as the same word in the other script when the KB uses that one:
"шортс" -> shorts, "обс" -> OBS, "akkaunt" -> аккаунт.

Clients write names and slang in either script; an article uses one spelling. BM25 finds nothing for a word
no article has, so such a word only lowers the query's share matched. Only words the KB does not know are
read again, and only as a word it does know, so a query in the KB's own words searches as before. Works on
stems (`kb_search.text.tokens`), on the lexical side only: the query's vector reads the text as written.
"""

from __future__ import annotations

from collections.abc import Callable

from kb_search.text import stem

_RU_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}  # fmt: skip
_LAT_RU = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"),
    ("yu", "ю"), ("ya", "я"), ("yo", "е"), ("x", "кс"), ("w", "в"), ("q", "к"), ("c", "к"), ("j", "дж"),
    ("h", "х"), ("y", "и"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"),
    ("z", "з"), ("i", "и"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"),
    ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"),
)  # fmt: skip


def other_script(term: str) -> str | None:
    """The term spelt in the other script and stemmed there; None when it is not all of one script."""
    if all("а" <= c <= "я" for c in term):
        return stem("".join(_RU_LAT.get(c, c) for c in term))
    if all("a" <= c <= "z" for c in term):
        out = term
        for latin, cyrillic in _LAT_RU:
            out = out.replace(latin, cyrillic)
        return stem(out)
    return None


def respelled(terms: list[str], known: Callable[[str], bool]) -> list[str]:
    """`terms` with each one the KB does not know replaced by its other-script spelling when the KB knows it."""
    out = []
    for term in terms:
        if not known(term) and (swapped := other_script(term)) and known(swapped):
            term = swapped
        out.append(term)
    return out
