"""The embedded backend answers a repeated text from its cache, with an equal and independent result."""

from __future__ import annotations

from typing import Any

from nlu.embedded import EmbeddedBackend
from nlu.result import ParseResult


class CountingModel:
    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def parse_many(self, texts: list[str]) -> list[ParseResult]:
        self.calls.append(list(texts))
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
