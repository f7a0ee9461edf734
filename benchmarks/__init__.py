"""Benchmarks that need a source checkout (they use the fakes in `tests/`); `helpdesk bench` reaches them.

Not installed with the app: `pyproject.toml` packages only the product. `helpdesk.cli.bench` adds the
checkout's root to `sys.path` when it finds this folder beside the installed `helpdesk` package.
"""
