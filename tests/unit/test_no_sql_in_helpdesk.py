"""`helpdesk/` (the composition root) holds no SQL (issue #16): it renders what storage's ports and read
models (`storage/read_models/`) return.

Two rules hold it. import-linter (`make test`) forbids helpdesk to import storage's table modules; this
test keeps that contract's list complete, and forbids the SQL expression language itself: from
SQLAlchemy, helpdesk may import only the engine and session types, `make_url` and the exceptions.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {
    "sqlalchemy.ext.asyncio": None,  # engine, session and sessionmaker types: no statements
    "sqlalchemy.exc": None,  # errors to catch
    "sqlalchemy.engine": {"make_url"},  # to show a URL without its password
}


def sqlalchemy_imports(source: str) -> list[tuple[str, str]]:
    """(module, name) of every SQLAlchemy import in `source` that helpdesk may not make."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(a.name, "*") for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sqlalchemy":
            allowed = ALLOWED.get(node.module, set())
            found += [
                (node.module, a.name)
                for a in node.names
                if node.module not in ALLOWED or (allowed is not None and a.name not in allowed)
            ]
    return found


def test_helpdesk_imports_no_sql_expressions() -> None:
    offenders = {
        str(path.relative_to(ROOT)): bad
        for path in sorted((ROOT / "helpdesk").rglob("*.py"))
        if (bad := sqlalchemy_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "move the query into storage (a read model or a repository) and call it"


def test_the_rule_sees_statements_and_lets_types_through() -> None:
    assert sqlalchemy_imports("from sqlalchemy import select, func") == [
        ("sqlalchemy", "select"),
        ("sqlalchemy", "func"),
    ]
    assert sqlalchemy_imports("import sqlalchemy as sa") == [("sqlalchemy", "*")]
    assert sqlalchemy_imports("from sqlalchemy.engine import RowMapping") == [
        ("sqlalchemy.engine", "RowMapping")
    ]
    assert sqlalchemy_imports("from sqlalchemy.orm import aliased") == [("sqlalchemy.orm", "aliased")]
    allowed = "from sqlalchemy.ext.asyncio import AsyncSession\nfrom sqlalchemy.exc import IntegrityError\n"
    assert sqlalchemy_imports(allowed + "def f():\n    from sqlalchemy.engine import make_url\n") == []


def test_the_import_contract_names_every_table_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["type"] == "forbidden" and c["source_modules"] == ["helpdesk"]
    ]
    tables = {f"storage.{p.stem}" for p in (ROOT / "storage").glob("*tables.py")}
    assert tables <= set(contract["forbidden_modules"]), tables - set(contract["forbidden_modules"])
