"""Every text the chats say, in Russian and English, through one gettext catalogue (Babel's .po file): the
mechanism the web admin and the portal use too.

English is the source language, written where the text is said: `say(lang, "Reports are for staff.")`, or
marked with `N_` where it is defined and said later (`say(lang, label)`): a text chosen by a code is a typed
mapping to `N_()` texts (`texts.STATUS_NAMES`, `staff_menus.MENU_DESCRIPTIONS`), and one chosen by a condition
is `N_("...") if ... else N_("...")`, so that extraction finds every text. Russian lives in
`dialogue/locale/ru/LC_MESSAGES/dialogue.po`, read once per process by the one loader of every catalogue
(`ticket_core.i18n`: Babel parses it and compiles it in memory; no build step). `make dialogue-messages` adds newly marked texts to it, the same extraction as
`make admin-messages`, over `dialogue` and the few files elsewhere whose texts the chats' catalogue holds
(`DIALOGUE_TEXTS_ELSEWHERE` in the Makefile: routing reasons, the acts' PDF, the report chart's legend);
`tests/unit/dialogue/test_dialogue_i18n.py` fails on a text without its Russian, on Russian that fills other
values than the English, and on an entry no code uses.

A text that shows a number in a word that agrees with it is said with `say_n(lang, singular, plural, n,
...)` (gettext's ngettext): the catalogue holds Russian's three forms ("1 раз", "3 раза", "5 раз"), picked by
its plural rule.

The refusals of the use cases are said from the catalogues of the packages that raise them (`ticket_core.po`,
`kb_search.po`; `dialogue.refusals`).

A `{name}` value is a person's name: Russian texts decline it (`{name:dat}`, `принял{name:fem}`), English
ones spell it in Latin letters (`dialogue.names`).
"""

from __future__ import annotations

import gettext
from pathlib import Path

from dialogue.names import PersonName, latin
from ticket_core import i18n as catalogues

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "dialogue"


def catalogue_path(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Path:
    """Where a language's catalogue is kept (the chats', or a web part's: the admin's, the portal's)."""
    return catalogues.catalogue_path(lang, locale_dir, domain)


def translations(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The translations of one language into a catalogue's domain (English, the source: none)."""
    return catalogues.translations(lang, locale_dir, domain)


def N_(message: str) -> str:
    """Mark a text for the catalogue where it is defined; `say` translates it where it is said."""
    return message


def say(lang: str, message: str, /, **values: object) -> str:
    """`message` (English) in `lang` (Russian for "ru", English otherwise), filled with `values`."""
    text = translations("ru" if lang == "ru" else "en").gettext(message)
    name = values.get("name")
    if isinstance(name, str):
        values["name"] = PersonName(name if lang == "ru" else latin(name))
    return text.format(**values) if values else text


def say_n(lang: str, singular: str, plural: str, n: int, /, **values: object) -> str:
    """The form of a text that fits the number `n`, in `lang`, filled with `values` (which name `n` again if
    the text shows it): English has two forms ("1 link", "3 links"), Russian three, picked by the catalogue's
    plural rule ("1 раз", "3 раза", "5 раз")."""
    text = translations("ru" if lang == "ru" else "en").ngettext(singular, plural, n)
    name = values.get("name")
    if isinstance(name, str):
        values["name"] = PersonName(name if lang == "ru" else latin(name))
    return text.format(**values) if values else text
