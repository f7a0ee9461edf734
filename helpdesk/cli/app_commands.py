"""`helpdesk run | migrate | demo-data`."""

from __future__ import annotations

from helpdesk.cli import main  # noqa: F401
