"""Every refusal a use case raises can be said in Russian (dialogue.refusals), with the fields it is given.

The refusals are found in the source: each `raise`-able error of `ticket_core` and `kb_search` built with a
message must give it as a literal English template (fields filled by keyword, never an f-string), and that
template must be in the Russian catalogue, whose fields are among those the call gives.
"""

from __future__ import annotations

import ast
import string
from decimal import Decimal
from pathlib import Path

import pytest

from dialogue.errors import explain
from dialogue.refusals import CATALOGUES, refusal_text
from kb_search.editing import FieldInvalid
from kb_search.model import KbError
from ticket_core.enums import TicketStatus
from ticket_core.errors import DomainError, InvalidTransition, ValueRefused
from ticket_core.i18n import entries

ROOT = Path(__file__).resolve().parents[3]
RU = {
    english: russian
    for domain, locale_dir in reversed(CATALOGUES)
    for (context, english), russian in entries("ru", domain, locale_dir).items()
    if context is None
}
"""The templates of the domain's and kb_search's catalogues and their Russian (field words: context "value")."""
REFUSALS = {
    "DomainError",
    "NotFound",
    "Forbidden",
    "InvalidTransition",
    "AlreadyTaken",
    "ValidationFailed",
    "KbError",
    "EditRefused",
    "ArticleMissing",
    "ArticleExists",
    "StaleVersion",
    "NothingChanged",
    "FieldInvalid",
    "ValueRefused",
    "_HomeError",
    "AlreadyPosted",
    "line_error",  # ticket_core.equipment.csv_io: a CSV line with one problem (a ValueRefused)
}
# Rooms whose refusals are not worded as templates yet (their messages show in English to every reader).
NOT_YET = (
    "kb_search/evaluate.py",
    "kb_search/xquad.py",
    "kb_search/e5_",
    "kb_search/embedder.py",
    "kb_search/service.py",
    "kb_search/configured.py",  # settings refused at start: for the operator, in English like the logs
)
_MESSAGE_AFTER = {"FieldInvalid": 1, "_HomeError": 1, "line_error": 1}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _raises() -> list[tuple[str, int, ast.Call]]:
    found = []
    for package in ("ticket_core", "kb_search"):
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith(NOT_YET):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in REFUSALS
                ):
                    found.append((rel, node.lineno, node))
    return found


RAISES = _raises()


def test_the_scan_finds_the_use_cases_refusals() -> None:
    assert len(RAISES) > 100


@pytest.mark.parametrize(("where", "line", "call"), RAISES, ids=[f"{w}:{n}" for w, n, _ in RAISES])
def test_each_refusal_is_a_template_with_its_russian(where: str, line: int, call: ast.Call) -> None:
    name = call.func.id  # type: ignore[attr-defined]
    args = call.args[_MESSAGE_AFTER.get(name, 0) :]
    if not args:
        return  # a bare re-raise class such as `raise NotFound()` has no text of its own
    message = args[0]
    if isinstance(message, ast.Starred) or (
        isinstance(message, ast.Attribute) and message.attr == "template"
    ):
        return  # a refusal passed on with its own template and params (`error.template, **error.params`)
    if isinstance(message, ast.Name) and any(k.arg is None for k in call.keywords):
        return  # a helper that builds the refusal from its own caller's template (`line_error`)
    assert isinstance(message, ast.Constant) and isinstance(message.value, str), (
        f"{where}:{line}: give the message as a literal English template with keyword fields, not "
        f"{ast.unparse(message)[:80]}"
    )
    template = message.value
    given = {k.arg for k in call.keywords if k.arg}
    if any(k.arg is None for k in call.keywords):
        return
    assert _fields(template) <= given, f"{where}:{line}: {template!r} has fields no keyword fills"
    assert template in RU, (
        f"{where}:{line}: no Russian for {template!r} (run make ticket-core-messages, translate)"
    )
    assert _fields(RU[template]) <= given, (
        f"{where}:{line}: the Russian of {template!r} names fields not given"
    )


def test_a_refusal_reads_in_russian_with_its_values_in_russian() -> None:
    error = InvalidTransition(
        "Ticket {ref} is {status}; there is no job to reassign.",
        ref="HD-1001",
        status=TicketStatus.IN_PROGRESS,
    )
    assert str(error) == "Ticket HD-1001 is in progress; there is no job to reassign."
    assert refusal_text(error, "ru") == "Заявка HD-1001 в статусе «в работе»: переназначать нечего."
    assert refusal_text(error, "en") == str(error)


