"""The `helpdesk` command line: run, migrate, demo-data, kb, nlu, bench."""

from __future__ import annotations

import click


@click.group()
def main() -> None:
    """Helpdesk: a chat-first help desk for service companies."""


def _register() -> None:
    # Each command group lives in its own module; importing it attaches it to `main`.
    from helpdesk.cli import admin, api_tokens, app_commands, bench, kb, maintenance, nlu  # noqa: F401


_register()
