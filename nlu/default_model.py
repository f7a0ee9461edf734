"""The project's own model: `nlu/data/nlu.yml` trained into the app's model folder when needed."""

from __future__ import annotations

import fcntl
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nlu.recipe import META_FILE, RECIPE, data_fingerprint

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

    Processes that share the folder (a web process and a worker started together from a fresh checkout, or
    a benchmark's cluster) train it once: the others wait on a lock file beside it, then find it current.
    Without the lock each trained it, and one's `rename` onto the folder another had just written failed.
    """
    model_dir, data_path = Path(model_dir), Path(data_path)
    if model_is_current(model_dir, data_path):
        return model_dir
    with _training_lock(model_dir):
        if model_is_current(model_dir, data_path):  # another process trained it while this one waited
            return model_dir
        from nlu.trainer import train  # scikit-learn and the encoders: only when there is training to do

        log.info("training the NLU model from %s into %s", data_path, model_dir)
        train(data_path, model_dir)
    return model_dir


@contextmanager
def _training_lock(model_dir: Path) -> Iterator[None]:
    """An exclusive lock on `<model_dir>.lock` (released when the process dies, so never left stale)."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(model_dir.parent / f"{model_dir.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
