"""Photos that people attach in the web chat: check they are images, store them, find them again."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

# Sniffed from the first bytes, never taken from the browser's Content-Type or file name, which a
# sender controls: only these four formats are stored and served back.
IMAGE_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
}
FILE_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(jpg|png|gif|webp)$")
FILE_ID_PREFIX = "web:"


class UploadRejected(ValueError):
    """The upload is not a photo we accept; the message says what to send instead."""


def sniff_image(head: bytes) -> str | None:
    """Return the file extension of a JPEG, PNG, GIF or WebP image from its first bytes, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def file_id(name: str) -> str:
    """Return the `Media.file_id` of a stored upload."""
    return FILE_ID_PREFIX + name


def name_from_file_id(value: str) -> str | None:
    """Return the stored file name behind a `web:` file id, or None when it is not one of ours."""
    if not value.startswith(FILE_ID_PREFIX):
        return None
    name = value[len(FILE_ID_PREFIX) :]
    return name if FILE_NAME_RE.match(name) else None


class UploadStore:
    """A folder of uploaded photos, each under a random name so names cannot be guessed."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    async def save(self, data: bytes) -> str:
        """Store an image and return its file name.

        Raises:
            UploadRejected: empty, too large, or not a JPEG, PNG, GIF or WebP image.
        """
        name = self.name_for(data)
        await self.write(name, data)
        return name

    def name_for(self, data: bytes) -> str:
        """Check an image and choose the name it will be stored under, writing nothing yet (a caller that
        must first check what the photo is for stores it with `write` only once that is allowed).

        Raises:
            UploadRejected: empty, too large, or not a JPEG, PNG, GIF or WebP image.
        """
        if not data:
            raise UploadRejected("the photo is empty: choose a JPEG, PNG, GIF or WebP image")
        if len(data) > self.max_bytes:
            raise UploadRejected(f"the photo is too large: at most {self.max_bytes // (1024 * 1024)} MB")
        ext = sniff_image(data[:16])
        if ext is None:
            raise UploadRejected("only photos can be sent here: choose a JPEG, PNG, GIF or WebP image")
        return f"{secrets.token_hex(16)}.{ext}"

    async def write(self, name: str, data: bytes) -> None:
        """Store the bytes under a name `name_for` chose."""
        if not FILE_NAME_RE.match(name):
            raise UploadRejected(f"not an upload name: {name[:40]!r}")
        await asyncio.to_thread(self._write, name, data)

    async def discard(self, name: str) -> None:
        """Remove a stored upload (one whose message was not kept); a missing file is fine."""
        if FILE_NAME_RE.match(name):
            await asyncio.to_thread((self.folder / name).unlink, missing_ok=True)

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{name}.part"
        tmp.write_bytes(data)
        # Rename last so a half-written file is never served.
        tmp.replace(self.folder / name)

    def path_of(self, name: str) -> Path | None:
        """Return the path of a stored upload, or None when the name is not one we could have made."""
        if not FILE_NAME_RE.match(name):
            return None
        path = self.folder / name
        return path if path.is_file() else None

    @staticmethod
    def content_type(name: str) -> str:
        """Return the MIME type of a stored upload from its extension."""
        return IMAGE_TYPES[name.rsplit(".", 1)[1]]
