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
