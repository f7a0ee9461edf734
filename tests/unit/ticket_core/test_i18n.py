"""The domain's catalogues (ticket_core/i18n.py): every text ticket_core says or marks, every refusal ticket_core
and kb_search raise, and every word a refusal's field is given has its Russian; the Russian of a text said with
`say` fills the same values as the English; a catalogue keeps no text the code no longer says (what pybabel
extracts, as `make ticket-core-messages` runs it); numbers follow the reader's locale (Babel)."""

from __future__ import annotations

import ast
import re
import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from ticket_core import i18n
from ticket_core.billing.acts import Act, act_csv, coverage_text
from ticket_core.billing.ledger import Coverage
from ticket_core.billing.money import format_money
from ticket_core.durations import DurationStyle, format_duration
from ticket_core.i18n import catalogue_path, format_decimal, format_percent, say
from ticket_core.reports.display import format_rate
from ticket_core.sla.display import format_promise

ROOT = Path(i18n.__file__).resolve().parents[1]
MAKEFILE = (ROOT / "Makefile").read_text()
KEYWORD = re.compile(r"-k (\w+)(?::([\dc,]+))?")
PACKAGES = ("ticket_core", "kb_search")
"""The packages whose catalogues `make ticket-core-messages` extracts (the domain's words and refusals)."""
Entries = dict[tuple[str | None, str], tuple[str, ...]]


def _make_variable(name: str) -> str:
    found = re.search(rf"^{name} := ((?:.*\\\n)*.*)$", MAKEFILE, re.M)
    assert found is not None, name
    return found.group(1).replace("\\\n", " ")


def _keywords(variable: str = "TICKET_CORE_KEYWORDS") -> dict[str, tuple[object, ...] | None]:
    """The keywords `make ticket-core-messages` extracts, read from the Makefile (one source for both)."""
    spec = _make_variable(variable).replace("$(REFUSAL_KEYWORDS)", _make_variable("REFUSAL_KEYWORDS"))
    keywords: dict[str, tuple[object, ...] | None] = {}
    for name, positions in KEYWORD.findall(spec):
        keywords[name] = (
            tuple((int(p[:-1]), "c") if p.endswith("c") else int(p) for p in positions.split(","))
            if positions
            else None
        )
    return keywords


