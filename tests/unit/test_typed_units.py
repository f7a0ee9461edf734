"""No unit of work or runtime part is reached by name or typed as Any in the product (issue #16's check): a port
names every repository, `Runtime` names every part, and a new command or handler that takes `uow: Any` (or a
part that takes `channels: Sequence[Any]`) loses the type checker's help."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bots", "dialogue", "helpdesk", "kb_search", "nlu", "storage", "ticket_core")
UNTYPED = re.compile(
    r"getattr\(uow|setattr\(uow|uow: Any"
    r"|[gs]etattr\((\w+\.)*(rt|runtime)\b|[gs]etattr\(admin_context\(request\)\.rt\b"
)
ANY_PART = re.compile(r"(?<!str, )\bAny\b")  # a JSON-like `dict[str, Any]` is data, not a part
# Imported by `helpdesk.runtime` only under TYPE_CHECKING (they load when configured): resolved here.
CONFIGURED = (
    "bots.email",
    "bots.telegram_common.channel",
    "bots.webchat",
    "bots.whatsapp",
    "kb_search.service",
)


def test_no_unit_of_work_or_runtime_is_untyped() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNTYPED.search(line)
    ]
    assert found == []


def _declared(cls: type) -> list[tuple[str, str]]:
    """The public fields (a dataclass) or constructor parameters of `cls`, with their annotations as written."""
    if dataclasses.is_dataclass(cls):
        return [(f.name, f.type if isinstance(f.type, str) else str(f.type)) for f in dataclasses.fields(cls)]
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return []
    plain = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [(p.name, p.annotation) for p in params if isinstance(p.annotation, str) and p.kind not in plain]


def _resolve(dotted: str, scope: dict[str, object]) -> object:
    head, *rest = dotted.split(".")
    found = scope.get(head)
    for name in rest:
        found = getattr(found, name, None)
    return found


def test_no_part_of_the_runtime_is_typed_any() -> None:
    runtime = importlib.import_module("helpdesk.runtime")
    extra = {
        name: value
        for module in CONFIGURED
        for name, value in vars(importlib.import_module(module)).items()
        if inspect.isclass(value)
    }
    seen: set[type] = set()
    found: list[str] = []

    def visit(cls: object, path: str) -> None:
        if not inspect.isclass(cls) or cls in seen or cls.__module__.split(".")[0] not in PACKAGES:
            return
        seen.add(cls)
        scope = {**extra, **vars(sys.modules[cls.__module__])}
        for name, annotation in _declared(cls):
            if name.startswith("_"):
                continue
            if ANY_PART.search(annotation):
                found.append(f"{path}.{name}: {annotation} ({cls.__module__}.{cls.__qualname__})")
            for dotted in re.findall(r"[A-Za-z_][\w.]*", annotation):
                visit(_resolve(dotted, scope), f"{path}.{name}")

    visit(runtime.Runtime, "Runtime")
    assert len(seen) > 30  # the walk reaches the parts (the engine, the channels, the delivery loop...)
    assert found == []


# Where a clock function may be defined besides `ticket_core.utc.utcnow`, and why.
OWN_CLOCKS = {
    "ticket_core/utc.py": "the one clock of everything above the domain",
    "kb_search/model.py": "kb_search stands alone (its independence contract forbids importing ticket_core)",
    "bots/whatsapp/sender.py": "bots import dialogue and nothing below it",
}
CLOCK = re.compile(r"^\s*def _?(utc_?now|now_utc)\w*\(")


def test_one_utcnow() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in OWN_CLOCKS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CLOCK.search(line)
    ]
    assert found == [], "use ticket_core.utc.utcnow"


# Ports of the typed core that still answer Any, with why; a new one fails here.
ANY_PORTS = {
    "ticket_core/csv_cells.py": "csv.writer's writerow, typed Any by typeshed",
}
PORT_ANSWERS_ANY = re.compile(r"-> Any: \.\.\.")


def test_no_port_of_the_core_answers_any() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("ticket_core", "kb_search", "dialogue")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in ANY_PORTS
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PORT_ANSWERS_ANY.search(line)
    ]
    assert found == [], "name what the port returns (kb_search.model.SearchResult, Article...)"
