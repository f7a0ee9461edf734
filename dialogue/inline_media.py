"""Media carried inline as a data URI (`data:image/png;base64,...`): generated files such as report charts.

Platform file ids and URLs name files that already exist somewhere; a chart made for one message exists
nowhere, so the `Media.file_id` carries the bytes themselves, through the outbox, and the channel adapters
upload them (Telegram: multipart `sendPhoto`; the web chat shows the data URI as it is).
"""

from __future__ import annotations

import base64
import binascii

from dialogue.messages import Media

PREFIX = "data:"
MAX_INLINE_BYTES = 5 * 1024 * 1024
"""Largest file carried inline (Telegram takes photos up to 10 MB; charts are tens of kilobytes)."""


def inline_media(data: bytes, mime_type: str, *, kind: str = "photo", caption: str | None = None) -> Media:
    """Wrap bytes as a Media whose file id is a base64 data URI.

    Raises:
        ValueError: empty data, or more than MAX_INLINE_BYTES.
    """
    if not data:
        raise ValueError("inline media needs some bytes")
    if len(data) > MAX_INLINE_BYTES:
        raise ValueError(
            f"inline media is {len(data)} bytes; at most {MAX_INLINE_BYTES} travel through the outbox"
        )
    uri = f"{PREFIX}{mime_type};base64,{base64.b64encode(data).decode('ascii')}"
    return Media(kind=kind, file_id=uri, caption=caption, mime_type=mime_type)


def is_inline(file_id: str | None) -> bool:
    """Tell whether a file id carries its bytes (a data URI)."""
    return bool(file_id) and str(file_id).startswith(PREFIX)


def decode_inline(file_id: str) -> tuple[bytes, str]:
    """Return the (bytes, mime type) of a base64 data URI.

    Raises:
        ValueError: not a base64 data URI.
    """
    if not is_inline(file_id):
        raise ValueError("not a data URI")
    head, sep, body = file_id[len(PREFIX) :].partition(",")
    if not sep or not head.endswith(";base64"):
        raise ValueError("only base64 data URIs are supported")
    try:
        return base64.b64decode(body, validate=True), head.removesuffix(
            ";base64"
        ) or "application/octet-stream"
    except binascii.Error as exc:
        raise ValueError(f"broken base64 in a data URI: {exc}") from exc


def filename_for(mime_type: str) -> str:
    """A file name for an upload of this type (Telegram wants one)."""
    ext = {"image/png": "png", "image/jpeg": "jpg", "text/csv": "csv", "application/pdf": "pdf"}.get(
        mime_type, "bin"
    )
    return f"file.{ext}"
