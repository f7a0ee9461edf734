"""What tells a trained model's folder apart from a stale one, without loading the training stack.

Kept apart from `nlu.trainer` and `nlu.model` (which import scikit-learn and the encoders, many seconds at
start) so that a process can decide whether it must train before it imports any of that.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

META_FILE = "meta.json"
RECIPE = 8
"""Bumped when training changes in a way that makes older models wrong for today's code. 4: the app's e5 stage
reads a message without the greetings and thanks around it, as KB search does (kb_search.embedder.QueryEncoder).
5: English `auto` runs MiniLM int8 (`minilm-int8`) in the first stage. 6: the first stage is distilled from the full
model (`TrainConfig.distil_variants`) and may cost 0.5 % of held-out accuracy on small data. 7: English `auto`
runs mpnet mostly int8 (`mpnet-mixed`). 8: a small set's first stage may cost accuracy only when it is distilled
(`nlu.yml` keeps 0.9437)."""


def data_fingerprint(path: Path) -> str:
    """A SHA-256 over the training file(s), to tell whether a model is out of date."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()
