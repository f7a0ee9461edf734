"""The chats' gettext catalogue (dialogue/i18n.py): every text said with `say` or marked with `N_` has its
Russian, which fills the same values as the English; the catalogue keeps no text the code no longer says."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

from dialogue import i18n
from dialogue.i18n import N_, catalogue_path, say

DIALOGUE = Path(i18n.__file__).resolve().parent
KEYWORDS = {"say": (2,), "tell": None, "N_": None}
ELSEWHERE = re.search(
    r"^DIALOGUE_TEXTS_ELSEWHERE := ((?:.*\\\n)*.*)$", (DIALOGUE.parent / "Makefile").read_text(), re.M
)
"""Files outside `dialogue` whose texts the chats' catalogue holds, as `make dialogue-messages` reads them."""


def _marked() -> set[str]:
    assert ELSEWHERE is not None
    found = [
        m
        for _file, _line, m, _comments, _context in extract_from_dir(
            str(DIALOGUE), [("**.py", "python")], {}, KEYWORDS, strip_comment_tags=True
        )
    ]
    for path in ELSEWHERE.group(1).replace("\\", " ").split():
        found += [
            m
            for _line, m, _comments, _context in extract_from_file(
                "python", str(DIALOGUE.parent / path), KEYWORDS, strip_comment_tags=True
            )
        ]
    return {message for message in found if isinstance(message, str)}


def _fields(text: str) -> set[str]:
    """The values a format string fills (`{name:dat}` fills `name`)."""
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.fixture(scope="module")
def russian() -> dict[str, str]:
    with catalogue_path("ru").open("rb") as po:
        catalog = read_po(po, locale="ru")
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are not translations"
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_said_text_has_its_russian(russian: dict[str, str]) -> None:
    marked = _marked()
    # the extraction sees the code: a said text, a marked one, one outside dialogue
    assert {"Report for the last {days} days", "Opened", "skill: {category}"} <= marked
    missing = sorted(m for m in marked if not russian.get(m, "").strip())
    assert not missing, f"no Russian for {missing[:20]} (run make dialogue-messages, translate)"


def test_the_catalogue_keeps_only_texts_in_use(russian: dict[str, str]) -> None:
    stale = sorted(set(russian) - _marked())
    assert not stale, f"texts no longer said: {stale[:20]} (run make dialogue-messages)"


def test_russian_fills_the_same_values_as_english(russian: dict[str, str]) -> None:
    for english, text in russian.items():
        assert _fields(text) == _fields(english), (english, text)


def test_a_text_is_said_in_the_readers_language() -> None:
    assert say("ru", "Report for the last {days} days", days=30) == "Отчёт за 30 дн."
    assert say("en", "Report for the last {days} days", days=30) == "Report for the last 30 days"
    assert say("de", N_("Opened")) == "Opened"  # any other language hears English
    assert say("ru", N_("Opened")) == "Открыто"


def _literal_texts(path: Path) -> set[str]:
    """Every literal text the code at `path` says or marks, read from its syntax tree."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        position = {"say": 1, "tell": 0, "N_": 0}.get(str(name))
        if position is not None and len(node.args) > position:
            text = node.args[position]
            if isinstance(text, ast.Constant) and isinstance(text.value, str):
                found.add(text.value)
    return found


def test_the_extraction_misses_no_text() -> None:
    """Babel's extractor drops a text said inside the brackets of another one's call (a button label in
    `turn.tell(..., [[(say(...), ...)]])`, and the outer text with it); the syntax tree sees them all."""
    assert ELSEWHERE is not None
    paths = [
        *DIALOGUE.rglob("*.py"),
        *(DIALOGUE.parent / p for p in ELSEWHERE.group(1).replace("\\", " ").split()),
    ]
    said = set().union(*(_literal_texts(path) for path in paths))
    assert len(said) > 400
    missed = sorted(said - _marked())
    assert not missed, f"said but not extracted: {missed[:10]} (say the inner text first, into a variable)"
