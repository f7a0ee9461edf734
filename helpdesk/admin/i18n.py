"""The admin in Russian and English: gettext catalogues (Babel's .po files) and each person's language.

Templates mark texts with `{{ _("...") }}` and `{% trans %}` (Jinja2's i18n extension); Python code marks
them with `_()` from the `Texts` of the request (`texts_for`). English is the source language; Russian lives
in `locale/ru/LC_MESSAGES/admin.po`, read once per process by the loader the chats use too
(`dialogue.i18n.translations`: Babel parses it and compiles it in memory, so no build step makes a `.mo` file). `tests/unit/admin/test_admin_i18n.py` extracts every marked text from the
templates and the admin's Python with Babel and fails on one the catalogue does not translate.

Whose language: the signed-in person's (`StaffMember.lang`, which they switch with the RU/EN links in the
header: the bots speak it to them too); before signing in, the `hd_admin_lang` cookie the links set, else the
browser's Accept-Language, else Russian.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from dialogue import i18n

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "admin"
LANGS = ("ru", "en")
DEFAULT_LANG = "ru"
LANG_COOKIE = "hd_admin_lang"


def catalogue_path(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Path:
    """Where a language's catalogue is kept (the admin's, or another web part's: the client portal's)."""
    return i18n.catalogue_path(lang, locale_dir, domain)


def translations(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The translations of one language (English, the source: none); the chats' loader (`dialogue.i18n`)."""
    return i18n.translations(lang if lang in LANGS else "en", locale_dir, domain)


@dataclass(frozen=True, slots=True)
class Texts:
    """The admin's texts in one language (`locale_dir` and `domain` name another catalogue: the portal's)."""

    lang: str
    locale_dir: Path = LOCALE_DIR
    domain: str = DOMAIN

    def gettext(self, message: str) -> str:
        """`message` in this language."""
        return translations(self.lang, self.locale_dir, self.domain).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural form for `n` in this language (Russian has three)."""
        return translations(self.lang, self.locale_dir, self.domain).ngettext(singular, plural, n)

    def __call__(self, message: str, **values: object) -> str:
        """`message` in this language, filled with `values` (`{name}` placeholders)."""
        text = self.gettext(message)
        return text.format(**values) if values else text


def norm_lang(value: str | None) -> str | None:
    """A supported language code from a value such as "ru", "en-US" or "ru-RU,ru;q=0.9" (None if none)."""
    for part in (value or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return None


def request_lang(request: web.Request, member_lang: str | None, cookie: str = LANG_COOKIE) -> str:
    """The language an admin page is shown in: the person's, or (signed out) the cookie's or the browser's."""
    return (
        norm_lang(member_lang)
        or norm_lang(request.cookies.get(cookie))
        or norm_lang(request.headers.get("Accept-Language"))
        or DEFAULT_LANG
    )


def _(message: str) -> str:
    """Mark a text for the catalogue where it is defined; it is translated where it is shown."""
    return message
