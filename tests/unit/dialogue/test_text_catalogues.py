"""Every text people read in the chats exists in Russian and English, and both fill the same values.

`dialogue` keeps its texts as `(ru, en)` pairs in catalogues next to the code that says them (`TEXTS` in
`dialogue/texts*.py` and in feature modules), read with `dialogue.texts.translate`. This test finds every
such catalogue in the package, so a new one is held too, and checks each pair: neither side empty, both
parse as format strings, and both name the same `{values}`; a text that names a value the caller does not
give raises KeyError in front of a person.
"""

from __future__ import annotations

import importlib
import pkgutil
import string

import dialogue

# English passes the domain's own (English) refusal through as {detail}; Russian says it in its own words.
DETAIL_IN_ENGLISH = {"err_not_found", "err_forbidden", "err_invalid", "err_taken"}


def _is_catalogue(value: object) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) for k in value)
        and all(
            isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, str) for x in v)
            for v in value.values()
        )
    )


def catalogues() -> dict[str, dict[str, tuple[str, str]]]:
    """Every (ru, en) catalogue defined at the top level of a `dialogue` module, by its dotted name."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for info in pkgutil.walk_packages(dialogue.__path__, "dialogue."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if _is_catalogue(value) and not any(value is seen for seen in found.values()):
                found[f"{info.name}.{name}"] = value
    return found


def fields(text: str) -> set[str]:
    """The names of the values a format string fills (`{name:dat}` names `name`)."""
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_text_has_both_languages_with_the_same_values() -> None:
    found = catalogues()
    assert len(found) >= 20 and "dialogue.texts.TEXTS" in found  # the scan sees the catalogues
    problems: list[str] = []
    for name, catalogue in found.items():
        for key, (ru, en) in catalogue.items():
            where = f"{name}[{key!r}]"
            if not ru.strip() or not en.strip():
                problems.append(f"{where}: a language is empty")
                continue
            try:
                ru_fields, en_fields = fields(ru), fields(en)
            except ValueError as error:
                problems.append(f"{where}: not a format string ({error})")
                continue
            if ru_fields != en_fields and key not in DETAIL_IN_ENGLISH:
                problems.append(f"{where}: ru fills {sorted(ru_fields)}, en fills {sorted(en_fields)}")
    assert problems == []


def test_the_check_sees_a_missing_value() -> None:
    assert fields("Заявка {ref} у {name:gen}") == {"ref", "name"}
    assert fields("{{literal}} braces") == set()
