"""`helpdesk <command>` imports only the module of that command (`helpdesk.cli.COMMAND_MODULES`).

`make run` starts three processes (migrate, demo-data, run); each used to import every command module (the
NLU's scikit-learn, the REST API, the benchmarks): 13 s of CPU per process, 90 s of wall time at load 18.
"""

from __future__ import annotations

import subprocess
import sys

import click

from helpdesk.cli import COMMAND_MODULES, main


def test_the_map_names_every_command_and_only_those() -> None:
    assert set(main.list_commands(click.Context(main))) == set(COMMAND_MODULES)


def test_migrate_loads_neither_the_nlu_nor_the_api_nor_the_benchmarks() -> None:
    probe = (
        "import sys, click; from helpdesk.cli import main; "
        "main.get_command(click.Context(main), 'migrate'); "
        "print(sorted(m for m in ('sklearn', 'torch', 'helpdesk.api.app', 'helpdesk.cli.bench') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_demo_data_loads_neither_the_admin_pages_nor_the_pdf_fonts() -> None:
    # It imported the whole admin app through `helpdesk.admin`'s __init__: 60 % of its CPU on a first start.
    probe = (
        "import sys, click; from helpdesk.cli import main; "
        "main.get_command(click.Context(main), 'demo-data'); import helpdesk.demo.seed; "
        "print(sorted(m for m in ('helpdesk.admin.app', 'fontTools', 'fpdf', 'sklearn', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
