"""`helpdesk kb ...`: knowledge base commands (import, search, eval, calibrate, gaps)."""

from __future__ import annotations

from helpdesk.cli import main


@main.group()
def kb() -> None:
    """Knowledge base: import, search, evaluate."""
