"""A use case's refusal in the reader's language: the domain's English templates and their Russian.

`ticket_core` and `kb_search` raise errors whose message is an English template with named fields
(`DomainError("Ticket {ref} is {status}; ...", ref=..., status=...)`). The chats and the admin show the
English sentence to an English reader and its Russian to a Russian reader; field values that are words (a
status, a role, "problem description") are said in Russian too. The Russian is in each package's own gettext
catalogue, `ticket_core/locale/ru/LC_MESSAGES/ticket_core.po` and `kb_search/locale/ru/LC_MESSAGES/kb_search.po`
(templates, and the words fields are given under the context "value": `ticket_core.value_words`,
`kb_search.value_words`), which `make ticket-core-messages` extracts from the code with pybabel (the error
classes are its keywords). `tests/unit/ticket_core/test_i18n.py` fails on a template without its Russian and on
an entry no code raises any more; `tests/unit/dialogue/test_refusals.py` on a refusal that is not a literal
template, or whose Russian names fields the call does not give."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from dialogue.texts import status_name
from kb_search import value_words as kb_words
from kb_search.model import KbError
from ticket_core import i18n as core_i18n
from ticket_core.errors import DomainError, FormProblems, ValueRefused
from ticket_core.i18n import entries
from ticket_core.value_words import VALUE

CATALOGUES = ((core_i18n.DOMAIN, core_i18n.LOCALE_DIR), (kb_words.DOMAIN, kb_words.LOCALE_DIR))
"""Where the refusals' Russian is: the domain's catalogue, then kb_search's (a template both raise is in both)."""


def _in_russian(english: str, context: str | None = None) -> str | None:
    for domain, locale_dir in CATALOGUES:
        said = entries("ru", domain, locale_dir).get((context, english))
        if said is not None:
            return said
    return None


class Worded(Protocol):
    """An error whose message is an English template with named fields (`DomainError`, `KbError`)."""

    template: str
    params: dict[str, object]


def refusal_text(error: Worded, lang: str) -> str | None:
    """`error`'s sentence in `lang` (ru or en); None when Russian is asked and the template has none yet."""
    if lang != "ru":
        return str(error)
    if isinstance(error, FormProblems):
        said = [refusal_text(part, lang) for part in error.parts]
        return " ".join(s for s in said if s is not None) if None not in said else None
    russian = _in_russian(error.template)
    if russian is None:
        return None
    return russian.format_map(_RussianValues(error.params))


def has_russian(template: str) -> bool:
    """Whether the Russian catalogue says `template`."""
    return _in_russian(template) is not None


class _RussianValues(dict[str, str]):
    """A template's fields in Russian: statuses by their Russian names, known words translated."""

    def __init__(self, params: Mapping[str, object]) -> None:
        super().__init__({name: _russian(name, value) for name, value in params.items()})

    def __missing__(self, key: str) -> str:
        # A Russian sentence may name a field the English one left out ({action} for {past}): say nothing odd.
        return ""


def _russian(name: str, value: object) -> str:
    if isinstance(value, DomainError | KbError | ValueRefused):  # a refusal that names another one
        return refusal_text(value, "ru") or str(value)
    if isinstance(value, tuple) and value and all(isinstance(v, KbError) for v in value):
        return "\n".join(_russian(name, v) for v in value)  # `Problems`: an import's bad lines
    if name == "keys":  # names as a file or a request spells them (JSON keys): never translated
        return str(value)
    word = _in_russian(str(value), VALUE)
    if name == "status" and isinstance(value, StrEnum) and word is None:
        return status_name("ru", str(value))
    return word if word is not None else str(value)
