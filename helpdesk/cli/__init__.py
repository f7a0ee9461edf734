"""The `helpdesk` command line: run, migrate, demo-data, kb, nlu, bench."""

from __future__ import annotations

import importlib
from typing import Any

import click

CONFIG_ERROR_EXIT = 2
"""Exit code of a command stopped by a bad setting (click uses 2 for usage errors too)."""


class HelpdeskGroup(click.Group):
    """The `helpdesk` group: a configuration error ends any command with one line on stderr and exit 2.

    Settings are read inside the commands (and deeper, e.g. in Alembic's env.py), so this is the one
    place that sees every `ConfigError`, whichever command or sub-group raised it.
    """

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing only the module that defines it: `helpdesk migrate` does not load the NLU,
        the API and the benchmarks (13 s of imports per process, paid three times by `make run`)."""
        modules = COMMAND_MODULES.get(cmd_name)
        if modules is None:
            _register()
        for module in modules or ():
            importlib.import_module(f"helpdesk.cli.{module}")
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command (for --help): all modules are imported."""
        _register()
        return super().list_commands(ctx)

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


COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "migrate": ("app_commands",),
    "demo-data": ("app_commands",),
    "run": ("app_commands",),
    "worker": ("app_commands",),
    "admin": ("admin",),
    "api-token": ("api_tokens",),
    "bench": ("bench",),
    "billing": ("billing",),
    "contacts": ("contacts",),
    "equipment": ("equipment",),
    "kb": ("kb", "kb_quality"),
    "maintenance": ("maintenance",),
    "nlu": ("nlu",),
    "sla": ("sla",),
    "inbox": ("queues",),
    "outbox": ("queues",),
}
"""Which modules define (or add to) each top-level command; tests/unit/test_cli_lazy.py holds it complete."""


def _register() -> None:
    # Each command group lives in its own module; importing it attaches it to `main`.
    for module in sorted({m for modules in COMMAND_MODULES.values() for m in modules}):
        importlib.import_module(f"helpdesk.cli.{module}")
