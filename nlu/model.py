"""The embedded NLU model: features, linear intent classifier, fallback threshold and entity extractor."""

from __future__ import annotations

import json
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlu.calibration import OOS_INTENTS
from nlu.cascade import Cascade, has_evidence
from nlu.classifier import LinearIntentClassifier
from nlu.entities import EntityExtractor
from nlu.features import Featurizer
from nlu.recipe import META_FILE
from nlu.result import FALLBACK_INTENT, IntentScore, ParseResult

MODEL_FORMAT = 1
RANKING_SIZE = 10


class ModelNotFoundError(FileNotFoundError):
    """The model folder has no trained model."""


@dataclass(slots=True)
class EmbeddedModel:
    """Everything needed to parse a message in-process."""

    featurizer: Featurizer
    classifier: LinearIntentClassifier
    extractor: EntityExtractor
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)
    cascade: Cascade | None = None

    def parse_many(self, texts: list[str], spare: Executor | None = None) -> list[ParseResult]:
        """Parse several messages at once (one embedding batch for those the first stage is unsure of).

        Args:
            texts: the messages.
            spare: a thread on an idle core (the backend passes one when this batch is the only one parsing):
                the encoders then use it. The answers are the same with or without it.
        """
        if not texts:
            return []
        return [self._result(text, row) for text, row in zip(texts, self.proba(texts, spare), strict=True)]

    def proba(self, texts: list[str], spare: Executor | None = None) -> np.ndarray:
        """Calibrated intent probabilities, shape (len(texts), intents), in `classifier.labels` order.

        With a cascade, the first stage (TF-IDF and the cheap encoders) answers the messages it is sure of,
        and only the rest meet the costly encoders and the full classifier. With a `spare` thread, the last
        cheap encoder runs on it beside the rest of the first stage, and the costly encoders' passes take two
        cores.
        """
        tfidf, cheap = self._first_features(texts, spare)
        rest = np.arange(len(texts))
        probs = np.zeros((len(texts), len(self.classifier.labels)), dtype=np.float64)
        if self.cascade is not None:
            first, sure = self._first_stage(tfidf, cheap)
            probs[sure] = first[sure]
            rest = np.flatnonzero(~sure)
        if len(rest):
            subset = [texts[i] for i in rest]
            cores = 1 if spare is None else 2
            costly = self.featurizer.embed(subset, self.featurizer.costly_encoders, cores)
            probs[rest] = self.classifier.proba_split(np.hstack([cheap[rest], costly]), tfidf[rest])
        return probs

    def first_stage_share(self, texts: list[str]) -> float:
        """The share of `texts` the cascade's first stage answers alone (0 without a cascade)."""
        if self.cascade is None or not texts:
            return 0.0
        _, sure = self._first_stage(*self._first_features(texts))
        return float(sure.mean())

    def _first_stage(self, tfidf: Any, cheap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first stage's probabilities and the mask of messages it answers alone."""
        assert self.cascade is not None
        known = has_evidence(tfidf) if self.featurizer.has_tfidf else None
        return self.cascade.sure(cheap, tfidf, known)

    def _first_features(self, texts: list[str], spare: Executor | None = None) -> tuple[Any, np.ndarray]:
        """TF-IDF rows and cheap-encoder embeddings: what every message costs.

        With a `spare` thread and two cheap encoders or more, the last one (English: MiniLM on ONNX Runtime,
        which releases the GIL) runs there while this thread computes TF-IDF and the others (USE), so a lone
        message waits for the slower of the two instead of both. One encoder (USE for Russian) stays here:
        beside TF-IDF alone (~0.1 ms) the hand-over would cost about what it saves.
        """
        featurizer = self.featurizer
        names = featurizer.cheap_encoders
        if spare is None or len(names) < 2:
            return featurizer.tfidf(texts), featurizer.embed(texts, names)
        side = spare.submit(featurizer.embed, texts, names[-1:])
        tfidf = featurizer.tfidf(texts)
        head = featurizer.embed(texts, names[:-1])
        return tfidf, np.hstack([head, side.result()])

    def parse(self, text: str) -> ParseResult:
        """Parse one message (blocking; the backend runs it in a thread)."""
        return self.parse_many([text])[0]

    def _result(self, text: str, probs: np.ndarray) -> ParseResult:
        order = np.argsort(-probs)[:RANKING_SIZE]
        labels = self.classifier.labels
        ranking = [IntentScore(labels[i], float(probs[i])) for i in order]
        best = ranking[0]
        if best.confidence < self.threshold:
            # Like Rasa's FallbackClassifier: the fallback leads the ranking with the threshold as its confidence.
            intent = IntentScore(FALLBACK_INTENT, float(self.threshold))
            ranking = [intent, *ranking[: RANKING_SIZE - 1]]
        else:
            intent = best
        return ParseResult(
            text=text, intent=intent, entities=self.extractor.extract(text), intent_ranking=ranking
        )

    @property
    def train_seconds(self) -> float:
        """Seconds the training took (recorded in the model folder)."""
        return float(self.meta.get("train_s", 0.0))

    def save(self, folder: Path) -> None:
        """Write the model into a folder (JSON and .npy/.npz files, no pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.featurizer.save(folder)
        classifier_meta = self.classifier.save(folder)
        cascade_meta = self.cascade.save(folder) if self.cascade is not None else None
        (folder / "entities.json").write_text(
            json.dumps(self.extractor.to_state(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        meta = {
            **self.meta,
            "format": MODEL_FORMAT,
            "threshold": self.threshold,
            "classifier": classifier_meta,
            "cascade": cascade_meta,
        }
        # meta.json last: its presence marks a complete model.
        (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> EmbeddedModel:
        """Read a model folder written by `save`.

        Raises:
            ModelNotFoundError: the folder has no complete model.
        """
        folder = Path(folder)
        meta_path = folder / META_FILE
        if not meta_path.is_file():
            raise ModelNotFoundError(
                f"no trained NLU model in {folder}; run `helpdesk nlu train DATA --out {folder}` first"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != MODEL_FORMAT:
            raise ModelNotFoundError(f"the model in {folder} has an old format; train it again")
        featurizer = Featurizer.load(folder)
        classifier = LinearIntentClassifier.load(folder, meta["classifier"])
        extractor = EntityExtractor.from_state(
            json.loads((folder / "entities.json").read_text(encoding="utf-8"))
        )
        cascade = Cascade.load(folder, meta["cascade"]) if meta.get("cascade") else None
        return cls(featurizer, classifier, extractor, float(meta["threshold"]), meta, cascade)


def is_out_of_scope(intent: str) -> bool:
    """True for the fallback and for intents that name out-of-scope messages."""
    return intent == FALLBACK_INTENT or intent in OOS_INTENTS
