"""Checks a command runs before it starts work, so that a wrong setting stops it at once in one line.

`helpdesk run` and `helpdesk worker` check the secret key, the SLA file and the database before they log
a single line; `helpdesk migrate` and `helpdesk demo-data` check the database (on PostgreSQL, that pgvector is installed). Each check raises
`ConfigError` naming the setting; the `helpdesk` click group prints it and exits with code 2.
"""

from __future__ import annotations

import asyncio

from helpdesk.config_errors import ConfigError, one_line
from helpdesk.settings import DEFAULT_SECRET_KEY, MIN_SECRET_KEY_LENGTH, Settings

DATABASE_CHECK_TIMEOUT_S = 10.0
"""How long the start-up check waits for the database to answer before saying it cannot be reached."""

_MAX_DETAIL = 160

PGVECTOR_EXTENSION = "vector"
"""The PostgreSQL extension the schema needs (KB vectors); checked before `migrate` tries to create it."""


def check_secret_key(settings: Settings) -> None:
    """Refuse the placeholder or a short `SECRET_KEY` where others can reach the app.

    That is whenever `PUBLIC_URL` is set (the app is on the internet) or `REQUIRE_SECRET_KEY` is on
    (docker-compose sets it because it publishes the port). The key signs button payloads and sessions:
    with the public default anyone can forge them.

    Raises:
        ConfigError: naming SECRET_KEY, why it is required here and how to make one.
    """
    public_url = (settings.public_url or "").strip()
    if not public_url and not settings.require_secret_key:
        return
    why = f"PUBLIC_URL is set ({public_url})" if public_url else "REQUIRE_SECRET_KEY is on"
    how = (
        f"set SECRET_KEY to a random value of at least {MIN_SECRET_KEY_LENGTH} characters, e.g. the output "
        "of: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    )
    key = settings.secret_key.strip()
    if key == DEFAULT_SECRET_KEY:
        raise ConfigError("SECRET_KEY", f"the default {DEFAULT_SECRET_KEY!r} is refused while {why}; {how}")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError("SECRET_KEY", f"{len(key)} characters are too few while {why}; {how}")


def check_sla_config(settings: Settings) -> None:
    """Read and check `SLA_CONFIG_FILE` now rather than when the runtime is built, after logging began.

    Raises:
        ConfigError: an `SlaFileError` naming the file, the key and what is expected.
    """
    from helpdesk.sla_worker import load_sla_config

    load_sla_config(settings.sla_config_file)


def check_database(settings: Settings, timeout_s: float = DATABASE_CHECK_TIMEOUT_S) -> None:
    """Connect to `DATABASE_URL` once and run `SELECT 1`.

    A SQLite file's folder is created first (as `helpdesk migrate` does), so a fresh checkout still
    starts.

    Raises:
        ConfigError: naming DATABASE_URL (password hidden) and what the server or driver said.
    """
    asyncio.run(_check_database(settings.database_url, timeout_s))


async def _check_database(url: str, timeout_s: float) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from storage.db import extension_available, ping
    from storage.migrate import ensure_sqlite_folder

    safe = make_url(url).render_as_string(hide_password=True)
    try:
        ensure_sqlite_folder(url)
    except OSError as exc:
        raise ConfigError(
            "DATABASE_URL", f"cannot create the folder of the SQLite file {safe}: {exc.strerror or exc}"
        ) from None
    # A plain engine, not storage.db.make_engine: one connection, no pool tuning, nothing left behind.
    engine = create_async_engine(url)
    try:
        async with asyncio.timeout(timeout_s):
            async with engine.connect() as conn:
                await ping(conn)
                has_pgvector = await extension_available(conn, PGVECTOR_EXTENSION)
    except TimeoutError:
        raise ConfigError(
            "DATABASE_URL",
            f"the database at {safe} did not answer within {timeout_s:g} s; check the host and port, "
            "and that the server is up",
        ) from None
    except Exception as exc:  # any driver's failure to connect means the same thing to the operator
        raise ConfigError(
            "DATABASE_URL",
            f"cannot reach the database at {safe}: {_reason(exc)}; check that the server is up and the "
            "URL's host, port, user, password and database name",
        ) from None
    finally:
        await engine.dispose()
    if not has_pgvector:
        # Without this, `migrate` dies 40 lines into a traceback on CREATE EXTENSION.
        raise ConfigError(
            "DATABASE_URL",
            f"the PostgreSQL server at {safe} lacks the pgvector extension ({PGVECTOR_EXTENSION!r}), which "
            "the KB's vectors need; install it on the server (Debian: postgresql-NN-pgvector, or "
            "scripts/pgvector/install.sh here), then run the command again",
        )


def _reason(exc: BaseException) -> str:
    """What the driver said, in one short line (SQLAlchemy adds a second line with a help link)."""
    cause: BaseException = exc
    for _ in range(5):  # SQLAlchemy wraps its DBAPI adapter's error, which wraps the driver's own
        if cause.__cause__ is None:
            break
        cause = cause.__cause__
    lines = str(cause).strip().splitlines()
    detail = one_line(lines[0]) if lines else ""
    if len(detail) > _MAX_DETAIL:
        detail = detail[: _MAX_DETAIL - 3] + "..."
    name = type(cause).__name__
    return f"{name}: {detail}" if detail else name
