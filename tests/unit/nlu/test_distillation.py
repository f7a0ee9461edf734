"""Distillation (#22): the first stage learns the full model's answers on variants of the training messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nlu
from nlu.augment import augment
from nlu.features import FeatureConfig, Featurizer
from nlu.model import EmbeddedModel
from nlu.trainer import TrainConfig
from tests.unit.nlu.test_cascade import FakeEncoder, data_file, encoder  # noqa: F401 (fixtures)

EXAMPLES = [
    ("my printer does not print anything at all", "report_problem"),
    ("the boiler is broken and makes a loud noise", "report_problem"),
    ("why can't I log in to the portal", "report_problem"),
    ("how do I reset the router in the office", "ask_question"),
    ("where can I find the manual for the boiler", "ask_question"),
    ("hi", "greet"),
]


def test_variants_are_new_texts_made_from_training_examples_of_the_same_intent() -> None:
    variants = augment(EXAMPLES, per_example=4, seed=0)
    assert variants == augment(EXAMPLES, per_example=4, seed=0)  # the same data and seed, the same variants
    assert variants != augment(EXAMPLES, per_example=4, seed=1)
    texts = [t for t, _ in variants]
    assert len(texts) == len(set(t.lower() for t in texts))
    assert not {t.lower() for t in texts} & {t.lower() for t, _ in EXAMPLES}
    # Up to four per example; a one-word message can only be said another way ("hi" -> "hello").
    per_source = np.bincount([i for _, i in variants], minlength=len(EXAMPLES))
    assert per_source.max() <= 4 and per_source[:5].min() >= 3
    assert [t for t, i in variants if i == 5] == ["hello"]
    for text, i in variants:
        source_words = set(EXAMPLES[i][0].lower().split())
        same_intent = set().union(
            *(set(t.lower().split()) for t, intent in EXAMPLES if intent == EXAMPLES[i][1])
        )
        # Most words of a variant come from its example, or (recombined) from another of its intent.
        words = text.lower().split()
        assert sum(w in source_words or w in same_intent for w in words) >= len(words) - 2, (text, i)
    assert augment([], 4) == [] and augment(EXAMPLES, per_example=0) == []


def test_the_first_stage_learns_the_full_model_s_answers_on_the_variants_of_its_examples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nlu.classifier import LinearIntentClassifier
    from nlu.trainer import _fit_first_stage, _Variants

    texts = [t for t, _ in EXAMPLES]
    labels = [intent for _, intent in EXAMPLES]
    featurizer = Featurizer(FeatureConfig(encoders=()))
    featurizer.fit(texts)
    made = augment(EXAMPLES, per_example=4, seed=0)
    variants = _Variants([t for t, _ in made], np.array([i for _, i in made]), np.zeros((len(made), 0)))
    # A teacher that says "greet" to anything, more surely the longer the message: its answers, not the
    # intents of the examples a variant came from, are what the first stage must learn.
    names = sorted(set(labels))
    teacher = LinearIntentClassifier(
        names, np.zeros((featurizer.tfidf(["x"]).shape[1], len(names))), np.zeros(3)
    )
    monkeypatch.setattr(
        teacher,
        "scores",
        lambda x: np.hstack(
            [np.zeros((x.shape[0], 1)), np.asarray(x.getnnz(axis=1))[:, None], np.zeros((x.shape[0], 1))]
        ),
    )
    seen: list[tuple[list[str], np.ndarray]] = []
    real_fit = LinearIntentClassifier.fit

    def spy(
        features: object, y: list[str], c: float = 1.0, sample_weight: np.ndarray | None = None
    ) -> object:
        assert sample_weight is not None
        seen.append((list(y), sample_weight))
        return real_fit(features, y, c=c, sample_weight=sample_weight)  # type: ignore[arg-type]

    monkeypatch.setattr(LinearIntentClassifier, "fit", spy)
    config = TrainConfig(distil_weight=0.25)
    first_two = np.array([0, 1])  # a held-out round: the variants of the other examples stay out
    _fit_first_stage(
        featurizer, teacher, texts[:2], np.zeros((2, 0)), featurizer.tfidf(texts[:2]), labels[:2],
        variants, first_two, config,
    )  # fmt: skip
    y, weight = seen[-1]
    from_first_two = sum(1 for _, i in made if i in (0, 1))
    assert y[:2] == labels[:2] and weight[:2].tolist() == [1.0, 1.0]
    # The surer half of those variants, each labelled with the teacher's answer at the variant weight.
    assert len(y) - 2 == from_first_two // 2
    assert set(y[2:]) == {"greet"} and set(weight[2:].tolist()) == {0.25}


def test_variants_are_embedded_only_when_there_is_a_first_stage_to_teach(
    encoder: FakeEncoder,  # noqa: F811
    data_file: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    n = len(nlu.load_training_data(data_file).examples)
    encoder.calls.clear()
    off = TrainConfig(features=FeatureConfig(encoders=("minilm",)), cascade=False)
    model = nlu.train(data_file, tmp_path / "off", off)
    assert model.meta["distil_variants"] == 0
    assert sum(len(c) for c in encoder.calls) == n  # the examples only


@pytest.mark.parametrize("variants", [0, 2])
def test_a_distilled_model_parses_the_same_after_save_and_load(
    encoder: FakeEncoder,  # noqa: F811
    data_file: Path,  # noqa: F811
    tmp_path: Path,
    variants: int,
) -> None:
    config = TrainConfig(features=FeatureConfig(encoders=("minilm",)), distil_variants=variants)
    model = nlu.train(data_file, tmp_path / "m", config)
    loaded = EmbeddedModel.load(tmp_path / "m")
    for text in ["the boiler is broken", "hello", "zzzz", "how do I reset the router"]:
        assert loaded.parse(text).to_dict() == model.parse(text).to_dict()


def test_by_default_only_an_mpnet_second_stage_is_distilled(
    encoder: FakeEncoder,  # noqa: F811
    data_file: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    e5 = nlu.train(data_file, tmp_path / "e5", TrainConfig(features=FeatureConfig(encoders=("e5",))))
    mpnet = nlu.train(data_file, tmp_path / "mpnet", TrainConfig(features=FeatureConfig(encoders=("mpnet",))))
    assert e5.cascade is not None and mpnet.cascade is not None
    assert e5.meta["distil_variants"] == 0
    assert mpnet.meta["distil_variants"] > len(nlu.load_training_data(data_file).examples)
