"""Intent and entity recognition from Rasa-format training data.

Two backends answer in the shape of Rasa's `/model/parse`: the embedded model (default, in-process) and a
Rasa server over HTTP. `train` builds the embedded model; `ensure_default_model` keeps the app's model current.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlu.backend import NluBackend
from nlu.default_model import DEFAULT_DATA, ensure_default_model
from nlu.loader import load_training_data
from nlu.result import FALLBACK_INTENT, Entity, IntentScore, ParseResult
from nlu.training_data import TrainingData, TrainingDataError

if TYPE_CHECKING:
    from nlu.embedded import SharedCache
    from nlu.trainer import TrainConfig, train


def __getattr__(name: str) -> Any:
    """`nlu.train` and `nlu.TrainConfig` import the training stack (scikit-learn, encoders) when first used,
    so `import nlu` stays cheap for a process that only checks or loads a model."""
    if name in ("train", "TrainConfig"):
        from nlu import trainer

        return getattr(trainer, name)
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")


BACKENDS = ("embedded", "rasa")


def load_backend(kind: str, model_dir: Path, rasa_url: str, shared: SharedCache | None = None) -> NluBackend:
    """Return the backend by name: `embedded` loads `model_dir` (parses kept in `shared` when given, for the
    other processes of a cluster); `rasa` talks to `rasa_url`.

    Raises:
        ValueError: an unknown backend name.
        nlu.model.ModelNotFoundError: `embedded` with no trained model in `model_dir`.
    """
    if kind == "embedded":
        from nlu.embedded import EmbeddedBackend

        return EmbeddedBackend.from_dir(model_dir, shared)
    if kind == "rasa":
        from nlu.rasa_backend import RasaBackend

        return RasaBackend(rasa_url)
    raise ValueError(f"unknown NLU backend {kind!r}; use one of: {', '.join(BACKENDS)}")


__all__ = [
    "BACKENDS",
    "DEFAULT_DATA",
    "FALLBACK_INTENT",
    "Entity",
    "IntentScore",
    "NluBackend",
    "ParseResult",
    "TrainConfig",
    "TrainingData",
    "TrainingDataError",
    "ensure_default_model",
    "load_backend",
    "load_training_data",
    "train",
]
