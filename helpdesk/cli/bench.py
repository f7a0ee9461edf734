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
    _register_checkout_benchmarks()


def _register_checkout_benchmarks() -> None:
    """Add the benchmarks of a source checkout (`benchmarks/`, which use `tests/fakes`), when there is one."""
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    if not (root / "benchmarks" / "faults.py").is_file() or not (root / "tests" / "fakes").is_dir():
        return  # an installed app without its checkout: these benchmarks are not there
    if str(root) not in sys.path:
        sys.path.append(str(root))
    from benchmarks.alerts import register as register_alerts
    from benchmarks.billing import register as register_billing
    from benchmarks.cluster import register as register_cluster
    from benchmarks.equipment_import import register as register_equipment_import
    from benchmarks.faults import register
    from benchmarks.first_start import register as register_first_start
    from benchmarks.kb_confidence import register as register_kb_confidence
    from benchmarks.kb_ranking import register as register_kb_ranking
    from benchmarks.outbox_wake import register as register_outbox_wake
    from benchmarks.ticket_writes import register as register_ticket_writes

    register(bench)
    register_billing(bench)
    register_cluster(bench)
    register_alerts(bench)
    register_equipment_import(bench)
    register_first_start(bench)
    register_kb_confidence(bench)
    register_kb_ranking(bench)
    register_outbox_wake(bench)
    register_ticket_writes(bench)


_register()
