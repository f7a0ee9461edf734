"""People's names in Russian sentences, declined: "от Сергея Петрова", "инженеру Ольге Соколовой".

Russian texts name their case in the placeholder: `{name:gen}`, `{name:dat}`, `{name:acc}`, `{name:ins}`,
`{name:pre}`, and a past-tense verb its ending, `принял{name:fem}`; English ones write `{name}`. `texts.translate` wraps every `name` value in `PersonName`, whose
`__format__` declines it with pymorphy3 (OpenCorpora's dictionary knows first names, surnames and
patronymics). A surname is declined in the gender of the first name (or, failing that, of its own ending).
Names that are not Cyrillic, and words the dictionary does not know as names, stay as they are.
"""

from __future__ import annotations

import re

import iuliia

from dialogue.russian import morph

CASES = {"gen": "gent", "dat": "datv", "acc": "accs", "ins": "ablt", "pre": "loct"}
_CYRILLIC_WORD = re.compile(r"^[А-ЯЁа-яё][А-ЯЁа-яё-]*$")
_ANY_CYRILLIC = re.compile("[А-ЯЁа-яё]")
_FEMININE_SURNAME = ("ова", "ева", "ёва", "ина", "ына", "ая", "ская", "цкая")


def _as_written(declined: str, original: str) -> str:
    return (
        "-".join(part[:1].upper() + part[1:] for part in declined.split("-"))
        if original[:1].isupper()
        else declined
    )


def _inflect(word: str, kind: str, case: str, gender: str | None) -> str:
    for parse in morph().parse(word):
        grammemes = parse.tag.grammemes
        if kind not in grammemes or "nomn" not in grammemes:
            continue
        if gender is not None and kind != "Name" and gender not in grammemes and "Ms-f" not in grammemes:
            continue
        found = parse.inflect({case})
        if found is not None:
            return _as_written(found.word, word)
    return word


def gender_of(first: str, last: str | None) -> str | None:
    """ "masc" or "femn" from the first name as the dictionary knows it, else from the surname's ending."""
    for parse in morph().parse(first):
        if "Name" in parse.tag.grammemes and parse.tag.gender in ("masc", "femn"):
            return str(parse.tag.gender)
    if last:
        return "femn" if last.lower().endswith(_FEMININE_SURNAME) else "masc"
    return None


def decline(name: str, case: str) -> str:
    """`name` ("Имя Фамилия", "Имя Отчество Фамилия", or one word) in pymorphy3's `case`; others unchanged."""
    words = name.split()
    if not words or not all(_CYRILLIC_WORD.match(w) for w in words):
        return name
    last = words[-1] if len(words) > 1 else None
    gender = gender_of(words[0], last)
    out = [_inflect(words[0], "Name", case, gender)]
    for word in words[1:]:
        if word.lower().endswith(("вич", "вна", "чна", "ична")):
            out.append(_inflect(word, "Patr", case, gender))
        else:
            out.append(_inflect(word, "Surn", case, gender))
    return " ".join(out)


def latin(name: str) -> str:
    """A name as an English reader reads it: Cyrillic in Latin letters by the Wikipedia scheme (iuliia:
    "Сергей Петров" -> "Sergey Petrov", "Юлия" -> "Yuliya"); anything else as written."""
    if not _ANY_CYRILLIC.search(name):
        return name
    return str(iuliia.WIKIPEDIA.translate(name))


class PersonName(str):
    """A name that declines itself in a format spec: `"{name:dat}".format(name=PersonName("Ольга"))`."""

    __slots__ = ()

    def __format__(self, spec: str) -> str:
        if spec == "fem":
            # The ending a Russian past-tense verb takes after this name: "принял{name:fem}" -> "приняла".
            try:
                words = str(self).split()
                if words and all(_CYRILLIC_WORD.match(w) for w in words):
                    return "а" if gender_of(words[0], words[-1] if len(words) > 1 else None) == "femn" else ""
            except Exception:
                return ""
            return ""
        case = CASES.get(spec)
        if case is None:
            return super().__format__(spec)
        try:
            return decline(str(self), case)
        except Exception:  # a name no rule fits reads better as written than not at all
            return str(self)
