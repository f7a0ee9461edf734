"""The portal in Russian and English: the admin's gettext machinery over the portal's own catalogue
(`locale/ru/LC_MESSAGES/portal.po`). Whose language: the signed-in contact's (the bots speak it to them too),
before signing in the `hd_portal_lang` cookie the RU/EN links set, else the browser's, else Russian."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from helpdesk.admin.i18n import Texts, request_lang

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "portal"
LANG_COOKIE = "hd_portal_lang"


def texts(lang: str) -> Texts:
    """The portal's texts in one language."""
    return Texts(lang, LOCALE_DIR, DOMAIN)


def texts_for(request: web.Request, contact_lang: str | None) -> Texts:
    """The portal's texts for whoever asks: the cookie the RU/EN links set, the contact's language, the browser's."""
    return texts(request_lang(request, request.cookies.get(LANG_COOKIE) or contact_lang, LANG_COOKIE))
