"""The migrations form one chain: one head, and each file's number is its revision and follows the one before.

Several people land migrations at the same time; two that both chain to the same parent leave two heads, and
`helpdesk migrate` (alembic upgrade head) then refuses to run on every fresh install.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))


def test_one_head() -> None:
    assert len(_scripts().get_heads()) == 1, "two migrations chain to the same parent: renumber the newer one"


def test_each_file_is_named_by_its_revision_and_follows_the_one_before() -> None:
    revisions = list(_scripts().walk_revisions())
    assert revisions
    for script in revisions:
        assert script.path is not None
        number = Path(script.path).name.split("_", 1)[0]
        assert number == script.revision, f"{script.path} holds revision {script.revision}"
        if script.down_revision is not None:
            assert int(str(script.down_revision)) == int(script.revision) - 1, script.path
