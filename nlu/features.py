"""Message features: sentence embeddings from one or more encoders plus TF-IDF word and character n-grams."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.encoders import Encoder, get_encoder
from nlu.onnx_encoder import OnnxSentenceEncoder

_Analyzer = Callable[[str], list[str]]

AUTO = "auto"
# `auto`, measured on our stratified 80/20 splits (docs/nlu.md has the table). Each set starts with USE, which
# is cheap enough for the cascade's first stage; the transformers see only the messages it is unsure of.
# Banking77 full: USE + MiniLM + mpnet + TF-IDF 0.940 (full model), MiniLM + TF-IDF 0.933; 10 per intent
# 0.853 against 0.831. nlu/data/nlu.yml (Russian + English): USE + e5 + TF-IDF 0.944 against 0.894 for
# e5 + TF-IDF, and the first stage answers ~89 % of messages alone.
# MiniLM runs int8 (per-channel dynamic quantization on ONNX Runtime, `minilm-int8`): about half the float CPU
# a message in the first stage, which every message pays. On the Banking77 10-per-intent bench test (539
# messages) the cascade scores 0.8534 against 0.8571 and its first stage answers 82 % instead of 80 % (#22).
# mpnet runs `mpnet-mixed` (RECIPE 7): int8 but for the five feed-forward output projections that quantization
# bends most, at a cosine of ~0.99 with float mpnet (`mpnet-int8`, all int8: ~0.91). mpnet was ~65 % of a parse's
# CPU on Banking77 with 10 per intent (37 ms a message on the 16 % that reach it); mixed costs about a third of
# that, and the parse 30-37 % less CPU. Accuracy, bench test / 539 dev messages: float 0.8571 / 0.8646, mixed
# 0.8479 / 0.8646, all int8 0.8442 / 0.8590.
ENGLISH_ENCODERS = ("use", "minilm-int8", "mpnet-mixed")
# Earlier English recipes: models trained with them still parse with them. Float MiniLM until Dec 6, 2026;
# float mpnet until Dec 7 (RECIPE 6).
FLOAT_ENGLISH_ENCODERS = ("use", "minilm", "mpnet")
FLOAT_MPNET_ENGLISH_ENCODERS = ("use", "minilm-int8", "mpnet")
INT8_ENGLISH_ENCODERS = ("use", "minilm-int8", "mpnet-int8")
MULTILINGUAL_ENCODERS = ("use", "e5")
# The TF-IDF weight each set was best with: against three embeddings TF-IDF should weigh less (Banking77 full
# 0.9404 at 0.3 against 0.9364 at 0.5 with the cascade; 10 per intent 0.851 against 0.848), against two it
# should not (nlu.yml 0.944 at 0.5, 0.930 at 0.3).
RECIPE_TFIDF_WEIGHT = {
    ENGLISH_ENCODERS: 0.3,
    FLOAT_ENGLISH_ENCODERS: 0.3,
    INT8_ENGLISH_ENCODERS: 0.3,
    FLOAT_MPNET_ENGLISH_ENCODERS: 0.3,
    MULTILINGUAL_ENCODERS: 0.5,
}
DEFAULT_TFIDF_WEIGHT = 0.5
# Encoders cheap enough to run on every message, so the cascade's first stage may use them next to TF-IDF.
CHEAP_ENCODERS = frozenset({"use"})
# The first stage of a recipe, where it is more than CHEAP_ENCODERS. English: MiniLM on ONNX Runtime costs
# about as much as USE, and with it the first stage answers more messages alone at no held-out loss
# (Banking77 with 10 per intent: 67 % instead of 60 % of the test messages, accuracy 0.852 against 0.850),
# so only a third of them pay for mpnet.
RECIPE_FIRST_STAGE: dict[tuple[str, ...], tuple[str, ...]] = {
    ENGLISH_ENCODERS: ("use", "minilm-int8"),
    FLOAT_ENGLISH_ENCODERS: ("use", "minilm"),
    INT8_ENGLISH_ENCODERS: ("use", "minilm-int8"),
    FLOAT_MPNET_ENGLISH_ENCODERS: ("use", "minilm-int8"),
}
CYRILLIC_SHARE = 0.1


def resolve_encoders(encoders: tuple[str, ...], texts: list[str]) -> tuple[str, ...]:
    """Replace `auto` by the English set, or by the multilingual one when over 10 % of texts are Cyrillic."""
    if encoders != (AUTO,):
        return encoders
    cyrillic = sum(1 for t in texts if any("\u0400" <= ch <= "\u04ff" for ch in t))
    return MULTILINGUAL_ENCODERS if texts and cyrillic / len(texts) > CYRILLIC_SHARE else ENGLISH_ENCODERS


def resolve_features(config: FeatureConfig, texts: list[str]) -> FeatureConfig:
    """The config with `auto` encoders chosen for the texts, and the TF-IDF weight when it was left open."""
    encoders = resolve_encoders(tuple(config.encoders), texts)
    first = config.first_stage if config.first_stage is not None else RECIPE_FIRST_STAGE.get(encoders)
    return replace(
        config,
        encoders=encoders,
        tfidf_weight=_tfidf_weight(config.tfidf_weight, encoders),
        first_stage=first,
    )


def _tfidf_weight(weight: float | None, encoders: tuple[str, ...]) -> float:
    return RECIPE_TFIDF_WEIGHT.get(encoders, DEFAULT_TFIDF_WEIGHT) if weight is None else weight


@dataclass(slots=True)
class FeatureConfig:
    """Which features to use and how much each block weighs against the unit-length embeddings."""

    encoders: tuple[str, ...] = (AUTO,)
    tfidf: bool = True
    # None: the weight measured best for the encoder set (RECIPE_TFIDF_WEIGHT), else DEFAULT_TFIDF_WEIGHT.
    tfidf_weight: float | None = None
    max_tfidf_features: int = 40000
    # The encoders the cascade's first stage uses; None: the configured ones in CHEAP_ENCODERS.
    first_stage: tuple[str, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _word_vectorizer(max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True, max_features=max_features)


def tfidf_row(vectorizer: TfidfVectorizer, analyzer: _Analyzer, text: str) -> tuple[list[int], list[float]]:
    """One row of `vectorizer.transform` (sublinear tf x idf, L2-normalised) as sorted columns and values.

    sklearn's transform validates and converts its input on every call, which costs about a millisecond for
    one message: more than the cascade's whole first stage. This is the same arithmetic on a dict.
    """
    vocab, idf = vectorizer.vocabulary_, vectorizer.idf_
    counts: dict[int, int] = {}
    for gram in analyzer(text):
        j = vocab.get(gram)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    cols = sorted(counts)
    values = [(1.0 + math.log(counts[j])) * float(idf[j]) for j in cols]
    norm = math.sqrt(sum(v * v for v in values))
    return cols, [v / norm for v in values]


def _char_vectorizer(max_features: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        lowercase=True,
        min_df=2,
        max_features=max_features,
    )


def _encode(encoder: Encoder, texts: list[str], cores: int) -> np.ndarray:
    if cores > 1 and isinstance(encoder, OnnxSentenceEncoder):
        return encoder.encode(texts, cores)
    return encoder.encode(texts)


class Featurizer:
    """Fits TF-IDF on the training texts and turns texts into one sparse feature row each."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self.tfidf_weight = _tfidf_weight(config.tfidf_weight, tuple(config.encoders))
        self.word: TfidfVectorizer | None = None
        self.char: TfidfVectorizer | None = None
        self._analyzers: list[tuple[TfidfVectorizer, _Analyzer]] | None = None

    @property
    def cheap_encoders(self) -> tuple[str, ...]:
        """The configured encoders that cost well under a millisecond a message (the first stage's)."""
        first = CHEAP_ENCODERS if self.config.first_stage is None else self.config.first_stage
        return tuple(n for n in self.config.encoders if n in first)

    @property
    def costly_encoders(self) -> tuple[str, ...]:
        """The configured transformer encoders, which only the messages the first stage is unsure of meet."""
        cheap = self.cheap_encoders
        return tuple(n for n in self.config.encoders if n not in cheap)

    def embed(self, texts: list[str], names: tuple[str, ...] | None = None, cores: int = 1) -> np.ndarray:
        """Concatenated sentence embeddings: cheap encoders' columns first, then the costly ones'.

        Args:
            texts: the messages.
            names: embed with these encoders only (in this order); all configured ones when None.
            cores: how many cores a parse batch's pass of an ONNX Runtime encoder may use (1 unless the
                backend has idle ones); the others run on the calling thread.
        """
        names = (*self.cheap_encoders, *self.costly_encoders) if names is None else names
        blocks = [_encode(get_encoder(name), texts, cores) for name in names]
        if not blocks:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return np.hstack(blocks)

    @property
    def cheap_width(self) -> int:
        """How many leading columns of `embed`'s output the cheap encoders fill."""
        return sum(get_encoder(name).dim for name in self.cheap_encoders)

    def fit(self, texts: list[str]) -> None:
        """Learn the TF-IDF vocabularies from the training texts."""
        self._analyzers = None
        if not self.config.tfidf:
            return
        self.word = _word_vectorizer(self.config.max_tfidf_features)
        self.char = _char_vectorizer(self.config.max_tfidf_features)
        self.word.fit(texts)
        try:
            self.char.fit(texts)
        except ValueError:
            # Tiny data sets may have no char n-gram seen twice; then words alone carry TF-IDF.
            self.char = None

    @property
    def has_tfidf(self) -> bool:
        """True when at least one TF-IDF block was fitted."""
        return self.word is not None or self.char is not None

    def tfidf(self, texts: list[str]) -> sp.csr_matrix:
        """The weighted TF-IDF word and char blocks side by side (no embeddings); cheap, no encoder."""
        if self._analyzers is None:
            self._analyzers = [(v, v.build_analyzer()) for v in (self.word, self.char) if v is not None]
        weight = self.tfidf_weight
        width = sum(len(vec.vocabulary_) for vec, _ in self._analyzers)
        indptr: list[int] = [0]
        indices: list[int] = []
        values: list[float] = []
        for text in texts:
            offset = 0
            for vec, analyzer in self._analyzers:
                cols, vals = tfidf_row(vec, analyzer, text)
                indices.extend(c + offset for c in cols)
                values.extend(v * weight for v in vals)
                offset += len(vec.vocabulary_)
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.array(values, dtype=np.float32), np.array(indices, dtype=np.int32), np.array(indptr)),
            shape=(len(texts), width),
        )

    def combine(
        self, texts: list[str], embeddings: np.ndarray, tfidf: sp.csr_matrix | None = None
    ) -> sp.csr_matrix:
        """Join precomputed embeddings with TF-IDF rows for the same texts (computed unless given)."""
        rows = self.tfidf(texts) if tfidf is None else tfidf
        return sp.hstack([sp.csr_matrix(embeddings), rows], format="csr", dtype=np.float32)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """Features for texts (embeds them)."""
        return self.combine(texts, self.embed(texts))

    def save(self, folder: Path) -> None:
        """Write the config and TF-IDF vocabularies as JSON and .npy (no pickles)."""
        state: dict[str, Any] = {
            "encoders": list(self.config.encoders),
            "tfidf": self.config.tfidf,
            "tfidf_weight": self.tfidf_weight,
            "max_tfidf_features": self.config.max_tfidf_features,
            "first_stage": list(self.cheap_encoders),
            "vocab": {},
        }
        for name, vec in (("word", self.word), ("char", self.char)):
            if vec is not None:
                state["vocab"][name] = {k: int(v) for k, v in vec.vocabulary_.items()}
                np.save(folder / f"tfidf_{name}_idf.npy", vec.idf_.astype(np.float64))
        (folder / "features.json").write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Featurizer:
        """Read a featurizer written by `save`."""
        state = json.loads((folder / "features.json").read_text(encoding="utf-8"))
        config = FeatureConfig(
            encoders=tuple(state["encoders"]),
            tfidf=bool(state["tfidf"]),
            tfidf_weight=float(state["tfidf_weight"]),
            max_tfidf_features=int(state["max_tfidf_features"]),
            # Models written before the first stage was saved used CHEAP_ENCODERS.
            first_stage=tuple(state["first_stage"]) if "first_stage" in state else None,
        )
        feat = cls(config)
        for name, factory in (("word", _word_vectorizer), ("char", _char_vectorizer)):
            vocab = state["vocab"].get(name)
            if vocab is None:
                continue
            vec = factory(config.max_tfidf_features)
            vec.vocabulary_ = vocab
            vec.idf_ = np.load(folder / f"tfidf_{name}_idf.npy")
            setattr(feat, name, vec)
        return feat
