"""The project's own model: `nlu/data/nlu.yml` trained into the app's model folder when needed."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from nlu.model import META_FILE
from nlu.trainer import RECIPE, data_fingerprint, train

DEFAULT_DATA = Path(__file__).resolve().parent / "data" / "nlu.yml"

log = logging.getLogger(__name__)


def model_is_current(model_dir: Path, data_path: Path = DEFAULT_DATA) -> bool:
    """True when `model_dir` holds a model trained from exactly the current `data_path` by today's recipe."""
    meta_path = model_dir / META_FILE
    if not meta_path.is_file():
        return False
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return False
    # A content hash, not file times: a fresh clone has new mtimes but the same data.
    if meta.get("recipe") != RECIPE:
        return False
    return bool(meta.get("data_sha256") == data_fingerprint(data_path))


def ensure_default_model(model_dir: Path | str, data_path: Path | str = DEFAULT_DATA) -> Path:
    """Train `data_path` (the project's nlu.yml) into `model_dir` when the model is missing or stale.

    Blocking (seconds); call it from a thread in async code. Returns the model folder.
    """
    model_dir, data_path = Path(model_dir), Path(data_path)
    if model_is_current(model_dir, data_path):
        return model_dir
    log.info("training the NLU model from %s into %s", data_path, model_dir)
    train(data_path, model_dir)
    return model_dir
