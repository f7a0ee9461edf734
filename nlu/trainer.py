"""Train the embedded model from Rasa training data and write it to a folder."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from nlu.calibration import choose_threshold, holdout_split
from nlu.classifier import LinearIntentClassifier
from nlu.entities import EntityExtractor
from nlu.features import FeatureConfig, Featurizer, resolve_encoders
from nlu.loader import load_training_data
from nlu.model import EmbeddedModel
from nlu.training_data import TrainingData, TrainingDataError

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TrainConfig:
    """Knobs of the embedded model; the defaults are the measured best on Banking77 and CLINC150."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    c: float = 1.0
    holdout: float = 0.2
    seed: int = 0


def train_model(
    data: TrainingData, config: TrainConfig | None = None, embeddings: np.ndarray | None = None
) -> EmbeddedModel:
    """Train a model in memory.

    The classifier is first fitted on 80 % of each intent to calibrate the softmax temperature and the
    fallback threshold on the other 20 %, then refitted on everything.

    Args:
        data: the training data.
        config: model settings; defaults when None.
        embeddings: precomputed sentence embeddings of `data.examples` (to skip the slow part in tuning).

    Raises:
        TrainingDataError: fewer than two intents.
    """
    config = config or TrainConfig()
    started = time.perf_counter()
    texts = [ex.text for ex in data.examples]
    labels = [ex.intent for ex in data.examples]
    if len(set(labels)) < 2:
        raise TrainingDataError("training data", None, "needs at least two intents to tell apart")
    features = replace(config.features, encoders=resolve_encoders(tuple(config.features.encoders), texts))
    config = replace(config, features=features)
    featurizer = Featurizer(config.features)
    emb = featurizer.embed(texts) if embeddings is None else embeddings
    embed_s = time.perf_counter() - started

    train_idx, held_idx = holdout_split(labels, config.holdout, config.seed)
    threshold, held_accuracy = 0.0, None
    temperature = 1.0
    if len(held_idx) and len({labels[i] for i in train_idx}) >= 2:
        part = Featurizer(config.features)
        part.fit([texts[i] for i in train_idx])
        x_train = part.combine([texts[i] for i in train_idx], emb[train_idx])
        x_held = part.combine([texts[i] for i in held_idx], emb[held_idx])
        clf = LinearIntentClassifier.fit(x_train, [labels[i] for i in train_idx], c=config.c)
        scores = clf.scores(x_held)
        gold = [labels[i] for i in held_idx]
        temperature = clf.fit_temperature(scores, gold)
        probs = clf.proba(x_held)
        predicted = [clf.labels[j] for j in probs.argmax(axis=1)]
        threshold = choose_threshold(probs.max(axis=1), predicted, gold)
        held_accuracy = float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)]))

    featurizer.fit(texts)
    classifier = LinearIntentClassifier.fit(featurizer.combine(texts, emb), labels, c=config.c)
    classifier.temperature = temperature
    extractor = EntityExtractor.from_training_data(data)
    train_s = time.perf_counter() - started
    meta = {
        "created_at": datetime.now(UTC).isoformat(),
        "train_s": round(train_s, 3),
        "embed_s": round(embed_s, 3),
        "n_examples": len(texts),
        "intents": sorted(set(labels)),
        "holdout_accuracy": held_accuracy,
        "config": {
            **asdict(config),
            "features": {**asdict(config.features), "encoders": list(config.features.encoders)},
        },
    }
    log.info("trained %d examples, %d intents in %.1fs", len(texts), len(set(labels)), train_s)
    return EmbeddedModel(featurizer, classifier, extractor, threshold, meta)


def data_fingerprint(path: Path) -> str:
    """A SHA-256 over the training file(s), to tell whether a model is out of date."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def train(data_path: Path | str, out_dir: Path | str, config: TrainConfig | None = None) -> EmbeddedModel:
    """Load Rasa training data, train the embedded model and write it to `out_dir`.

    The folder is replaced only when training succeeds, so a failed run leaves the old model in place.

    Raises:
        TrainingDataError: the data cannot be read (the message names file, line and problem).
    """
    data_path, out_dir = Path(data_path), Path(out_dir)
    started = time.perf_counter()
    data = load_training_data(data_path)
    model = train_model(data, config)
    model.meta["train_s"] = round(time.perf_counter() - started, 3)
    model.meta["data"] = str(data_path.resolve())
    model.meta["data_sha256"] = data_fingerprint(data_path)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".nlu-train-", dir=out_dir.parent))
    try:
        model.save(staging)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return model
