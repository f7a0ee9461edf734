"""`auto` features: which encoders and TF-IDF weight a data set gets."""

from __future__ import annotations

import json
from pathlib import Path

from nlu.features import (
    AUTO,
    DEFAULT_TFIDF_WEIGHT,
    ENGLISH_ENCODERS,
    FLOAT_ENGLISH_ENCODERS,
    FLOAT_MPNET_ENGLISH_ENCODERS,
    MULTILINGUAL_ENCODERS,
    FeatureConfig,
    Featurizer,
    resolve_features,
)

ENGLISH = ["my card was declined", "how do I reset my PIN", "where is my refund"] * 4
MIXED = [*ENGLISH, "принтер не печатает", "кондиционер течёт"]


def test_auto_picks_the_set_for_the_language_and_its_weight() -> None:
    english = resolve_features(FeatureConfig(), ENGLISH)
    assert english.encoders == ENGLISH_ENCODERS and english.encoders[0] == "use"
    assert english.tfidf_weight == 0.3
    mixed = resolve_features(FeatureConfig(encoders=(AUTO,)), MIXED)
    assert mixed.encoders == MULTILINGUAL_ENCODERS
    assert mixed.tfidf_weight == 0.5


def test_explicit_choices_are_kept() -> None:
    chosen = resolve_features(FeatureConfig(encoders=("minilm",)), MIXED)
    assert chosen.encoders == ("minilm",) and chosen.tfidf_weight == DEFAULT_TFIDF_WEIGHT
    weighted = resolve_features(FeatureConfig(tfidf_weight=0.9), ENGLISH)
    assert weighted.encoders == ENGLISH_ENCODERS and weighted.tfidf_weight == 0.9


def test_a_featurizer_made_from_an_open_config_weighs_tfidf_as_its_recipe() -> None:
    assert Featurizer(FeatureConfig(encoders=ENGLISH_ENCODERS)).tfidf_weight == 0.3
    assert Featurizer(FeatureConfig(encoders=())).tfidf_weight == DEFAULT_TFIDF_WEIGHT


def test_english_auto_runs_int8_minilm_first_and_leaves_mixed_mpnet_for_the_rest() -> None:
    english = resolve_features(FeatureConfig(), ENGLISH)
    featurizer = Featurizer(english)
    assert featurizer.cheap_encoders == ("use", "minilm-int8")
    assert featurizer.costly_encoders == ("mpnet-mixed",)  # RECIPE 7 (#22)
    # The recipes of older models keep their own first stage and TF-IDF weight.
    old = resolve_features(FeatureConfig(encoders=FLOAT_ENGLISH_ENCODERS), ENGLISH)
    assert Featurizer(old).cheap_encoders == ("use", "minilm") and old.tfidf_weight == 0.3
    recipe6 = resolve_features(FeatureConfig(encoders=FLOAT_MPNET_ENGLISH_ENCODERS), ENGLISH)
    assert Featurizer(recipe6).cheap_encoders == ("use", "minilm-int8") and recipe6.tfidf_weight == 0.3
    assert Featurizer(recipe6).costly_encoders == ("mpnet",)
    # Other sets keep the cheap encoders only (e5 is a costly one).
    mixed = Featurizer(resolve_features(FeatureConfig(), MIXED))
    assert mixed.cheap_encoders == ("use",) and mixed.costly_encoders == ("e5",)
    # Chosen by hand, MiniLM stays a costly encoder unless the first stage is named.
    assert Featurizer(FeatureConfig(encoders=("use", "minilm"))).costly_encoders == ("minilm",)
    named = FeatureConfig(encoders=("use", "minilm", "mpnet"), first_stage=("use", "minilm"))
    assert Featurizer(named).costly_encoders == ("mpnet",)


def test_the_first_stage_is_saved_and_an_older_model_without_it_keeps_the_cheap_encoders(
    tmp_path: Path,
) -> None:
    featurizer = Featurizer(resolve_features(FeatureConfig(), ENGLISH))
    featurizer.fit(ENGLISH)
    featurizer.save(tmp_path)
    assert Featurizer.load(tmp_path).cheap_encoders == ("use", "minilm-int8")
    state = json.loads((tmp_path / "features.json").read_text(encoding="utf-8"))
    del state["first_stage"]
    (tmp_path / "features.json").write_text(json.dumps(state), encoding="utf-8")
    assert Featurizer.load(tmp_path).cheap_encoders == ("use",)
