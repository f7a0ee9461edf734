"""The admin in Russian and English: every text the admin marks for translation has its Russian, and the
catalogue keeps no text the admin no longer uses (helpdesk/admin/i18n.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from helpdesk.admin import i18n
from helpdesk.admin.i18n import Texts, catalogue_path, norm_lang
from helpdesk.admin.labels import label_helpers
from helpdesk.admin.views_reports import FIGURE_LABELS
from ticket_core.reports.display import KEY_FIGURE_LABELS

ADMIN = Path(i18n.__file__).resolve().parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "tr": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)[sd]|<[^>]+>")


def _marked() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ADMIN), METHODS, OPTIONS, KEYWORDS, strip_comment_tags=True
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


@pytest.fixture(scope="module")
def russian() -> dict[str | tuple[str, str], object]:
    with catalogue_path("ru").open("rb") as po:
        catalog = read_po(po, locale="ru")
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are not translations"
    return {(m.id if isinstance(m.id, str) else tuple(m.id)): m.string for m in catalog if m.id}


def test_every_marked_text_has_its_russian(russian: dict[str | tuple[str, str], object]) -> None:
    marked = _marked()
    assert len(marked) > 250  # the extraction found the templates and the Python
    missing = [
        m for m in marked if not russian.get(m) or (isinstance(russian[m], tuple) and not all(russian[m]))
    ]  # type: ignore[arg-type]
    assert not missing, (
        f"no Russian for {sorted(map(str, missing))[:20]} (run make admin-messages, translate)"
    )


def test_the_catalogue_keeps_only_texts_in_use(russian: dict[str | tuple[str, str], object]) -> None:
    stale = set(russian) - _marked()
    assert not stale, f"texts no longer used: {sorted(map(str, stale))[:20]}"


def test_translations_keep_their_placeholders_and_markup(
    russian: dict[str | tuple[str, str], object],
) -> None:
    for source, target in russian.items():
        english = source if isinstance(source, str) else source[0]
        forms = target if isinstance(target, tuple) else (target,)
        for form in forms:
            assert sorted(PLACEHOLDER.findall(str(form))) == sorted(PLACEHOLDER.findall(english)), (
                english,
                form,
            )


def test_a_text_is_shown_in_the_readers_language() -> None:
    assert Texts("ru")("Tickets") == "Заявки"
    assert Texts("en")("Tickets") == "Tickets"
    assert Texts("ru")("{on} of {total} on shift", on=3, total=5) == "3 из 5 на смене"
    assert [
        Texts("ru").ngettext("%(num)d article", "%(num)d articles", n) % {"num": n} for n in (1, 3, 7)
    ] == [
        "1 статья",
        "3 статьи",
        "7 статей",
    ]


def test_states_and_values_read_as_words_in_both_languages() -> None:
    ru, en = label_helpers(Texts("ru")), label_helpers(Texts("en"))
    assert ru["status_label"]("in_progress") == "В работе"
    assert en["status_label"]("in_progress") == "In progress"
    assert ru["sla_label"]("at_risk") == "под угрозой"
    assert en["role_label"]("supervisor") == "supervisor"
    assert ru["group_label"]("day") == "день"
    assert ru["priority_label"]("P2") == "P2 · Срочно, сегодня"


def test_the_reports_key_figures_are_all_in_the_catalogue() -> None:
    assert FIGURE_LABELS == KEY_FIGURE_LABELS  # the same labels, marked for the admin's catalogue


@pytest.mark.parametrize(
    ("header", "lang"),
    [("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("en-US,en;q=0.9", "en"), ("de-DE", None), ("", None), ("EN", "en")],
)
def test_the_language_a_browser_asks_for(header: str, lang: str | None) -> None:
    assert norm_lang(header) == lang
