"""The `helpdesk` command line: run, migrate, demo-data, kb, nlu, bench."""

from __future__ import annotations

from typing import Any

import click

CONFIG_ERROR_EXIT = 2
"""Exit code of a command stopped by a bad setting (click uses 2 for usage errors too)."""


class HelpdeskGroup(click.Group):
    """The `helpdesk` group: a configuration error ends any command with one line on stderr and exit 2.

    Settings are read inside the commands (and deeper, e.g. in Alembic's env.py), so this is the one
    place that sees every `ConfigError`, whichever command or sub-group raised it.
    """

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn a configuration error into one line and exit code 2, no traceback."""
        from pydantic import ValidationError

        from helpdesk.config_errors import ConfigError, settings_error

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            message = str(exc)
        except ValidationError as exc:
            # A command that builds `Settings()` itself rather than through get_settings().
            if exc.title != "Settings":
                raise
            message = str(settings_error(exc))
        click.echo(f"helpdesk: {message}", err=True)
        ctx.exit(CONFIG_ERROR_EXIT)


@click.group(cls=HelpdeskGroup)
def main() -> None:
    """Helpdesk: a chat-first help desk for service companies."""


def _register() -> None:
    # Each command group lives in its own module; importing it attaches it to `main`.
    from helpdesk.cli import (  # noqa: F401
        admin,
        api_tokens,
        app_commands,
        bench,
        billing,
        equipment,
        kb,
        kb_quality,
        maintenance,
        nlu,
        queues,
    )


_register()
