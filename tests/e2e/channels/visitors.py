"""A new visitor on each client channel of the running app, as a `ClientChannelDriver`."""

from __future__ import annotations

from tests.e2e.channels.app import CLIENT_TOKEN, RunningApp
from tests.e2e.channels.driver import ClientChannelDriver
from tests.e2e.channels.telegram_driver import TelegramDriver
from tests.e2e.channels.webchat_driver import WebChatDriver
from tests.e2e.channels.whatsapp_driver import WhatsAppDriver
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET

CHANNELS = ("telegram", "whatsapp", "webchat")
# A new visitor on each channel: none of these is a demo contact, so intake asks for an address.
TELEGRAM_USER = 5001
WHATSAPP_NUMBER = "79990001122"
WEBCHAT_VISITOR = "w-visitor-petr"


def make_driver(channel: str, app: RunningApp) -> ClientChannelDriver:
    """Return a new visitor's client chat on `channel` of the running app."""
    if channel == "telegram":
        return TelegramDriver(app.telegram, CLIENT_TOKEN, TELEGRAM_USER)
    if channel == "whatsapp":
        return WhatsAppDriver(app.whatsapp, app.whatsapp_webhook, DEFAULT_APP_SECRET, WHATSAPP_NUMBER)
    if channel == "webchat":
        return WebChatDriver(app.http, app.base_url, WEBCHAT_VISITOR)
    raise ValueError(f"unknown channel {channel!r}")
