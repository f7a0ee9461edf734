"""Ids longer than Meta's are skipped as malformed, not left to fail where they are recorded."""

from __future__ import annotations

from typing import Any

import pytest

from bots.whatsapp.inbound import MAX_MESSAGE_ID, MAX_SENDER, parse_webhook


def body(sender: str, message_id: str) -> dict[str, Any]:
    message = {"from": sender, "id": message_id, "type": "text", "text": {"body": "hi"}}
    value = {"metadata": {"phone_number_id": "1"}, "messages": [message]}
    return {"entry": [{"changes": [{"field": "messages", "value": value}]}]}


@pytest.mark.parametrize(
    ("sender", "message_id"),
    [("7" * (MAX_SENDER + 1), "wamid.1"), ("79001234567", "w" * (MAX_MESSAGE_ID + 1)), ("", "wamid.1")],
)
def test_oversized_ids_are_skipped(sender: str, message_id: str) -> None:
    batch = parse_webhook(body(sender, message_id), "1")
    assert batch.messages == [] and batch.skipped == 1


def test_ids_at_the_limits_are_read() -> None:
    [message] = parse_webhook(body("7" * MAX_SENDER, "w" * MAX_MESSAGE_ID), "1").messages
    assert message.inbound.chat_id == "7" * MAX_SENDER
    assert len(message.inbound.dedup_key) <= 200  # the inbox's column
