"""No unit of work is reached by name or typed as Any in the product (issue #16's check): a port names every
repository, and a new command or handler that takes `uow: Any` loses the type checker's help."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bots", "dialogue", "helpdesk", "kb_search", "nlu", "storage", "ticket_core")
UNTYPED = re.compile(r"getattr\(uow|setattr\(uow|uow: Any")


def test_no_unit_of_work_is_untyped() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNTYPED.search(line)
    ]
    assert found == []
