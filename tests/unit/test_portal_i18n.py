"""The portal in Russian and English: every text the portal marks has its Russian, with the same placeholders,
and the catalogue keeps no text the portal no longer uses (helpdesk/portal/i18n.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from helpdesk.admin.i18n import catalogue_path
from helpdesk.portal import i18n

PORTAL = Path(i18n.__file__).resolve().parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "tr": None, "gettext": None}
PLACEHOLDER = re.compile(r"\{\w+\}")


def _marked() -> set[str]:
    return {
        str(message)
        for _f, _l, message, _c, _x in extract_from_dir(
            str(PORTAL), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True
        )
    }


def _russian() -> dict[str, str]:
    with catalogue_path("ru", i18n.LOCALE_DIR, i18n.DOMAIN).open("rb") as po:
        catalog = read_po(po, locale="ru")
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_portal_text_has_its_russian_and_nothing_stale() -> None:
    marked, russian = _marked(), _russian()
    assert len(marked) > 90
    assert not [m for m in marked if not russian.get(m)], "run make portal-messages and translate"
    assert not set(russian) - marked


def test_translations_keep_their_placeholders() -> None:
    for source, text in _russian().items():
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), source


def test_a_link_message_in_each_language() -> None:
    from helpdesk.portal.signin import link_message

    assert "https://x/portal/in/abc" in link_message("ru", "https://x/portal/in/abc", 15)
    assert link_message("ru", "u", 15).startswith("Ваша ссылка")
    assert link_message("en", "u", 15).startswith("Your link")


def test_a_refusal_reads_in_the_portal_readers_language() -> None:
    from aiohttp.test_utils import make_mocked_request

    from helpdesk.portal.pages import refused
    from ticket_core.errors import NotFound, ValidationFailed

    def request(lang: str) -> Any:
        return make_mocked_request("GET", "/portal/t/x", headers={"Cookie": f"hd_portal_lang={lang}"})

    missing = NotFound("No ticket {ref} among yours. Check the number and try again.", ref="HD-77")
    assert (
        refused(request("ru"), missing) == "Среди ваших заявок нет HD-77. Проверьте номер и попробуйте снова."
    )
    assert refused(request("en"), missing) == str(missing)
    # The portal's own refusals come from its catalogue.
    too_many = ValidationFailed("Send at most {count} photos at a time.", count=5)
    assert refused(request("ru"), too_many) == "Отправляйте не больше 5 фото за раз."
    assert refused(request("en"), too_many) == "Send at most 5 photos at a time."
