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
from dialogue.i18n import N_, catalogue_path, say, say_n

DIALOGUE = Path(i18n.__file__).resolve().parent
KEYWORDS = {"say": (2,), "say_n": (2, 3), "tell": None, "N_": None}
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
    # a text with plural forms is the pair (singular, plural): the catalogue keys it by its singular
    return {message if isinstance(message, str) else message[0] for message in found if message}


def _fields(text: str) -> set[str]:
    """The values a format string fills (`{name:dat}` fills `name`)."""
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.fixture(scope="module")
def russian() -> dict[str, tuple[str, ...]]:
    """English -> its Russian forms (one, or Russian's three plural forms)."""
    with catalogue_path("ru").open("rb") as po:
        catalog = read_po(po, locale="ru")
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are not translations"
    return {
        m.id if isinstance(m.id, str) else m.id[0]: (m.string,)
        if isinstance(m.string, str)
        else tuple(m.string)
        for m in catalog
        if m.id
    }


def test_every_said_text_has_its_russian(russian: dict[str, tuple[str, ...]]) -> None:
    marked = _marked()
    # the extraction sees the code: a said text, a marked one, one outside dialogue
    assert {"Report for the last {days} days", "Opened", "skill: {category}"} <= marked
    missing = sorted(m for m in marked if not all(form.strip() for form in russian.get(m, ("",))))
    assert not missing, f"no Russian for {missing[:20]} (run make dialogue-messages, translate)"


def test_the_catalogue_keeps_only_texts_in_use(russian: dict[str, tuple[str, ...]]) -> None:
    stale = sorted(set(russian) - _marked())
    assert not stale, f"texts no longer said: {stale[:20]} (run make dialogue-messages)"


def test_russian_fills_the_same_values_as_english(russian: dict[str, tuple[str, ...]]) -> None:
    for english, forms in russian.items():
        for text in forms:
            assert _fields(text) == _fields(english), (english, text)


def test_a_number_picks_its_plural_form() -> None:
    singular = "{count} sign-in link was sent in the last {minutes} minutes: use it, or ask again later."
    plural = "{count} sign-in links were sent in the last {minutes} minutes: use the latest one, or ask again later."
    said = {n: say_n("ru", singular, plural, n, count=n, minutes=15) for n in (1, 3, 5, 21, 22, 11)}
    assert said[3].startswith("Ссылки для входа уже отправлены 3 раза за последние 15 минут")
    assert (
        " 5 раз за " in said[5]
        and " 21 раз за " in said[21]
        and " 22 раза " in said[22]
        and " 11 раз " in said[11]
    )
    assert " 1 раз за " in said[1]
    assert say_n("en", singular, plural, 1, count=1, minutes=15).startswith("1 sign-in link was sent")
    assert say_n("en", singular, plural, 3, count=3, minutes=15).startswith("3 sign-in links were sent")


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
        position = {"say": 1, "say_n": 1, "tell": 0, "N_": 0}.get(str(name))
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
