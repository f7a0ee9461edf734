"""The pure parts: text rules, signatures, webhook parsing, the window and the outbound plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.whatsapp.inbound import parse_webhook
from bots.whatsapp.outbound import UnsendableError, plan_outbound
from bots.whatsapp.signature import is_valid, sign
from bots.whatsapp.text import shorten, split_tail, split_text, template_param
from bots.whatsapp.window import MemoryServiceWindowStore, is_open
from dialogue.messages import Bot, Button, Channel, Outbound

texts = st.text(alphabet=st.sampled_from("абв xyz.\n\n"), max_size=600)


@given(texts, st.integers(min_value=2, max_value=120))
def test_split_text_keeps_every_word_within_the_limit(text: str, limit: int) -> None:
    pieces = split_text(text, limit)

    assert all(0 < len(p) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@given(texts, st.integers(min_value=2, max_value=120))
def test_split_tail_gives_a_tail_within_the_limit(text: str, limit: int) -> None:
    head, tail = split_tail(text, limit)

    assert len(tail) <= limit
    assert "".join((head + tail).split()) == "".join(text.split())


def test_split_prefers_paragraphs_then_lines() -> None:
    text = "a" * 50 + "\n\n" + "b" * 30 + "\n" + "c" * 30

    assert split_text(text, 70) == ["a" * 50, "b" * 30 + "\n" + "c" * 30]
    assert split_tail(text, 70) == ("a" * 50, "b" * 30 + "\n" + "c" * 30)


def test_shorten_and_template_param() -> None:
    assert shorten("Нормально", 20) == "Нормально"
    assert shorten("Плохо, инженер опоздал", 20) == "Плохо, инженер опоз…"
    assert (
        template_param("Статус: выполнена\n\nИнженер:\tИван     Петров")
        == "Статус: выполнена. Инженер: Иван Петров"
    )
    assert template_param("Готово!\nСпасибо") == "Готово! Спасибо"
    assert len(template_param("я " * 2000)) == 1024


def test_signature_is_checked_exactly() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    good = sign(body, "secret")

    assert is_valid(body, good, "secret")
    assert is_valid(body, good.upper().replace("SHA256=", "sha256="), "secret")
    assert not is_valid(body + b" ", good, "secret")
    assert not is_valid(body, good, "other")
    assert not is_valid(body, good.removeprefix("sha256="), "secret")
    assert not is_valid(body, None, "secret")
    assert not is_valid(body, sign(body, ""), "")


def test_parse_never_raises_on_odd_shapes() -> None:
    bodies: list[object] = [
        None,
        [],
        {"entry": "x"},
        {"entry": [{"changes": [{"value": {"messages": [{"from": 5}]}}]}]},
    ]
    for body in bodies:
        batch = parse_webhook(body, "1")
        assert batch.messages == [] and batch.statuses == []


def test_parse_takes_the_sender_name_from_contacts_and_bad_location_is_dropped() -> None:
    value = {
        "metadata": {"phone_number_id": "1"},
        "contacts": [{"profile": {"name": "Анна"}, "wa_id": "7999"}],
        "messages": [
            {
                "from": "7999",
                "id": "wamid.1",
                "timestamp": "1700000000",
                "type": "location",
                "location": {"latitude": "x"},
            }
        ],
    }
    [message] = parse_webhook({"entry": [{"changes": [{"field": "messages", "value": value}]}]}, "1").messages

    assert message.inbound.sender_name == "Анна"
    assert message.inbound.location is None
    assert message.sent_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


async def test_window_store_keeps_the_latest_and_is_open_for_24_hours(fixed_now: datetime) -> None:
    store = MemoryServiceWindowStore()
    await store.record_inbound("1", fixed_now)
    await store.record_inbound("1", fixed_now - timedelta(hours=3))  # a late re-delivery

    last = await store.last_inbound("1")
    assert last == fixed_now
    assert is_open(last, fixed_now + timedelta(hours=23, minutes=59))
    assert not is_open(last, fixed_now + timedelta(hours=24))
    assert not is_open(None, fixed_now)
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.record_inbound("1", datetime(2026, 1, 1))  # noqa: DTZ001 - the point of the test


def _out(text: str, **kwargs: object) -> Outbound:
    return Outbound(Channel.WHATSAPP, Bot.CLIENT, "7999", text, **kwargs)  # type: ignore[arg-type]


def test_buttons_with_a_location_request_get_their_own_prompt() -> None:
    rows = ((Button("Да", "y"), Button("Нет", "n")),)

    bodies = plan_outbound(_out("Это адрес объекта?", buttons=rows, request_location=True))

    assert [b["interactive"]["type"] for b in bodies] == ["button", "location_request_message"]
    assert bodies[1]["interactive"]["body"]["text"].startswith("📍")


def test_plan_refuses_what_cannot_be_sent() -> None:
    with pytest.raises(UnsendableError, match="neither a payload nor a url"):
        plan_outbound(_out("x", buttons=((Button("a"),),)))
    with pytest.raises(UnsendableError, match="200"):
        plan_outbound(_out("x", buttons=tuple((Button(str(i), "p" * 201),) for i in range(4))))
    with pytest.raises(UnsendableError, match="needs text"):
        plan_outbound(_out("   "))
