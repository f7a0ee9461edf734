"""`helpdesk nlu ...`: train, parse and evaluate the NLU models."""

from __future__ import annotations

from helpdesk.cli import main


@main.group()
def nlu() -> None:
    """Intent and entity recognition."""
