"""The cascade: a first stage (TF-IDF and cheap encoders) answers sure messages; costly encoders see the rest."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import nlu
import nlu.features
from nlu.cascade import MIN_THRESHOLD, choose_cascade_threshold, correct_answers, has_evidence
from nlu.features import FeatureConfig, Featurizer
from nlu.model import EmbeddedModel
from nlu.trainer import TrainConfig
from tests.unit.nlu.test_model import nlu_yaml


class FakeEncoder:
    """Bag-of-words hashing into 32 dimensions: deterministic, no model to load; counts its calls."""

    name = "minilm"
    dim = 32

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture()
def encoder(monkeypatch: pytest.MonkeyPatch) -> FakeEncoder:
    fake = FakeEncoder()
    monkeypatch.setattr(nlu.features, "get_encoder", lambda name: fake)
    return fake


@pytest.fixture()
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(nlu_yaml(), encoding="utf-8")
    return path


CONFIG = TrainConfig(features=FeatureConfig(encoders=("minilm",)))


def test_fast_tfidf_rows_equal_sklearn_transform() -> None:
    texts = ["the printer is broken", "how do I reset the router", "hello there", "printer printer router"]
    feat = Featurizer(FeatureConfig(encoders=(), tfidf_weight=0.5))
    feat.fit(texts)
    assert feat.word is not None and feat.char is not None
    probe = [*texts, "", "!!!", "zzzz qqqq", "Printer, BROKEN; hello"]
    expected = sp.hstack([feat.word.transform(probe), feat.char.transform(probe)]).tocsr() * 0.5
    got = feat.tfidf(probe)
    assert got.shape == expected.shape
    assert abs(got - expected).max() < 1e-6
    assert got[4].nnz == 0  # the empty message has no features and no division by zero


def test_threshold_stops_at_the_first_extra_error_from_the_top() -> None:
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.4])
    first = np.array([1, 1, 1, 0, 1, 1, 1], dtype=bool)
    full = np.ones(7, dtype=bool)
    # No error allowed: the 0.8 mistake stops the descent, although 0.7 and 0.6 are right again.
    assert choose_cascade_threshold(conf, first, full, max_cost=0.0) == 0.9
    # One error in seven allowed: down to 0.6, never below MIN_THRESHOLD (0.4 stays with the encoder).
    assert choose_cascade_threshold(conf, first, full, max_cost=0.15) == 0.6
    assert MIN_THRESHOLD > 0.4


def test_threshold_keeps_ties_together_and_credits_first_stage_wins() -> None:
    tie = np.array([0.9, 0.9, 0.8])
    assert choose_cascade_threshold(tie, np.array([1, 0, 1], bool), np.ones(3, bool), 0.0) is None
    # Where the first stage is right and the full model wrong, it pays for a later mistake.
    conf = np.array([0.95, 0.9, 0.85])
    first = np.array([1, 0, 1], bool)
    full = np.array([0, 1, 1], bool)
    assert choose_cascade_threshold(conf, first, full, 0.0) == 0.85
    assert choose_cascade_threshold(np.array([]), np.array([], bool), np.array([], bool), 0.1) is None


def test_correct_answers_treat_fallback_as_out_of_scope() -> None:
    got = correct_answers(["greet", "nlu_fallback", "oos", "greet"], ["greet", "out_of_scope", "oos", "oos"])
    assert got.tolist() == [True, True, True, False]


def test_sure_messages_skip_the_encoder_and_results_survive_save_and_load(
    encoder: FakeEncoder, data_file: Path, tmp_path: Path
) -> None:
    model = nlu.train(data_file, tmp_path / "m", CONFIG)
    assert model.cascade is not None, "regular data: the TF-IDF stage should be sure of most messages"
    assert MIN_THRESHOLD <= model.cascade.threshold < 1.0
    assert 0 < model.meta["cascade_coverage"] <= 1
    assert model.cascade.classifier.labels == model.classifier.labels

    encoder.calls.clear()
    sure = model.parse("the boiler is broken")
    assert sure.intent.name == "report_problem"
    assert encoder.calls == []  # answered by the first stage alone

    odd = "zzzz"  # no word or n-gram of the training data: the first stage has no evidence to answer on
    odd_row = model.featurizer.tfidf([odd])
    assert not has_evidence(odd_row)[0]
    _, is_sure = model.cascade.sure(np.zeros((1, 0), np.float32), odd_row, has_evidence(odd_row))
    assert not is_sure[0]
    model.parse(odd)
    assert encoder.calls == [[odd]]  # only the unsure message is embedded

    encoder.calls.clear()
    batch = ["hello", odd, "how do I reset the router"]
    assert [r.intent.name for r in model.parse_many(batch)][::2] == ["greet", "ask_question"]
    assert encoder.calls == [[odd]]

    loaded = EmbeddedModel.load(tmp_path / "m")
    assert loaded.cascade is not None and loaded.cascade.threshold == model.cascade.threshold
    for text in [*batch, "the AC is broken, see HD-1234"]:
        assert loaded.parse(text).to_dict() == model.parse(text).to_dict()


def test_cascade_can_be_switched_off_and_needs_an_encoder(
    encoder: FakeEncoder, data_file: Path, tmp_path: Path
) -> None:
    off = TrainConfig(features=FeatureConfig(encoders=("minilm",)), cascade=False)
    model = nlu.train(data_file, tmp_path / "off", off)
    assert model.cascade is None and model.meta["cascade_coverage"] is None
    encoder.calls.clear()
    model.parse("hello")
    assert encoder.calls == [["hello"]]
    # TF-IDF alone: the whole model is as cheap as a first stage, so there is none.
    tfidf_only = TrainConfig(features=FeatureConfig(encoders=()))
    assert nlu.train(data_file, tmp_path / "tfidf", tfidf_only).cascade is None


def test_e5_threads_do_not_change_the_vectors(tmp_path: Path) -> None:
    from nlu.encoders import SMALL_BATCH, _openmp_thread_setter, get_encoder

    assert _openmp_thread_setter(tmp_path) is None  # no bundled OpenMP: encoders keep the default
    e5 = get_encoder("e5")
    texts = ["принтер не печатает", "my printer is broken"] * (SMALL_BATCH // 2 + 1)
    assert len(texts) > SMALL_BATCH  # all cores for a training-size batch, one thread for each message
    batch = e5.encode(texts)
    singles = np.vstack([e5.encode([t]) for t in texts[:2]])
    assert np.allclose(batch[:2], singles, atol=1e-4)


def test_bench_reports_the_share_the_first_stage_answers(
    encoder: FakeEncoder, data_file: Path, tmp_path: Path
) -> None:
    from benchmarks.nlu import _cascade_share

    model = nlu.train(data_file, tmp_path / "m", CONFIG)
    assert model.cascade is not None
    texts = ["hello", "the boiler is broken", "zzzz", "?"]
    encoder.calls.clear()
    model.parse_many(texts)
    embedded = len(encoder.calls[0]) if encoder.calls else 0
    assert _cascade_share(model, texts) == pytest.approx(1 - embedded / len(texts))
    assert 0 < _cascade_share(model, texts) < 1
    model.cascade = None
    assert _cascade_share(model, texts) == 0.0


def test_cheap_encoders_join_the_first_stage_and_costly_ones_see_only_the_rest(
    monkeypatch: pytest.MonkeyPatch, data_file: Path, tmp_path: Path
) -> None:
    cheap, costly = FakeEncoder(), FakeEncoder()
    cheap.name, cheap.dim = "use", 16
    monkeypatch.setattr(nlu.features, "get_encoder", lambda name: cheap if name == "use" else costly)
    # Configured costly-first: the featurizer still puts the cheap encoder's columns first.
    model = nlu.train(
        data_file, tmp_path / "m", TrainConfig(features=FeatureConfig(encoders=("minilm", "use")))
    )
    assert model.featurizer.cheap_encoders == ("use",)
    assert model.featurizer.costly_encoders == ("minilm",)
    assert model.cascade is not None
    tfidf_width = model.featurizer.tfidf(["x"]).shape[1]
    assert model.cascade.classifier.weights.shape[0] == 16 + tfidf_width
    assert model.classifier.weights.shape[0] == 16 + 32 + tfidf_width

    candidates = ["hello", "the boiler is broken", "qwzx vvvv plmk", "zzzz", "boiler hello router", "?"]
    rows = model.featurizer.tfidf(candidates)
    _, sure = model.cascade.sure(cheap.encode(candidates), rows, has_evidence(rows))
    unsure = [t for t, s in zip(candidates, sure, strict=True) if not s]
    assert unsure and sure.any(), "the data should give both kinds of message"
    batch = ["hello", unsure[0], "the boiler is broken"]
    cheap.calls.clear()
    costly.calls.clear()
    results = model.parse_many(batch)
    assert cheap.calls == [batch]  # every message meets the cheap encoder once
    assert costly.calls == [[unsure[0]]]  # only the unsure one meets the costly encoder
    assert [results[0].intent.name, results[2].intent.name] == ["greet", "report_problem"]
    assert model.first_stage_share(candidates) == pytest.approx(float(sure.mean()))

    loaded = EmbeddedModel.load(tmp_path / "m")
    assert loaded.featurizer.cheap_encoders == ("use",)
    for text in [*batch, "the AC is broken, see HD-1234"]:
        assert loaded.parse(text).to_dict() == model.parse(text).to_dict()


def test_a_model_of_cheap_encoders_only_has_no_first_stage(
    monkeypatch: pytest.MonkeyPatch, data_file: Path, tmp_path: Path
) -> None:
    cheap = FakeEncoder()
    cheap.name = "use"
    monkeypatch.setattr(nlu.features, "get_encoder", lambda name: cheap)
    model = nlu.train(data_file, tmp_path / "m", TrainConfig(features=FeatureConfig(encoders=("use",))))
    assert model.cascade is None  # nothing costly to save: the whole model is as cheap as a first stage
    cheap.calls.clear()
    assert model.parse("the boiler is broken").intent.name == "report_problem"
    assert cheap.calls == [["the boiler is broken"]]


def test_a_message_without_known_ngrams_is_never_the_first_stage_s(
    encoder: FakeEncoder, data_file: Path, tmp_path: Path
) -> None:
    model = nlu.train(data_file, tmp_path / "m", CONFIG)
    assert model.cascade is not None
    rows = model.featurizer.tfidf(["zzzz", "the boiler is broken"])
    assert has_evidence(rows).tolist() == [False, True]
    # Even a first stage that would trust its biases alone leaves such a message to the full model.
    model.cascade.threshold = 0.0
    _, sure = model.cascade.sure(np.zeros((2, 0), np.float32), rows, has_evidence(rows))
    assert sure.tolist() == [False, True]
    encoder.calls.clear()
    model.parse("zzzz")
    assert encoder.calls == [["zzzz"]]


def test_the_profile_times_every_stage_and_the_costly_one_on_the_messages_that_reach_it(
    monkeypatch: pytest.MonkeyPatch, data_file: Path, tmp_path: Path
) -> None:
    import benchmarks.nlu_profile
    from benchmarks.nlu_profile import stage_times

    cheap, costly = FakeEncoder(), FakeEncoder()
    cheap.name, cheap.dim = "use", 16
    pick = lambda name: cheap if name == "use" else costly  # noqa: E731
    monkeypatch.setattr(nlu.features, "get_encoder", pick)
    monkeypatch.setattr(benchmarks.nlu_profile, "get_encoder", pick)
    model = nlu.train(
        data_file, tmp_path / "m", TrainConfig(features=FeatureConfig(encoders=("use", "minilm")))
    )
    texts = ["hello", "the boiler is broken", "qwzx vvvv plmk", "zzzz", "boiler hello router", "?"]
    costly.calls.clear()
    profile = stage_times(model, texts)
    stages = profile["stage_ms"]
    assert set(stages) == {"tfidf", "use", "first_stage_classifier", "minilm", "full_classifier", "entities"}
    assert all(v >= 0 for v in stages.values())
    share = 1 - model.first_stage_share(texts)
    assert profile["second_stage_share"] == pytest.approx(share, abs=1e-4)
    # The costly encoder was timed one message at a time on exactly the messages the first stage passes on.
    assert [c for c in costly.calls if len(c) == 1] and all(len(c) == 1 for c in costly.calls)
    assert len(costly.calls) == round(share * len(texts))
    expected = stages["tfidf"] + stages["use"] + stages["first_stage_classifier"] + stages["entities"]
    expected += share * (stages["minilm"] + stages["full_classifier"])
    assert profile["per_parse_ms"] == pytest.approx(expected, abs=0.01)
