"""Train Rasa and run its HTTP server as a child process (for the benchmark and the integration test)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts" / "rasa"


class RasaSetupError(RuntimeError):
    """Rasa is not installed or failed to train or start."""


def rasa_venv() -> Path:
    """The Rasa venv: `$RASA_VENV` or `~/.cache/helpdesk/rasa-venv` (made by scripts/rasa/setup.sh)."""
    return Path(os.environ.get("RASA_VENV", Path.home() / ".cache" / "helpdesk" / "rasa-venv"))


def rasa_available() -> bool:
    """True when the Rasa venv and the repo's scripts are present."""
    return (rasa_venv() / "bin" / "rasa").is_file() and (SCRIPTS / "serve.sh").is_file()


def free_port() -> int:
    """A TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(epochs: int, fallback: float, language: str) -> dict[str, str]:
    return {
        **os.environ,
        "RASA_VENV": str(rasa_venv()),
        "RASA_EPOCHS": str(epochs),
        "RASA_FALLBACK": str(fallback),
        "RASA_LANGUAGE": language,
    }


def train_rasa(
    data: Path,
    work_dir: Path,
    *,
    epochs: int = 40,
    fallback: float = 0.3,
    language: str = "en",
    timeout_s: float = 3600,
) -> tuple[Path, float]:
    """Train a Rasa NLU model with scripts/rasa/train.sh; return (model file, wall seconds).

    Raises:
        RasaSetupError: Rasa is missing or training failed (the message has the tail of its log).
    """
    if not rasa_available():
        raise RasaSetupError(f"Rasa is not installed in {rasa_venv()}; run scripts/rasa/setup.sh")
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / "train.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.run(
            [str(SCRIPTS / "train.sh"), str(data), str(work_dir)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=_env(epochs, fallback, language),
            timeout=timeout_s,
            check=False,
        )
    seconds = time.perf_counter() - started
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        tail = log_path.read_text(errors="replace")[-1500:]
        raise RasaSetupError(f"Rasa training failed (exit {proc.returncode}); log {log_path}:\n{tail}")
    return Path(lines[-1]), seconds


class RasaServer:
    """A `rasa run --enable-api` child process on a port; use as a context manager."""

    def __init__(self, model: Path, port: int | None = None, work_dir: Path | None = None) -> None:
        self.model = model
        self.port = port or free_port()
        self.work_dir = work_dir or model.parent
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 600.0) -> RasaServer:
        """Start the server and wait until it has loaded the model.

        The wait ends as soon as the server answers; its limit is long because loading TensorFlow and a
        model took over 180 s on this 2-core machine at a load of 20 (a `bench nlu` run failed there).

        Raises:
            RasaSetupError: Rasa is missing, exited, or did not become ready in time.
        """
        if not rasa_available():
            raise RasaSetupError(f"Rasa is not installed in {rasa_venv()}; run scripts/rasa/setup.sh")
        self._log = log = (self.work_dir / "serve.log").open("wb")
        # Its own session, so stop() ends exactly this server and nothing else.
        self.proc = subprocess.Popen(
            [str(SCRIPTS / "serve.sh"), "-", str(self.port), str(self.work_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "RASA_VENV": str(rasa_venv()), "RASA_MODEL": str(self.model)},
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RasaSetupError(
                    f"Rasa server exited with {self.proc.returncode}; see {self.work_dir / 'serve.log'}"
                )
            if self._ready():
                return self
            time.sleep(1.0)
        self.stop()
        raise RasaSetupError(
            f"Rasa server did not load the model in {timeout_s:.0f}s; see {self.work_dir / 'serve.log'}"
        )

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/status", timeout=2) as resp:
                return b"model_file" in resp.read() and resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the server process group this object started."""
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def __enter__(self) -> RasaServer:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
