"""MiniLM and mpnet on ONNX Runtime give sentence-transformers' vectors, one by one and in padded batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nlu.onnx_encoder
from nlu.encoders import SMALL_BATCH, get_encoder, minilm_path
from nlu.onnx_encoder import exported_model

TEXTS = [
    "my card has not arrived yet",
    "why was I charged a fee for topping up with my card from abroad last Tuesday?",
    "PIN",
    "I am still waiting for my new card and the app says it was delivered",
]


def _reference(model_dir: Path) -> np.ndarray:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu")
    return np.asarray(model.encode(TEXTS, normalize_embeddings=True), dtype=np.float32)


@pytest.mark.parametrize("name", ["minilm", "mpnet"])
def test_onnx_vectors_are_sentence_transformers_vectors(name: str) -> None:
    from nlu.packaged_mpnet import mpnet_path

    encoder = get_encoder(name)
    assert type(encoder).__name__ == "OnnxSentenceEncoder"
    reference = _reference(minilm_path() if name == "minilm" else mpnet_path())
    batch = encoder.encode(TEXTS)  # padded to the longest message
    singles = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert batch.shape == (len(TEXTS), encoder.dim) and batch.dtype == np.float32
    assert np.min(np.sum(batch * reference, axis=1)) > 0.9999
    assert np.allclose(batch, singles, atol=1e-4)


def test_a_training_batch_on_every_core_keeps_the_order_of_the_texts() -> None:
    encoder = get_encoder("minilm")
    texts = [f"card number {n} was declined {'again ' * (n % 7)}" for n in range(SMALL_BATCH * 3)]
    batch = encoder.encode(texts)
    for i in (0, 1, SMALL_BATCH + 5, len(texts) - 1):
        assert np.allclose(batch[i], encoder.encode([texts[i]])[0], atol=1e-4)
    assert encoder.encode([]).shape == (0, encoder.dim)


def test_the_export_is_made_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    first = exported_model(minilm_path(), "minilm")
    assert first.is_file()

    def no_second_export(model_dir: Path, out: Path) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(nlu.onnx_encoder, "_export", no_second_export)
    assert exported_model(minilm_path(), "minilm") == first


def test_a_failed_export_leaves_nothing_half_made(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HELPDESK_MODEL_CACHE", str(tmp_path))

    def broken(model_dir: Path, out: Path) -> None:
        out.write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(nlu.onnx_encoder, "_export", broken)
    with pytest.raises(RuntimeError):
        exported_model(minilm_path(), "minilm")
    assert list(tmp_path.iterdir()) == []


def test_int8_minilm_is_its_own_encoder_close_to_the_float_one() -> None:
    """`minilm-int8` runs a quantized copy of the export: other vectors (so another name), close to float's."""
    float_encoder, int8_encoder = get_encoder("minilm"), get_encoder("minilm-int8")
    assert int8_encoder.name == "minilm-int8" and int8_encoder.dim == float_encoder.dim
    quantized = exported_model(minilm_path(), "minilm", int8=True)
    assert quantized != exported_model(minilm_path(), "minilm")
    assert quantized.stat().st_size < exported_model(minilm_path(), "minilm").stat().st_size / 2
    exact, close = float_encoder.encode(TEXTS), int8_encoder.encode(TEXTS)
    cosines = np.sum(exact * close, axis=1)
    assert np.min(cosines) > 0.97 and np.max(cosines) < 0.99999
    # Each message runs alone: its vector never depends on the messages parsed with it.
    singles = np.vstack([int8_encoder.encode([t]) for t in TEXTS])
    assert np.array_equal(close, singles)
    assert np.array_equal(int8_encoder.encode(TEXTS[::-1])[::-1], close)
    assert np.allclose(np.linalg.norm(close, axis=1), 1.0, atol=1e-4)


def test_mixed_mpnet_keeps_its_bent_layers_float_and_stays_close_to_the_float_vectors() -> None:
    """`mpnet-mixed` (#22): int8 but for MPNET_KEEP_FLOAT; far closer to float mpnet than `mpnet-int8`."""
    from nlu.encoders import MPNET_KEEP_FLOAT
    from nlu.packaged_mpnet import mpnet_path

    exact, int8, mixed = (get_encoder(n) for n in ("mpnet", "mpnet-int8", "mpnet-mixed"))
    assert mixed.name == "mpnet-mixed" and mixed.dim == exact.dim == 768
    path = exported_model(mpnet_path(), "mpnet", int8=True, keep_float=MPNET_KEEP_FLOAT)
    assert path.parent.name.startswith("onnx-mpnet-mixed-")
    assert path != exported_model(mpnet_path(), "mpnet", int8=True)
    reference = exact.encode(TEXTS)
    close, bent = mixed.encode(TEXTS), int8.encode(TEXTS)
    mixed_cos, int8_cos = np.sum(reference * close, axis=1), np.sum(reference * bent, axis=1)
    assert np.min(mixed_cos) > 0.97 and np.max(mixed_cos) < 0.99999
    assert np.mean(mixed_cos) > np.mean(int8_cos) + 0.03
    # Each message runs alone, as with every int8 export.
    assert np.array_equal(np.vstack([mixed.encode([t]) for t in TEXTS]), close)


def test_the_int8_copy_is_made_once_from_the_float_export(monkeypatch: pytest.MonkeyPatch) -> None:
    first = exported_model(minilm_path(), "minilm", int8=True)

    def no_second_quantization(source: Path, out: Path, keep_float: tuple[str, ...] = ()) -> None:
        raise AssertionError("quantized again")

    monkeypatch.setattr(nlu.onnx_encoder, "_quantize", no_second_quantization)
    assert exported_model(minilm_path(), "minilm", int8=True) == first


def test_a_failed_quantization_leaves_nothing_half_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HELPDESK_MODEL_CACHE", str(tmp_path))

    def fake_export(model_dir: Path, out: Path) -> None:
        out.write_bytes(b"float")

    def broken(source: Path, out: Path, keep_float: tuple[str, ...] = ()) -> None:
        out.write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(nlu.onnx_encoder, "_export", fake_export)
    monkeypatch.setattr(nlu.onnx_encoder, "_quantize", broken)
    with pytest.raises(RuntimeError):
        exported_model(minilm_path(), "minilm", int8=True)
    # The float export stays (it is complete); no int8 folder, half or whole, is left.
    assert [p.name.startswith("onnx-minilm-int8") for p in tmp_path.iterdir()] == [False]


def test_a_lone_pass_on_two_cores_gives_the_one_core_vectors() -> None:
    """The backend lends a lone message's passes the idle core (#22): the same vectors, one message at a time."""
    from nlu.onnx_encoder import OnnxSentenceEncoder

    encoder = get_encoder("minilm-int8")
    assert isinstance(encoder, OnnxSentenceEncoder)
    for text in TEXTS:
        assert np.allclose(encoder.encode([text], cores=2), encoder.encode([text]), atol=1e-6)
