"""The answer-confidence model: features from a ranked list, the logistic model, its JSON, the KB reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb_search import confidence as cm
from kb_search.fusion import Scored
from kb_search.model import Article, Reader
from kb_search.service import KnowledgeBase
from tests.unit.kb_search.fakes import HashEmbedder

F = cm.FEATURES


def _model(score_weight: float = 3.0, threshold: float = 0.6) -> cm.ConfidenceModel:
    n = len(F)
    coef = [0.0] * n
    coef[F.index("score")] = score_weight
    return cm.ConfidenceModel(
        mean=(0.0,) * n,
        scale=(1.0,) * n,
        coef=tuple(coef),
        intercept=-1.5,
        threshold=threshold,
        default_reference=cm.Reference((0.0,) * len(cm.RELATIVE), 0),
    )


def test_no_candidates_give_zero_features() -> None:
    assert not cm.features([], ["vpn"], set(), 0.7).any()


def test_features_of_a_clear_winner() -> None:
    ranked = [Scored("a", 0.9, 0.8, 0.95), Scored("b", 0.4, 0.9, 0.8), Scored("c", 0.3, 0.1, 0.75)]
    row = cm.features(ranked, ["vpn", "connect"], {"vpn"}, 0.7)
    assert row[F.index("score")] == pytest.approx(0.9)
    assert row[F.index("margin")] == pytest.approx(0.5)
    assert row[F.index("semantic")] == pytest.approx(0.25)
    assert row[F.index("semantic_margin")] == pytest.approx(0.15)
    assert row[F.index("lexical_margin")] == pytest.approx(-0.1)
    assert (row[F.index("leads_lexical")], row[F.index("leads_semantic")]) == (0.0, 1.0)
    assert row[F.index("title_share")] == pytest.approx(0.5)
    assert row[F.index("score_z")] > 0


def test_without_an_embedder_the_semantic_features_have_defined_values() -> None:
    row = cm.features([Scored("a", 0.5, 0.5, None), Scored("b", 0.2, 0.2, None)], ["x"], set(), 0.7)
    assert (row[F.index("semantic")], row[F.index("semantic_margin")], row[F.index("leads_semantic")]) == (
        0.0,
        0.0,
        1.0,
    )


def test_probability_grows_with_the_weighted_feature_and_the_reference_shifts_it() -> None:
    model = _model()
    low, high = np.zeros(len(F)), np.zeros(len(F))
    high[F.index("score")] = 1.0
    assert model.probability(high) > model.probability(low)
    assert 0.0 < model.probability(low) < 1.0
    # The score is read relative to the KB's reference: on a KB whose questions land higher, the same
    # raw score is ordinary, so it gets a lower probability.
    ordinary = cm.Reference(tuple(1.0 if f == "score" else 0.0 for f in cm.RELATIVE), 10)
    assert model.probability(high, ordinary) < model.probability(high)


def test_model_round_trips_through_json_and_refuses_other_features(tmp_path: Path) -> None:
    path = tmp_path / "confidence.json"
    cm.save("e", _model(), path)
    assert cm.load("e", path) == _model()
    assert cm.load("other", path) is None
    data = _model().to_json()
    data["features"] = ["score"]
    with pytest.raises(ValueError, match="refit"):
        cm.ConfidenceModel.from_json(data)


def test_reference_needs_pseudo_queries() -> None:
    with pytest.raises(ValueError):
        cm.Reference.of(np.zeros((0, len(F))))


ARTICLES = [
    Article("vpn", "How to connect to the VPN", "Install the VPN client. Press Connect.", lang="en"),
    Article("printer", "Printer jams paper", "## Clearing a jam\nOpen the tray. Why does it jam?", lang="en"),
    Article("wifi", "Office Wi-Fi password", "The password is on the board in the kitchen.", lang="en"),
]


async def test_search_confidence_is_the_models_probability_read_against_the_kb_reference() -> None:
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=0.6)
    kb.confidence_model = _model()
    await kb.index_articles(ARTICLES)
    result, row = await kb.evidence("connect to the vpn", Reader.public())
    assert result.confidence == round(_model().probability(row), 4)
    assert result.confident == (result.confidence >= 0.6)
    reference = await kb.self_calibrate()
    assert reference is not None and reference.n >= len(ARTICLES)
    assert kb.reference == reference


async def test_without_a_model_the_kb_keeps_the_fused_score_and_skips_self_calibration() -> None:
    kb = KnowledgeBase(embedder=HashEmbedder(), threshold=0.6)
    assert kb.confidence_model is None  # no model is stored for the test embedder
    await kb.index_articles(ARTICLES)
    result, row = await kb.evidence("connect to the vpn", Reader.public())
    assert result.confidence == round(row[F.index("score")] + row[F.index("margin")], 4)
    assert await kb.self_calibrate() is None


def test_a_confirmed_phrasing_of_the_top_hit_is_a_feature_and_its_absence_is_zero() -> None:
    plain = cm.features([Scored("a", 0.9, 0.8, 0.9), Scored("b", 0.5, 0.4, 0.8)], ["x"], set(), 0.7)
    assert (plain[F.index("phrasing")], plain[F.index("phrasing_margin")]) == (0.0, 0.0)
    learned = [Scored("a", 0.95, 0.8, 0.9, q2q=0.93), Scored("b", 0.5, 0.4, 0.8, q2q=0.81)]
    row = cm.features(learned, ["x"], set(), 0.7)
    assert row[F.index("phrasing")] == pytest.approx(0.93)
    assert row[F.index("phrasing_margin")] == pytest.approx(0.12)
