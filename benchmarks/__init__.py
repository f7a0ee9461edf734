"""Benchmarks of the issues' figures, each a `helpdesk bench ...` command that prints JSON.

Not installed with the app: `pyproject.toml` packages only the product. `helpdesk.cli.bench` adds the
checkout's root to `sys.path` when it finds this folder beside the installed `helpdesk` package, and
imports the command modules; the ones that drive the app through `tests/fakes` only when those are there.
"""
