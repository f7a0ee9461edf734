"""Sentence-transformers models run by ONNX Runtime: the same vectors, a fraction of torch's time on a CPU.

A folder in the sentence-transformers layout (a BERT-like transformer, mean pooling, L2 normalisation) is
exported to ONNX once per machine into the model cache (`HELPDESK_MODEL_CACHE` or ~/.cache/helpdesk/models),
beside the unpacked mpnet. ONNX Runtime fuses the attention and runs a short message without torch's eager
overhead: MiniLM and mpnet each took about 2.5x less time per message than sentence-transformers here, and
their vectors agree with it to a cosine of 1.0000 (float32 weights, nothing quantized), so a model trained
with one parses correctly with the other.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from nlu.packaged_mpnet import cache_root, publish

# Messages per forward pass, sorted by length so that a pass pads little.
CHUNK = 32
_export_lock = threading.Lock()


def _key(model_dir: Path) -> str:
    """A short fingerprint of the weights (their size and the config), cheap to compute at every start."""
    digest = hashlib.sha256()
    digest.update((model_dir / "config.json").read_bytes())
    for name in ("model.safetensors", "pytorch_model.bin"):
        weights = model_dir / name
        if weights.is_file():
            digest.update(f"{name}:{weights.stat().st_size}".encode())
    return digest.hexdigest()[:12]


def exported_model(model_dir: Path, name: str, int8: bool = False, keep_float: tuple[str, ...] = ()) -> Path:
    """The ONNX file of the transformer in `model_dir`, exported on the first call (tens of seconds).

    With `int8`, the float export is then quantized (`_quantize`) into a folder of its own; the MatMul nodes
    named in `keep_float` stay float (a folder of their own again: `-mixed`). Each file is written beside its
    final place and renamed, so a crash or a second process never sees half a file.
    """
    if int8:
        source = exported_model(model_dir, name)
        # The nodes kept float are part of the folder's name: another choice is another file.
        kind = (
            f"mixed-{hashlib.sha256('|'.join(keep_float).encode()).hexdigest()[:6]}" if keep_float else "int8"
        )
        return _cached(
            f"onnx-{name}-{kind}-{_key(model_dir)}", name, lambda out: _quantize(source, out, keep_float)
        )
    return _cached(f"onnx-{name}-{_key(model_dir)}", name, lambda out: _export(model_dir, out))


def _cached(folder: str, name: str, make: Callable[[Path], None]) -> Path:
    """`model.onnx` in the cache folder `folder`, made by `make(path)` the first time."""
    target = cache_root() / folder
    onnx_file = target / "model.onnx"
    with _export_lock:
        if (target / ".complete").is_file():
            return onnx_file
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".onnx-{name}-", dir=target.parent))
        try:
            make(staging / "model.onnx")
            publish(staging, target, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return onnx_file


def _quantize(source: Path, out: Path, keep_float: tuple[str, ...] = ()) -> None:
    """Dynamic int8 quantization of the float export: int8 weights per output channel, uint8 activations.

    Per channel, MiniLM's and mpnet's vectors stay at a cosine of about 0.99 with the float ones (the torch
    per-tensor quantization tried before bent mpnet's to 0.86), and a short message costs about half the
    CPU on a core with VNNI. The result depends on the weights only, so every machine makes the same file.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantizer writes a scratch copy beside its input: give it a link in the staging folder, so two
    # processes quantizing at once never share (and delete) each other's scratch file.
    link = out.parent / "source.onnx"
    link.symlink_to(source)
    try:
        quantize_dynamic(
            str(link),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            nodes_to_exclude=list(keep_float),
        )
    finally:
        link.unlink()


def _export(model_dir: Path, out: Path) -> None:
    """Trace the Hugging Face transformer to ONNX with dynamic batch and sequence axes."""
    import warnings

    import torch
    from transformers import AutoModel

    base = AutoModel.from_pretrained(str(model_dir)).eval()

    class _Hidden(torch.nn.Module):
        """The last hidden state only (pooling is done in numpy, with the mask)."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # Real-looking ids and a padded row, so that the trace takes the general path of the mask code.
    sample = torch.arange(5, 21, dtype=torch.long).reshape(2, 8)
    sample_mask = torch.ones((2, 8), dtype=torch.long)
    sample_mask[0, 5:] = 0
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about data-dependent branches of the mask code
        torch.onnx.export(
            _Hidden(base),
            (sample, sample_mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes},
            opset_version=17,
            dynamo=False,
        )


class OnnxSentenceEncoder:
    """Mean-pooled, L2-normalised embeddings of a sentence-transformers folder, computed by ONNX Runtime.

    A parse batch (up to `small_batch` messages) runs on the calling thread, one ONNX thread; a training
    batch is cut into chunks that run on every core at once (ONNX Runtime releases the GIL).
    """

    def __init__(
        self,
        model_dir: Path,
        name: str,
        dim: int,
        small_batch: int,
        int8: bool = False,
        keep_float: tuple[str, ...] = (),
    ) -> None:
        from tokenizers import Tokenizer

        self.name, self.dim, self._small = name, dim, small_batch
        self._path = str(exported_model(model_dir, name.split("-")[0], int8, keep_float))
        self._session = self._open(1)
        # A lone message's pass on every core (`encode(..., cores=n)`): a session of its own, since ONNX Runtime
        # fixes a session's thread count; opened on first use.
        self._wide: Any = None
        self._wide_lock = threading.Lock()
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(int(config["max_seq_length"]))
        self._tokenizer.no_padding()
        model_config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        # Padding is masked out, but MPNet numbers positions by `id != pad`: pad with the model's own id.
        self._pad = int(model_config.get("pad_token_id") or 0)
        self._cores = os.cpu_count() or 1
        # int8 runs quantize activations with one scale per pass, so a message's vector would depend on the
        # messages (and padding) batched with it: each runs alone, the same in training and at any load.
        # Batching bought nothing there anyway (int8 MiniLM, 16 a pass: 3.5 ms of CPU a message, alone 3.3).
        self._chunk = 1 if int8 else CHUNK

    def _open(self, threads: int) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Threads that spin between operators burn the core they wait on: on a shared machine a second thread
        # spinning doubled a pass's CPU and cost wall time (mpnet-mixed, load 8: 39 ms of CPU against 18).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(self._path, options, providers=["CPUExecutionProvider"])

    def _session_for(self, cores: int) -> Any:
        if cores <= 1 or self._cores == 1:
            return self._session
        with self._wide_lock:
            if self._wide is None:
                self._wide = self._open(min(cores, self._cores))
            return self._wide

    def encode(self, texts: list[str], cores: int = 1) -> np.ndarray:
        """Embed texts; returns float32 rows of unit length, in the order of `texts`.

        Args:
            texts: the messages.
            cores: for a parse batch, how many cores each pass may use (the backend's idle ones); a training
                batch runs its chunks on every core anyway.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        ids = [e.ids for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        chunks = [order[i : i + self._chunk] for i in range(0, len(order), self._chunk)]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if len(texts) <= self._small or self._cores == 1:
            session = self._session_for(cores)
            for chunk in chunks:
                out[chunk] = self._forward([ids[i] for i in chunk], session)
        else:
            with ThreadPoolExecutor(self._cores, thread_name_prefix=f"onnx-{self.name}") as pool:
                results = pool.map(lambda c: self._forward([ids[i] for i in c]), chunks)
                for chunk, vectors in zip(chunks, results, strict=True):
                    out[chunk] = vectors
        return out

    def _forward(self, rows: list[list[int]], session: Any = None) -> np.ndarray:
        """One forward pass over token rows, padded to the longest; mean pooling over the real tokens."""
        run = (session or self._session).run
        if len(rows) == 1:
            # One message (every int8 pass): no padding, so the mask is all ones and pooling a plain mean.
            ids = np.array(rows, dtype=np.int64)
            hidden = run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            pooled = hidden.sum(axis=1) / np.float32(ids.shape[1])
            norm = np.linalg.norm(pooled, axis=1, keepdims=True)
            return (pooled / np.clip(norm, 1e-12, None)).astype(np.float32, copy=False)
        width = max(len(r) for r in rows)
        input_ids = np.full((len(rows), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            input_ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        hidden = run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
