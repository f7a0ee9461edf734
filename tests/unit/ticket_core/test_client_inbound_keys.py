"""Lost requests count only the client bots' messages: the adapters' dedup keys and the report's prefixes agree."""

from __future__ import annotations

from bots.telegram_common.inbound import dedup_key as telegram_key
from bots.webchat.requests import dedup_key as webchat_key
from bots.whatsapp.inbound import dedup_key as whatsapp_key
from dialogue.messages import Bot
from ticket_core.reports.reference import is_client_inbound


def test_every_client_bot_key_counts_as_a_client_request() -> None:
    assert is_client_inbound(telegram_key(Bot.CLIENT, 123))
    assert is_client_inbound(webchat_key(Bot.CLIENT, "visitor-1", "m-1"))
    assert is_client_inbound(whatsapp_key("wamid.HBgL"))


def test_staff_messages_and_system_keys_are_not_client_requests() -> None:
    assert not is_client_inbound(telegram_key(Bot.STAFF, 123))
    assert not is_client_inbound(webchat_key(Bot.STAFF, "e-smirnov", "m-1"))
    # The daily digest runs once a day by keeping this key in the inbound log; it answers no client.
    assert not is_client_inbound("digest:2026-12-02")
