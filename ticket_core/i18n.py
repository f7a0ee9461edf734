"""The domain's words in Russian and English, and the one gettext mechanism every catalogue of ours uses.

English is the source language, written where the text is said: `say(lang, "{minutes} min", minutes=12)`,
or marked with `N_` where it is defined and said later (`COVERAGE_WORDS`). The same catalogue holds the Russian
of every refusal a use case raises (an English template: `NotFound("No ticket {ref}.", ref=...)`) and of the words
its fields are given (`ticket_core.value_words`), which `dialogue.refusals` says. Russian lives in
`ticket_core/locale/ru/LC_MESSAGES/ticket_core.po`; `make ticket-core-messages` extracts the marked texts into
it (pybabel, as `make dialogue-messages` does for the chats), and `tests/unit/ticket_core/test_i18n.py` fails
on a text without its Russian and on an entry no code says any more. A text that shows a number in a word
that agrees with it is said with `say_n` (gettext's ngettext: Russian's three forms).

A catalogue is read once per process: Babel parses the `.po` file and compiles it in memory, so no build step
makes a `.mo` file and the `.po` ships as package data. `dialogue.i18n` (the chats), `helpdesk.admin.i18n`
and the portal load their own catalogues through `translations` and `entries` here.

Numbers in a text follow the reader's locale through Babel (`format_decimal`, `format_percent`): "66.7%" in
English, "66,7 %" in Russian, "12 345,50" for money.
"""

from __future__ import annotations

import gettext
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import NumberPattern
from babel.numbers import format_decimal as babel_decimal

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "ticket_core"


def lang_of(lang: str | None) -> str:
    """ "ru" for a Russian language code ("ru", "ru-RU"), "en" for anything else (English is the source)."""
    return "ru" if (lang or "").strip().lower()[:2] == "ru" else "en"


def catalogue_path(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Path:
    """Where a language's catalogue of a domain is kept (the domain's, the chats', a web part's)."""
    return locale_dir / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The translations of one language into a catalogue's domain (English, the source: none)."""
    if lang != "ru":
        return gettext.NullTranslations()
    with catalogue_path(lang, locale_dir, domain).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=domain)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def entries(
    lang: str, domain: str = DOMAIN, locale_dir: Path = LOCALE_DIR
) -> dict[tuple[str | None, str], str]:
    """A catalogue's translated entries by (context, English), for a caller that must know whether a text has
    a translation at all (gettext answers a text it does not know with the text itself)."""
    with catalogue_path(lang, locale_dir, domain).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=domain)
    return {(m.context, str(m.id)): str(m.string) for m in catalog if m.id and m.string}


def N_(message: str) -> str:
    """Mark a text for the catalogue where it is defined; `say` translates it where it is said."""
    return message


def NC_(context: str, message: str) -> str:
    """Mark a short text with the context that fixes its meaning; `say_in` translates it in that context."""
    return message


def say(lang: str, message: str, /, **values: object) -> str:
    """`message` (English) in `lang` (Russian for "ru", English otherwise), filled with `values`."""
    text = translations(lang_of(lang)).gettext(message)
    return text.format(**values) if values else text


def say_in(lang: str, context: str, message: str, /, **values: object) -> str:
    """`say` for a short text whose meaning its `context` fixes (pgettext: the weekday "Wed" of a deadline)."""
    text = translations(lang_of(lang)).pgettext(context, message)
    return text.format(**values) if values else text


def say_n(lang: str, singular: str, plural: str, n: int, /, **values: object) -> str:
    """The form of a text that fits the number `n`, in `lang`, filled with `values` (ngettext)."""
    text = translations(lang_of(lang)).ngettext(singular, plural, n)
    return text.format(**values) if values else text


def both(message: str, /, **values: object) -> tuple[str, str]:
    """`message` in Russian and in English, for data kept in both languages (a ledger line's text)."""
    return say("ru", message, **values), say("en", message, **values)


def format_decimal(value: float | Decimal, lang: str, pattern: str = "#,##0.##") -> str:
    """A number as the reader's locale writes it: "12,345.5" in English, "12 345,5" in Russian."""
    return babel_decimal(value, pattern, locale=lang_of(lang))


@cache
def _percent_pattern(lang: str, digits: int, most: int) -> NumberPattern:
    """The locale's own percent pattern ("#,##0 %" in Russian) with `digits` to `most` decimals."""
    p = Locale.parse(lang).percent_formats[None]
    return NumberPattern(
        p.pattern, p.prefix, p.suffix, p.grouping, p.int_prec, (digits, most), p.exp_prec, p.exp_plus,
        p.number_pattern,
    )  # fmt: skip


def format_percent(share: float | Decimal, lang: str, digits: int = 1, most: int | None = None) -> str:
    """A share (0.667) as a percentage with `digits` decimals (up to `most` when given) in the reader's
    locale: "66.7%", "66,7 %"."""
    locale = lang_of(lang)
    return str(_percent_pattern(locale, digits, digits if most is None else most).apply(share, locale))
