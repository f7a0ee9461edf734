"""The embedded backend answers a repeated text from its cache, with an equal and independent result."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from nlu.embedded import EmbeddedBackend
from nlu.result import ParseResult


class CountingModel:
    def __init__(self, meta: dict[str, Any] | None = None) -> None:
        self.calls: list[list[str]] = []
        self.spares: list[object] = []
        self.meta = meta or {"data_sha256": "a", "recipe": 1}

    def parse_many(self, texts: list[str], spare: object = None) -> list[ParseResult]:
        self.calls.append(list(texts))
        self.spares.append(spare)
        return [ParseResult.from_dict({"text": t, "intent": {"name": "greet", "confidence": 0.9},
                                       "entities": [], "intent_ranking": []}) for t in texts]  # fmt: skip


async def test_repeated_texts_are_parsed_once() -> None:
    model: Any = CountingModel()
    backend = EmbeddedBackend(model, cache_size=2)
    first = await backend.parse("hello")
    again = await backend.parse("hello")
    assert model.calls == [["hello"]]
    assert again.to_dict() == first.to_dict() and again is not first
    await backend.parse("hi")
    await backend.parse("hey")  # "hello" falls out (size 2)
    await backend.parse("hello")
    assert model.calls[-1] == ["hello"]


def test_copy_is_equal_and_shares_nothing_mutable() -> None:
    original = ParseResult.from_dict(
        {
            "text": "статус HD-1001",
            "intent": {"name": "check_status", "confidence": 0.8},
            "entities": [{"entity": "ticket_number", "value": "1001", "start": 7, "end": 14, "role": "r"}],
            "intent_ranking": [
                {"name": "check_status", "confidence": 0.8},
                {"name": "greet", "confidence": 0.1},
            ],
        }
    )
    copy = original.copy()
    assert copy == original and copy.to_dict() == original.to_dict()
    copy.entities[0].value = "2002"
    copy.intent.name = "greet"
    copy.intent_ranking.pop()
    assert original.entities[0].value == "1001" and original.intent.name == "check_status"
    assert len(original.intent_ranking) == 2


class SlowModel(CountingModel):
    """Blocks each batch on a barrier, so the test sees which batches run at the same time."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties, timeout=5)

    def parse_many(self, texts: list[str], spare: object = None) -> list[ParseResult]:
        self.barrier.wait()  # returns only when `parties` batches are inside at once
        return super().parse_many(texts, spare)


async def test_batches_run_on_several_workers_at_once() -> None:
    model: Any = SlowModel(parties=2)
    backend = EmbeddedBackend(model, cache_size=0, workers=2, max_batch=4)
    results = await asyncio.gather(*(backend.parse(f"m{i}") for i in range(8)))
    assert [r.text for r in results] == [f"m{i}" for i in range(8)]
    assert sorted(len(c) for c in model.calls) == [4, 4]  # two batches, inside the model together
    # Every drain has stopped and been counted down: a lone message later still gets a worker.
    assert backend._active == 0 and backend._busy == 0
    model.barrier = threading.Barrier(1)
    assert (await backend.parse("later")).text == "later"


async def test_messages_in_flight_are_shared_between_the_idle_workers() -> None:
    """16 messages that arrive together are two batches of 8 on two threads, not one of 16 (#22)."""
    model: Any = SlowModel(parties=2)
    backend = EmbeddedBackend(model, cache_size=0, workers=2, max_batch=32)
    results = await asyncio.gather(*(backend.parse(f"m{i}") for i in range(16)))
    assert [r.text for r in results] == [f"m{i}" for i in range(16)]
    assert sorted(len(c) for c in model.calls) == [8, 8]
    assert backend._active == 0 and backend._busy == 0
    assert model.spares == [None, None]  # no core is idle while two batches parse


async def test_a_lone_message_is_lent_the_idle_core_and_one_worker_has_none() -> None:
    model: Any = CountingModel()
    backend = EmbeddedBackend(model, cache_size=0, workers=2)
    await backend.parse("hello")
    await backend.parse("hi")
    assert model.calls == [["hello"], ["hi"]]
    assert all(spare is backend._spare for spare in model.spares) and backend._spare is not None
    single: Any = CountingModel()
    await EmbeddedBackend(single, cache_size=0, workers=1).parse("hello")
    assert single.spares == [None]


async def test_one_worker_runs_one_batch_at_a_time() -> None:
    model: Any = CountingModel()
    backend = EmbeddedBackend(model, cache_size=0, workers=1, max_batch=3)
    await asyncio.gather(*(backend.parse(f"m{i}") for i in range(7)))
    assert [len(c) for c in model.calls] == [3, 3, 1]


def test_warm_loads_every_encoder_of_the_model_before_the_first_message() -> None:
    embedded: list[tuple[list[str], object]] = []

    class Featurizer:
        costly_encoders = ("mpnet-mixed",)

        def embed(self, texts: list[str], names: object = None, cores: int = 1) -> None:
            embedded.append((texts, names, cores))

    model: Any = CountingModel()
    model.featurizer = Featurizer()
    EmbeddedBackend(model, workers=2).warm()
    # None: every configured encoder, cheap and costly; then the costly ones' two-core sessions.
    assert embedded == [(["warm up"], None, 1), (["warm up"], ("mpnet-mixed",), 2)]
    assert model.calls == []  # nothing parsed, nothing cached


ENTITY = {
    "entity": "ticket_number",
    "value": "1001",
    "start": 7,
    "end": 14,
    "extractor": "Regex",
    "role": "r",
}


class EntityModel(CountingModel):
    def parse_many(self, texts: list[str], spare: object = None) -> list[ParseResult]:
        self.calls.append(list(texts))
        return [ParseResult.from_dict({"text": t, "intent": {"name": "check_status", "confidence": 0.8},
                                       "entities": [ENTITY], "intent_ranking": [
                                           {"name": "check_status", "confidence": 0.8}]}) for t in texts]  # fmt: skip


async def test_processes_sharing_a_cache_parse_a_text_once_between_them() -> None:
    from tests.fakes.shared_cache import DictSharedCache

    store = DictSharedCache()
    one, other = EntityModel(), EntityModel()
    first: Any = EmbeddedBackend(one, shared=store)  # two processes with the same model
    second: Any = EmbeddedBackend(other, shared=store)
    parsed = await first.parse("статус HD-1001")
    again = await second.parse("статус HD-1001")
    assert one.calls == [["статус HD-1001"]] and other.calls == []
    assert again.to_dict() == parsed.to_dict()
    # The key is the exact text (the entities' offsets point into it) and the model's version.
    await second.parse("Статус HD-1001")
    assert other.calls == [["Статус HD-1001"]]
    retrained: Any = EmbeddedBackend(EntityModel({"data_sha256": "b", "recipe": 1}), shared=store)
    await retrained.parse("статус HD-1001")
    assert retrained.model.calls == [["статус HD-1001"]]


async def test_a_shared_cache_that_is_down_or_holds_garbage_only_costs_the_sharing() -> None:
    from tests.fakes.shared_cache import DictSharedCache

    store = DictSharedCache()
    model = EntityModel()
    backend: Any = EmbeddedBackend(model, shared=store)
    await backend.parse("one")
    store.values = {key: b"not json" for key in store.values}
    fresh: Any = EmbeddedBackend(EntityModel(), shared=store)
    assert (await fresh.parse("one")).intent.name == "check_status"
    assert fresh.model.calls == [["one"]]
    store.down = True
    down: Any = EmbeddedBackend(EntityModel(), shared=store)
    assert (await down.parse("two")).text == "two" and down.model.calls == [["two"]]
