"""Clustering unanswered questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kb_search.gaps import cluster_gaps
from kb_search.ports import Gap
from tests.unit.kb_search.fakes import HashEmbedder

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def gaps(*queries: str) -> list[Gap]:
    return [Gap(q, "public", 0.1, T0 + timedelta(minutes=i)) for i, q in enumerate(queries)]


QUESTIONS = gaps(
    "течёт унитаз в туалете",
    "унитаз течет, нужен сантехник",
    "Течёт унитаз в туалете",
    "как заказать пиццу",
    "where can I order pizza",
    "течет кран унитаза",
)


def test_similar_questions_cluster_and_the_biggest_comes_first() -> None:
    clusters = cluster_gaps(QUESTIONS)
    assert clusters[0].size == 4
    assert all("унитаз" in e.lower() for e in clusters[0].examples)
    assert len(clusters[0].examples) == 3  # the two spellings of the same question are shown once
    assert clusters[0].last_at == (T0 + timedelta(minutes=5)).isoformat()
    assert sum(c.size for c in clusters) == len(QUESTIONS)


def test_clusters_with_an_embedder_and_edge_cases() -> None:
    clusters = cluster_gaps(QUESTIONS, HashEmbedder(), distance=0.7)
    assert clusters[0].size >= 3
    assert cluster_gaps([]) == []
    assert [c.size for c in cluster_gaps(gaps("one"))] == [1]
