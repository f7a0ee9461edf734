"""A linear intent classifier with softmax confidences calibrated on held-out data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

TEMPERATURES = np.logspace(-0.5, 2, 60)
SMOOTHING = 0.05


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of `scores * temperature`."""
    z = scores * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LinearIntentClassifier:
    """One-vs-rest linear SVM; scores become probabilities through a fitted softmax temperature."""

    def __init__(
        self, labels: list[str], weights: np.ndarray, bias: np.ndarray, temperature: float = 1.0
    ) -> None:
        self.labels = labels
        self.weights = weights.astype(np.float32)  # (n_features, n_classes)
        self.bias = bias.astype(np.float32)
        self.temperature = temperature

    @classmethod
    def fit(
        cls,
        features: sp.csr_matrix,
        labels: list[str],
        c: float = 1.0,
        sample_weight: np.ndarray | None = None,
    ) -> LinearIntentClassifier:
        """Train on feature rows and their intent names (each row weighing `sample_weight`, default 1).

        Raises:
            ValueError: fewer than two intents.
        """
        names = sorted(set(labels))
        if len(names) < 2:
            raise ValueError("an intent classifier needs at least two intents in the training data")
        # A fixed seed: liblinear shuffles, and the cascade threshold must not depend on the run.
        svm = LinearSVC(C=c, dual="auto", max_iter=5000, random_state=0)
        svm.fit(features, labels, sample_weight=sample_weight)
        coef, bias = svm.coef_, svm.intercept_
        if len(names) == 2:
            # sklearn keeps one column for two classes; make it symmetric so argmax works the same way.
            coef = np.vstack([-coef[0], coef[0]])
            bias = np.array([-bias[0], bias[0]])
        return cls([str(x) for x in svm.classes_], np.asarray(coef).T, np.asarray(bias))

    def scores(self, features: sp.csr_matrix | np.ndarray) -> np.ndarray:
        """Raw decision scores, shape (n, n_classes)."""
        return np.asarray(features @ self.weights) + self.bias

    def proba(self, features: sp.csr_matrix | np.ndarray) -> np.ndarray:
        """Calibrated probabilities, shape (n, n_classes)."""
        return softmax(self.scores(features), self.temperature)

    def proba_split(self, dense: np.ndarray, sparse: sp.csr_matrix) -> np.ndarray:
        """`proba` of the rows `[dense | sparse]` without joining them (joining costs more than scoring).

        Args:
            dense: the leading feature columns (embeddings), shape (n, d).
            sparse: the remaining columns (TF-IDF), shape (n, n_features - d).
        """
        width = dense.shape[1]
        scores = dense @ self.weights[:width] + np.asarray(sparse @ self.weights[width:]) + self.bias
        return softmax(scores, self.temperature)

    def fit_temperature(self, scores: np.ndarray, gold: list[str]) -> float:
        """Choose the softmax temperature that minimises (label-smoothed) log loss on held-out scores."""
        index = {name: i for i, name in enumerate(self.labels)}
        rows = [(i, index[g]) for i, g in enumerate(gold) if g in index]
        if not rows:
            return self.temperature
        r, c = np.array(rows).T
        best, best_loss = self.temperature, np.inf
        for t in TEMPERATURES:
            logp = np.log(np.clip(softmax(scores[r], float(t)), 1e-12, None))
            # Label smoothing keeps the optimum finite when every held-out example is right,
            # which would otherwise push the temperature up until every answer reads as certain.
            loss = -np.mean((1 - SMOOTHING) * logp[np.arange(len(r)), c] + SMOOTHING * logp.mean(axis=1))
            if loss < best_loss:
                best, best_loss = float(t), loss
        self.temperature = best
        return best

    def save(self, folder: Path, name: str = "classifier") -> dict[str, Any]:
        """Write weights to `<name>.npz`; return the JSON-ready metadata."""
        np.savez_compressed(folder / f"{name}.npz", weights=self.weights, bias=self.bias)
        return {"labels": self.labels, "temperature": self.temperature}

    @classmethod
    def load(cls, folder: Path, meta: dict[str, Any], name: str = "classifier") -> LinearIntentClassifier:
        """Read a classifier written by `save`."""
        with np.load(folder / f"{name}.npz") as z:
            return cls(list(meta["labels"]), z["weights"], z["bias"], float(meta["temperature"]))
