"""`helpdesk bench ...`: benchmark commands that print the figures the issues name, as JSON."""

from __future__ import annotations

from helpdesk.cli import main


@main.group()
def bench() -> None:
    """Benchmarks; each prints one JSON object with --json."""


def _register() -> None:
    # Benchmark modules attach their commands to `bench` when imported.
    import importlib
    import pkgutil

    import helpdesk.cli as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("bench_"):
            importlib.import_module(f"helpdesk.cli.{info.name}")


_register()
