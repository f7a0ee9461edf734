"""`helpdesk bench ...`: benchmark commands that print the figures the issues name, as JSON.

The benchmarks themselves are not part of the app: they live in the checkout's `benchmarks/` package, which
`pyproject.toml` does not install, and several drive the app through the fakes of `tests/`. This group
reaches them when the app runs from a checkout (an editable install, `make setup`); an app installed
without its checkout has no benchmark commands.

The modules are imported only when `helpdesk bench ...` is used: several import the NLU stack (scikit-learn,
SciPy) and the test fakes, which every other command, `helpdesk run` first, would otherwise load at start.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import click

from helpdesk.cli import main


class _BenchGroup(click.Group):
    """A group that imports the checkout's benchmark modules the first time its commands are looked up."""

    _loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            _register()

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)


@main.group(cls=_BenchGroup)
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
