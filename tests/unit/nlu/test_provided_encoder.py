"""The composition root can hand the NLU an encoder (the app shares the KB's e5 with it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from kb_search.embedder import QueryEncoder
from kb_search.model import KbError
from kb_search.text import query_text
from nlu import encoders
from tests.unit.kb_search.fakes import HashEmbedder


@pytest.fixture
def clean() -> Iterator[None]:
    yield
    encoders._provided.pop("e5", None)
    encoders._cache.pop("e5", None)


def test_a_provided_encoder_replaces_the_packaged_one(clean: None) -> None:
    shared = QueryEncoder(HashEmbedder())
    encoders.provide("e5", lambda: shared)
    assert encoders.get_encoder("e5") is shared
    vectors = shared.encode(["принтер не печатает", "printer"])
    assert vectors.shape == (2, HashEmbedder.dim)
    assert np.allclose(vectors, HashEmbedder().embed_queries(["принтер не печатает", "printer"]))
    assert shared.encode([]).shape == (0, HashEmbedder.dim)


def test_the_nlu_reads_a_wrapped_message_as_search_does_so_both_need_one_vector(clean: None) -> None:
    from kb_search.embedder import QueryCache

    embedded: list[str] = []

    class Counting(HashEmbedder):
        def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
            embedded.extend(texts)
            return super().embed_queries(texts)

    cache = QueryCache(Counting())
    shared = QueryEncoder(cache)
    wrapped = "Здравствуйте! Не могу войти в почту, подскажите пожалуйста"
    nlu_vector = shared.encode([wrapped])[0]
    search_vector = cache.embed_queries([query_text(wrapped)])[0]  # what KB search embeds
    assert np.allclose(nlu_vector, search_vector)
    assert embedded == ["Не могу войти в почту"]
    # A message that is nothing but a greeting is read whole, as search reads it.
    assert np.allclose(shared.encode(["Добрый день!"])[0], HashEmbedder().embed_queries(["Добрый день!"])[0])


def test_unknown_names_and_missing_embedders_are_refused(clean: None) -> None:
    with pytest.raises(ValueError, match="unknown encoder"):
        encoders.provide("bert", lambda: QueryEncoder(HashEmbedder()))
    with pytest.raises(KbError, match="KB_EMBEDDER is none"):
        QueryEncoder(None)
