"""A use case's refusal in the reader's language: the domain's English templates and their Russian.

`ticket_core` and `kb_search` raise errors whose message is an English template with named fields
(`DomainError("Ticket {ref} is {status}; ...", ref=..., status=...)`). The chats and the admin show the
English sentence to an English reader and its Russian to a Russian reader; field values that are words (a
status, a role, "problem description") are said in Russian too. The Russian is a gettext catalogue of its own,
`dialogue/locale/ru/LC_MESSAGES/refusals.po` (templates, and field words under the context "value"), read by
the chats' loader (`dialogue.i18n`); its English lives in ticket_core and kb_search, which no extraction
reads, so it is kept by hand: `tests/unit/dialogue/test_refusals.py` fails when a template that a use case
raises has no Russian there, and on an entry no use case raises any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from dialogue.i18n import LOCALE_DIR
from dialogue.texts import status_name
from kb_search.model import KbError
from ticket_core.errors import DomainError, FormProblems, ValueRefused
from ticket_core.i18n import entries

REFUSALS = "refusals"
"""The catalogue of the refusals' Russian: `dialogue/locale/ru/LC_MESSAGES/refusals.po`."""
VALUE = "value"
"""The context of a word a template's field is given ("problem description"), as opposed to a template."""


def _in_russian(english: str, context: str | None = None) -> str | None:
    return entries("ru", REFUSALS, LOCALE_DIR).get((context, english))


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
