from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nlu.calibration import choose_threshold, holdout_split
from nlu.evaluation import is_correct, macro_f1, score
from nlu.result import ParseResult


def test_oos_gold_is_right_when_parse_falls_back() -> None:
    assert is_correct("oos", "nlu_fallback")
    assert is_correct("out_of_scope", "out_of_scope")
    assert is_correct("out_of_scope", "oos")
    assert not is_correct("oos", "greet")
    assert not is_correct("greet", "nlu_fallback")


def test_score_report() -> None:
    gold = ["a", "a", "b", "oos", "oos"]
    pred = ["a", "b", "b", "nlu_fallback", "a"]
    report = score(gold, pred, [1.0, 2.0, 3.0, 4.0, 5.0], 1.5)
    assert report.n == 5
    assert report.accuracy == pytest.approx(3 / 5)
    assert report.in_scope_accuracy == pytest.approx(2 / 3)
    assert report.oos_recall == pytest.approx(1 / 2)
    assert report.p50_ms == 3.0
    assert set(report.to_dict()) == {
        "n",
        "accuracy",
        "macro_f1",
        "in_scope_accuracy",
        "oos_recall",
        "p50_ms",
        "train_s",
    }


def test_macro_f1_perfect_and_wrong() -> None:
    assert macro_f1(["a", "b"], ["a", "b"]) == 1.0
    assert macro_f1(["a", "b"], ["b", "a"]) == 0.0


def test_threshold_with_oos_examples_separates_them() -> None:
    conf = np.array([0.9, 0.8, 0.85, 0.95, 0.2, 0.3, 0.25, 0.1, 0.15])
    gold = ["a", "b", "a", "b", "oos", "oos", "oos", "oos", "oos"]
    pred = ["a", "b", "a", "b", "a", "b", "a", "b", "a"]
    t = choose_threshold(conf, pred, gold)
    assert 0.3 < t <= 0.8


def test_threshold_without_oos_rejects_a_small_quantile() -> None:
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.5, 1.0, 1000)
    t = choose_threshold(conf, ["a"] * 1000, ["a"] * 1000, target_in_scope_rejection=0.02)
    assert np.mean(conf < t) == pytest.approx(0.02, abs=0.005)


def test_holdout_split_is_per_intent_and_disjoint() -> None:
    labels = ["a"] * 10 + ["b"] * 5 + ["c"] * 2
    train, held = holdout_split(labels, 0.2)
    assert set(train).isdisjoint(held)
    assert sorted([*train, *held]) == list(range(len(labels)))
    held_labels = [labels[i] for i in held]
    assert held_labels.count("a") == 2 and held_labels.count("b") == 1 and "c" not in held_labels


def test_parse_result_shape_round_trip() -> None:
    rasa: dict[str, Any] = {
        "text": "HD-1234 срочно",
        "intent": {"name": "check_status", "confidence": 0.91},
        "entities": [
            {
                "entity": "ticket_number",
                "start": 0,
                "end": 7,
                "value": "HD-1234",
                "extractor": "RegexEntityExtractor",
            },
            {
                "entity": "urgency",
                "start": 8,
                "end": 14,
                "value": "high",
                "extractor": "DIETClassifier",
                "confidence_entity": 0.8,
                "role": "r",
                "group": "g",
            },
        ],
        "intent_ranking": [
            {"name": "check_status", "confidence": 0.91},
            {"name": "greet", "confidence": 0.09},
        ],
    }
    out = ParseResult.from_dict(rasa).to_dict()
    assert set(out) == {"text", "intent", "entities", "intent_ranking"}
    assert out["intent"] == rasa["intent"]
    assert out["intent_ranking"] == rasa["intent_ranking"]
    assert out["entities"][0] == {**rasa["entities"][0], "confidence_entity": 1.0}
    assert out["entities"][1] == rasa["entities"][1]
