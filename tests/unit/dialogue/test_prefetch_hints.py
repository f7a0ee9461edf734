"""Prefetch without a database read for a known sender: `SenderHints`, and what a stale hint costs."""

from __future__ import annotations

from typing import Any

from dialogue.conversation import Stage
from dialogue.engine import DialogueEngine
from dialogue.payloads import PayloadSigner
from dialogue.prefetch import SenderHints
from kb_search.model import Reader, SearchResult
from tests.fakes.fake_kb import FakeKnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock


class Counting:
    """A unit-of-work factory that counts the units opened."""

    def __init__(self, inner: MemoryUnitOfWorkFactory) -> None:
        self.inner = inner
        self.opened = 0

    def __call__(self) -> Any:
        self.opened += 1
        return self.inner()


class RecordingKb(FakeKnowledgeBase):
    """The fake KB, remembering which client each search was made for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.searched_for: list[str | None] = []

    async def search(self, query: str, reader: Reader, k: int = 5) -> SearchResult:
        self.searched_for.append(reader.client_id)
        return await super().search(query, reader, k)


def test_hints_expire_are_bounded_and_can_be_forgotten() -> None:
    now = [100.0]
    hints = SenderHints(size=2, ttl_s=60, clock=lambda: now[0])
    hints.put("a", "acme", Stage.KB)
    assert hints.get("a") is not None and (hints.get("a").client_id, hints.get("a").stage) == ("acme", "kb")  # type: ignore[union-attr]
    now[0] += 61
    assert hints.get("a") is None and len(hints) == 0  # expired, and dropped
    hints.put("a", "acme", None)
    hints.put("b", "beta", None)
    hints.put("c", "gamma", None)
    assert hints.get("a") is None and len(hints) == 2  # the oldest went first
    hints.forget("b")
    assert hints.get("b") is None and hints.get("c") is not None


async def test_a_known_sender_is_prefetched_without_a_database_read(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, anna: Person
) -> None:
    counting = Counting(uows)
    recording = RecordingKb(list(kb.articles.values()))
    engine = DialogueEngine(counting, PayloadSigner("test-secret"), kb=recording, clock=clock)  # type: ignore[arg-type]
    chat = ChatDriver(engine.handle)

    await chat.say(anna, "How do I connect to the VPN?")
    assert counting.opened == 2  # the short read for the prefetch, then the turn
    assert recording.searched_for == ["acme"]  # the turn used the prefetched search

    got = await chat.say(anna, "How do I connect to the VPN?")
    assert counting.opened == 3  # the hint replaced the read: one unit for the turn
    assert recording.searched_for == ["acme", "acme"]
    assert "VPN" in got[0]


async def test_a_stale_hint_costs_a_search_never_a_wrong_answer(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, anna: Person
) -> None:
    recording = RecordingKb(list(kb.articles.values()))
    engine = DialogueEngine(uows, PayloadSigner("test-secret"), kb=recording, clock=clock)  # type: ignore[arg-type]
    chat = ChatDriver(engine.handle)
    await chat.say(anna, "How do I connect to the VPN?")
    (key,) = list(engine.hints._hints)
    engine.hints.put(key, "romashka", None)  # as if Anna had moved to another client meanwhile
    recording.searched_for.clear()

    got = await chat.say(anna, "пропуск на склад")

    # The prefetch searched as the wrong client; the turn saw that and searched again as ACME.
    assert recording.searched_for == ["romashka", "acme"]
    assert "ACME: пропуск на склад" in "\n".join(got)
    hint = engine.hints.get(key)
    assert hint is not None and hint.client_id == "acme" and hint.stage == "kb"


class UnitSenders:
    """`SenderReads` on the memory units (PostgreSQL's is one statement: tests/integration/test_sender_reads.py),
    counting its reads."""

    def __init__(self, uows: MemoryUnitOfWorkFactory) -> None:
        self.uows = uows
        self.reads: list[str] = []

    async def client_and_state(
        self, channel: str, bot: str, account_id: str, key: str
    ) -> tuple[str | None, dict[str, Any] | None]:
        self.reads.append(key)
        async with self.uows() as uow:
            _, contact = await uow.accounts.find_with_contact(channel, bot, account_id)
            return (contact.client_id if contact else None), await uow.conversations.load(key)


async def test_with_sender_reads_the_short_read_opens_no_unit_and_finds_the_client_and_stage(
    uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock, anna: Person
) -> None:
    counting = Counting(uows)
    senders = UnitSenders(uows)
    recording = RecordingKb(list(kb.articles.values()))
    engine = DialogueEngine(
        counting,  # type: ignore[arg-type]
        PayloadSigner("test-secret"),
        kb=recording,
        clock=clock,
        senders=senders,
    )
    chat = ChatDriver(engine.handle)
    await chat.say(anna, "How do I connect to the VPN?")
    (key,) = list(engine.hints._hints)
    engine.hints.forget(key)  # as if the last turn had run in another process

    got = await chat.say(anna, "How do I connect to the VPN?")

    assert senders.reads == [key, key]  # both prefetches asked it; no unit was opened for them
    assert counting.opened == 2  # the two turns
    assert recording.searched_for == ["acme", "acme"]  # the read found Anna's client: the turn reused it
    assert "VPN" in got[0]
