"""The channel's parts on their own: history, signals, locks, request parsing, image sniffing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bots.webchat.history import MemoryWebChatHistory
from bots.webchat.requests import BadRequest, parse_send
from bots.webchat.signals import ChatSignals, KeyedLocks
from bots.webchat.uploads import UploadRejected, UploadStore, name_from_file_id, sniff_image
from dialogue.messages import Bot


async def test_history_numbers_each_chat_on_its_own() -> None:
    h = MemoryWebChatHistory()
    assert await h.append(Bot.CLIENT, "a", {"text": "1"}) == 1
    assert await h.append(Bot.CLIENT, "a", {"text": "2"}) == 2
    assert await h.append(Bot.CLIENT, "b", {"text": "x"}) == 1
    assert await h.append(Bot.STAFF, "a", {"text": "y"}) == 1
    assert [m["text"] for m in await h.list_after(Bot.CLIENT, "a", 0, 10)] == ["1", "2"]
    assert [m["seq"] for m in await h.list_after(Bot.CLIENT, "a", 1, 10)] == [2]
    assert await h.list_after(Bot.CLIENT, "zzz", 0, 10) == []


async def test_history_keeps_the_last_messages_of_a_chat_and_keeps_counting() -> None:
    h = MemoryWebChatHistory(per_chat=3)
    for n in range(1, 6):
        await h.append(Bot.CLIENT, "a", {"n": n})
    assert [m["seq"] for m in await h.list_after(Bot.CLIENT, "a", 0, 10)] == [3, 4, 5]
    assert [m["seq"] for m in await h.list_after(Bot.CLIENT, "a", 0, 2)] == [3, 4]


async def test_history_forgets_the_least_recently_used_chat() -> None:
    h = MemoryWebChatHistory(max_chats=2)
    await h.append(Bot.CLIENT, "a", {})
    await h.append(Bot.CLIENT, "b", {})
    await h.append(Bot.CLIENT, "a", {})  # a is now the most recent
    await h.append(Bot.CLIENT, "c", {})
    assert h.chat_count() == 2
    assert await h.list_after(Bot.CLIENT, "b", 0, 10) == []
    assert len(await h.list_after(Bot.CLIENT, "a", 0, 10)) == 2


async def test_history_hands_out_copies() -> None:
    h = MemoryWebChatHistory()
    message = {"text": "t"}
    await h.append(Bot.CLIENT, "a", message)
    message["text"] = "changed"
    (stored,) = await h.list_after(Bot.CLIENT, "a", 0, 1)
    stored["text"] = "changed too"
    assert (await h.list_after(Bot.CLIENT, "a", 0, 1))[0]["text"] == "t"


def test_history_refuses_a_zero_bound() -> None:
    with pytest.raises(ValueError):
        MemoryWebChatHistory(per_chat=0)


async def test_signals_wake_the_subscribers_of_one_key_and_clean_up() -> None:
    s = ChatSignals()
    e1, e2, other = s.subscribe("a"), s.subscribe("a"), s.subscribe("b")
    assert e1 is e2
    s.notify("a")
    assert e1.is_set() and not other.is_set()
    fresh = s.subscribe("a")
    assert not fresh.is_set()  # a later waiter waits for the next message
    for key in ("a", "a", "a", "b"):
        s.unsubscribe(key)
    assert s.waiting("a") == 0 and s._events == {} and s._waiters == {}


async def test_keyed_locks_serialise_one_key_and_forget_it_after() -> None:
    locks = KeyedLocks()
    order: list[str] = []

    async def job(key: str, name: str, delay: float) -> None:
        async with locks.hold(key):
            order.append(f"+{name}")
            await asyncio.sleep(delay)
            order.append(f"-{name}")

    await asyncio.gather(job("k", "1", 0.05), job("k", "2", 0.0), job("k", "3", 0.0))
    assert order == ["+1", "-1", "+2", "-2", "+3", "-3"]
    assert len(locks) == 0


def test_parse_send_with_media_only_is_fine_without_text() -> None:
    from dialogue.messages import Media

    request = parse_send(Bot.CLIENT, {"chat_id": "c", "client_msg_id": "m"}, media=(Media("photo", "web:x"),))
    assert request.to_inbound().media == (Media("photo", "web:x"),)
    with pytest.raises(BadRequest):
        parse_send(Bot.CLIENT, {"chat_id": "c", "client_msg_id": "m"})


@pytest.mark.parametrize(
    ("head", "ext"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
        (b"GIF89a\x01\x00", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"<svg", None),
        (b"%PDF-1.7", None),
    ],
)
def test_sniff_image(head: bytes, ext: str | None) -> None:
    assert sniff_image(head) == ext


async def test_upload_store_saves_under_a_random_name(tmp_path: Path) -> None:
    store = UploadStore(tmp_path / "up", max_bytes=100)
    jpeg = b"\xff\xd8\xff" + b"x" * 20
    a, b = await store.save(jpeg), await store.save(jpeg)
    assert a != b and a.endswith(".jpg")
    assert store.path_of(a) == tmp_path / "up" / a
    assert store.path_of("../" + a) is None
    assert [p.name for p in (tmp_path / "up").iterdir() if p.name.startswith(".")] == []
    with pytest.raises(UploadRejected):
        await store.save(b"\xff\xd8\xff" + b"x" * 100)


def test_name_from_file_id() -> None:
    name = "a" * 32 + ".jpg"
    assert name_from_file_id("web:" + name) == name
    assert name_from_file_id("web:../../etc/passwd") is None
    assert name_from_file_id(name) is None
