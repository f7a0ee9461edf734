"""The web chat's HTTP edges: a request's JSON, multipart and query read within limits, and its answers.

Anything too large or malformed becomes a `BadRequest` (or `UploadRejected`) that says what to fix; the
channel answers it with 400 and changes nothing.
"""

from __future__ import annotations

import math
from typing import Any

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from bots.webchat.requests import BadRequest, decode_body
from bots.webchat.uploads import UploadRejected
from dialogue.safe_input import JsonInputError, check_charset

MAX_JSON_BYTES = 64 * 1024
MAX_FORM_FIELD_BYTES = 8 * 1024


class Refused(Exception):
    """A request the channel answers with an error before doing anything (401, 403, 429, 503).

    Args:
        status: the HTTP status.
        message: what is wrong and what to do, for the person.
        retry_after_s: for a 429, the seconds until the limit allows the request again.
    """

    def __init__(self, status: int, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s

    def response(self) -> web.Response:
        """Return the JSON error answer."""
        resp = error(self.status, str(self))
        if self.retry_after_s is not None:
            resp.headers["Retry-After"] = str(self.retry_after_s)
        return resp


async def read_json(request: web.Request) -> Any:
    try:
        check_charset(request.charset)  # JSON is UTF-8; a body declared otherwise is not read as if it were
    except JsonInputError as e:
        raise BadRequest(str(e)) from None
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise BadRequest(f"the body is too large: at most {MAX_JSON_BYTES // 1024} KB")
    raw = await request.content.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise BadRequest(f"the body is too large: at most {MAX_JSON_BYTES // 1024} KB")
    return decode_body(raw)


async def read_capped(part: BodyPartReader, limit: int) -> bytes | None:
    """Read a multipart part; None when it is longer than `limit` (the rest is drained unread)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            # Drain without keeping it, so the connection stays usable for the error answer.
            while await part.read_chunk(64 * 1024):
                pass
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}")
    return value


def float_param(request: web.Request, name: str, default: float, low: float, high: float) -> float:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadRequest(f"'{name}' must be a number of seconds") from None
    if not math.isfinite(value):
        raise BadRequest(f"'{name}' must be a number of seconds")
    if not low <= value <= high:
        # A longer wait than the server's is clamped rather than refused: pages may be older than us.
        return min(max(value, low), high)
    return value


def html(text: str, status: int = 200) -> web.Response:
    # A widget page names its visitor's own chat: never keep it in a shared cache.
    return web.Response(
        text=text, status=status, content_type="text/html", headers={"Cache-Control": "no-store"}
    )


def error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def read_upload(request: web.Request, max_photo_bytes: int) -> tuple[dict[str, Any], bytes | None]:
    """The text fields and the photo of a multipart upload; the photo at most `max_photo_bytes`."""
    if not request.content_type.startswith("multipart/"):
        raise BadRequest("send the photo as multipart/form-data with a 'photo' field")
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError) as e:
        raise BadRequest(f"the multipart body cannot be read: {e}") from None
    fields: dict[str, Any] = {}
    photo: bytes | None = None
    too_large = False
    try:
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.name == "photo":
                photo = await read_capped(part, max_photo_bytes)
                too_large = photo is None
            elif part.name in ("chat_id", "client_msg_id", "text", "name", "lang"):
                raw = await read_capped(part, MAX_FORM_FIELD_BYTES)
                if raw is None:
                    raise BadRequest(f"'{part.name}' is too long")
                fields[part.name] = raw.decode("utf-8", errors="replace")
    except (ValueError, AssertionError, HttpProcessingError) as e:
        if isinstance(e, BadRequest):  # a ValueError too; it says what to fix already
            raise
        # A body without its closing boundary (ValueError "Reading after EOF"), a part header with a NUL
        # (InvalidHeader) or a line over 512 KB (LineTooLong): the page sent something broken.
        raise BadRequest(f"the multipart body cannot be read: {e}") from None
    if too_large:
        raise UploadRejected(f"the photo is too large: at most {max_photo_bytes // (1024 * 1024)} MB")
    return fields, photo
