"""`helpdesk bench ...`: benchmark commands that print the figures the issues name, as JSON.

The benchmarks themselves are not part of the app: they live in the checkout's `benchmarks/` package, which
`pyproject.toml` does not install, and several drive the app through the fakes of `tests/`. This group
reaches them when the app runs from a checkout (an editable install, `make setup`); an app installed
without its checkout has no benchmark commands.

This module is imported only for `helpdesk bench ...` (`helpdesk.cli.COMMAND_MODULES`): several benchmarks import
the NLU stack (scikit-learn, SciPy) and the test fakes, which no other command should load at start.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from helpdesk.cli import main


@main.group()
def bench() -> None:
    """Benchmarks; each prints one JSON object with --json."""


def _register() -> None:
    """Attach the checkout's benchmarks to `bench`: a module's commands attach themselves when it is imported
    (`@bench.command`), or through its `register(bench)`."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "__init__.py").is_file() or not (root / "tests" / "fakes").is_dir():
        return  # an installed app without its checkout: the benchmarks are not there
    if str(root) not in sys.path:
        sys.path.append(str(root))
    for info in pkgutil.iter_modules([str(root / "benchmarks")]):
        module = importlib.import_module(f"benchmarks.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(bench)


_register()