def _marked(package: str, variable: str = "TICKET_CORE_KEYWORDS") -> set[tuple[str | None, str]]:
    """What pybabel extracts from `package` as the Makefile runs it (its babel.cfg says which files)."""
    with (ROOT / package / "locale" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = extract_from_dir(
        str(ROOT / package), method_map, options_map, _keywords(variable), strip_comment_tags=True
    )
    return {
        (context, message if isinstance(message, str) else message[0])
        for _file, _line, message, _comments, context in found
        if message
    }


def _catalogue(package: str) -> Entries:
    """(context, English) -> its Russian forms, in `package`'s catalogue."""
    with catalogue_path("ru", ROOT / package / "locale", package).open("rb") as po:
        catalog = read_po(po, locale="ru")
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are not translations"
    return {
        (m.context, m.id if isinstance(m.id, str) else m.id[0]): (m.string,)
        if isinstance(m.string, str)
        else tuple(m.string)
        for m in catalog
        if m.id
    }


def test_the_extraction_sees_each_kind_of_text() -> None:
    marked = _marked("ticket_core")
    assert {(None, "{minutes} min"), (None, "included"), ("deadline", "Wed")} <= marked  # say, N_, NC_
    assert (None, "Ticket {ref} is {status}; there is no job to reassign.") in marked  # a refusal
    assert ("value", "the job limit") in marked  # a word a refusal's field is given
    assert ("value", "title") in _marked("kb_search")
    assert len(_marked("kb_search")) > 30


@pytest.mark.parametrize("package", PACKAGES)
def test_every_text_the_package_says_has_its_russian(package: str) -> None:
    russian = _catalogue(package)
    missing = sorted(
        [m for m in _marked(package) if not all(f.strip() for f in russian.get(m, ("",)))], key=str
    )
    assert not missing, f"no Russian for {missing[:20]} (run make ticket-core-messages, translate)"


@pytest.mark.parametrize("package", PACKAGES)
def test_the_catalogue_keeps_only_texts_in_use(package: str) -> None:
    stale = sorted(set(_catalogue(package)) - _marked(package), key=str)
    assert not stale, f"texts no longer said: {stale[:20]} (run make ticket-core-messages)"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_value_word_is_still_said_by_the_package(package: str) -> None:
    # a word listed in value_words.py must still be a literal somewhere else in the package's code
    said: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        if path.name != "value_words.py":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            said |= {
                n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            }
    words = {english for context, english in _catalogue(package) if context == "value"}
    assert words - said == set(), f"words no code of {package} says: {sorted(words - said)}"


def _fields(text: str) -> set[str]:
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_russian_fills_only_values_the_english_is_given() -> None:
    # (A refusal's Russian may name a field its English leaves out: tests/unit/dialogue/test_refusals.py checks
    # those against each call.) The deadline's Russian says the hour as 24-hour {hh}, the English {hour} {half}.
    refusals = _marked("ticket_core", "REFUSAL_KEYWORDS")
    given_more = {"by {hour}:{mm} {half} {weekday}, {day}{year}": {"hh"}}
    for (context, english), forms in _catalogue("ticket_core").items():
        if (context, english) in refusals:
            continue
        for text in forms:
            assert _fields(text) <= _fields(english) | given_more.get(english, set()), (english, text)


def test_the_domains_words_are_said_in_the_readers_language() -> None:
    report = DurationStyle.REPORT
    assert (
        format_duration(19, "ru", style=report) == "19 с"
        and format_duration(19, "en", style=report) == "19 s"
    )
    assert format_duration(3 * 3600 + 300, "ru", style=report) == "3 ч 05 мин"
    assert coverage_text(Coverage.PACKAGE, "ru") == "из пакета"
    assert coverage_text(Coverage.PACKAGE, "de") == "prepaid package"  # any other language hears English
    due = datetime(2026, 3, 4, 11, 30, tzinfo=UTC)
    assert format_promise(due, lang="ru", tz="Europe/Moscow") == "до 14:30 в среду, 4 марта"
    assert format_promise(due, lang="en", tz="Europe/Moscow") == "by 2:30 PM Wed, 4 March"
    assert say("ru", "{label}: met late", label="SLA") == "SLA: выполнен с опозданием"


def test_numbers_follow_the_readers_locale() -> None:
    # #18: Russian reports printed "66.7%"; Russian writes "66,7 %" (a no-break space before the sign).
    assert format_rate(2 / 3, "ru") == "66,7\u00a0%"
    assert format_rate(2 / 3, "en") == "66.7%"
    assert format_rate(0.5, "en") == "50.0%"
    assert format_percent(Decimal(20) / 100, "ru", 0, 2) == "20\u00a0%"
    assert format_decimal(4.5, "ru", "0.00") == "4,50"
    assert format_money(Decimal("12345.5"), "RUB", "ru") == "12\u00a0345,50 ₽"
    assert format_money(Decimal(2500), "RUB", "en") == "2,500 ₽"


def test_an_acts_csv_speaks_the_readers_language_with_its_numbers() -> None:
    act = Act("c", "Client", "k", "2026-11", "RUB", Decimal(20), ())
    ru = act_csv(act, "ru")
    assert "Итого без НДС" in ru and "НДС 20\u00a0%" in ru and "Всего, RUB" in ru
    en = act_csv(act, "en")
    assert "Subtotal (excl. VAT)" in en and "VAT 20%" in en and "Total, RUB" in en


def test_a_duration_rounds_down_to_minutes_in_sla_texts() -> None:
    short = DurationStyle.SHORT
    assert format_duration(timedelta(seconds=30), "ru", style=short) == "<1 мин"
    assert format_duration(timedelta(hours=26), "ru", style=short) == "1 д 2 ч"