def test_a_kb_field_refusal_keeps_its_template_through_the_wrapper() -> None:
    inner = KbError("article {id}: the title is empty; give it a short title", id="vpn")
    wrapped = FieldInvalid("title", inner.template, **inner.params)
    assert wrapped.field == "title"
    assert refusal_text(wrapped, "ru") == "статья vpn: нет заголовка; дайте короткий заголовок"


def test_a_profile_value_refusal_translates_the_words_it_is_given() -> None:
    error = ValueRefused("{what} is a whole number from {low} to {high}", what="the job limit", low=1, high=5)
    assert refusal_text(error, "ru") == "лимит работ: целое число от 1 до 5"


def test_the_chat_says_the_specific_refusal_in_russian_not_a_generic_one() -> None:
    error = InvalidTransition("You have already rated {ref}. Thank you!", ref="HD-1002")
    assert explain(error, "ru") == "Вы уже оценили HD-1002. Спасибо!"
    assert explain(error, "en") == "You have already rated HD-1002. Thank you!"


def test_a_message_not_worded_yet_still_reads_in_english_and_generic_russian() -> None:
    error = DomainError("Something only English says.")
    assert refusal_text(error, "ru") is None
    assert refusal_text(error, "en") == "Something only English says."


def test_an_import_refusal_names_each_bad_line_in_russian(tmp_path: Path) -> None:
    from kb_search.importer import read_jsonl

    bad = tmp_path / "kb.jsonl"
    bad.write_text(
        '{"id": "a", "title": "T"}\n[1]\n{"id": "b", "title": "T", "body": "B", "status": "old"}\n'
    )
    with pytest.raises(KbError) as caught:
        read_jsonl(bad)
    said = refusal_text(caught.value, "ru")
    assert said == (
        "ничего не импортировано; исправьте это и запустите снова:\n"
        "kb.jsonl line 1: не заполнено body\n"
        "kb.jsonl line 2: нужен объект JSON с полями id, title, body, audience, lang, tags\n"
        "kb.jsonl line 3: status — draft или published"
    )
    assert "kb.jsonl line 1: missing body" in str(caught.value)


def test_billing_and_equipment_refusals_read_in_russian() -> None:
    from ticket_core.billing.money import parse_amount
    from ticket_core.billing.terms import ContractTerms
    from ticket_core.equipment.alerts import parse_generic

    with pytest.raises(DomainError) as money:
        parse_amount("12,5x")
    assert refusal_text(money.value, "ru") == "«12,5x» — не сумма; напишите, например, 2500 или 2500.50."
    with pytest.raises(DomainError) as terms:
        ContractTerms("k", "c", vat_pct=Decimal(120))
    assert explain(terms.value, "ru") == "НДС — процент от 0 до 99."
    with pytest.raises(DomainError) as alert:
        parse_generic({"summary": "x", "status": "firing"})
    assert refusal_text(alert.value, "ru") is not None and "укажите оборудование" in str(
        refusal_text(alert.value, "ru")
    )


def test_a_form_with_several_problems_is_refused_once_with_each_in_the_readers_language() -> None:
    from ticket_core.errors import FormProblems, ValidationFailed

    error = FormProblems(
        [
            ValidationFailed("Say what the work is."),
            ValidationFailed("A checklist has at most {max_steps} steps.", max_steps=20),
        ]
    )
    assert str(error) == "Say what the work is. A checklist has at most 20 steps."
    assert refusal_text(error, "en") == str(error)
    assert refusal_text(error, "ru") == ("Укажите, что сделать. В чек-листе не больше 20 шагов.")
    unknown = FormProblems(
        [ValidationFailed("Say what the work is."), ValidationFailed("Not in the catalogue.")]
    )
    assert refusal_text(unknown, "ru") is None  # the caller falls back to English for the whole form


def test_an_equipment_import_names_each_bad_line_in_russian() -> None:
    # #18: the equipment CSV's line errors were English f-strings, shown as they were to a Russian admin.
    from ticket_core.equipment import csv_io

    rows, errors = csv_io.parse(
        "site,type,name,installed_on,status\n"
        "romashka-nevsky,ac,Кондиционер,2024-13-01,broken\n"
        "romashka-nevsky,ac,,,\n"
    )
    assert rows == []
    said = [[refusal_text(p, "ru") for p in e.problems] for e in errors]
    assert said == [
        [
            "Статус «broken» — не один из: in_service, under_repair, retired.",
            "installed_on: «2024-13-01» — не дата; пишите ГГГГ-ММ-ДД.",
        ],
        ["Не заполнено: name."],
    ], said
    assert str(errors[1]) == "line 3: name is empty"  # the CLI and the API keep the English line
