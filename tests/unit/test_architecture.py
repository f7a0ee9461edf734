"""The arrows of DESIGN.md where import-linter cannot see: Alembic's env.py is not in a package."""

from __future__ import annotations

import ast
from pathlib import Path

ENV = Path(__file__).resolve().parents[2] / "storage" / "migrations" / "env.py"


def test_the_migrations_import_nothing_above_storage() -> None:
    tree = ast.parse(ENV.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"helpdesk", "bots", "dialogue", "nlu"}, imported
