"""`auto` features: which encoders and TF-IDF weight a data set gets."""

from __future__ import annotations

from nlu.features import (
    AUTO,
    DEFAULT_TFIDF_WEIGHT,
    ENGLISH_ENCODERS,
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
