"""Read a request's JSON body on aiohttp within limits: size, charset, nesting and control characters.

The webhooks, the web chat and the REST API all read bodies through here; the rules themselves are in
`dialogue.safe_input`, which has no web framework.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from dialogue.safe_input import MAX_BYTES, MAX_DEPTH, Controls, JsonInputError, check_charset, decode_json

CHUNK = 64 * 1024


async def read_body(request: web.Request, max_bytes: int = MAX_BYTES) -> bytes:
    """Return the raw body, reading no more than `max_bytes` of it.

    Raises:
        JsonInputError: status 413 when the body (declared or actually sent) is larger.
    """
    too_large = JsonInputError(f"the body is too large: at most {max_bytes // 1024} KB", status=413)
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    # A loop, not content.read(n): that returns what has arrived so far, which may be part of the body.
    while chunk := await request.content.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(
    request: web.Request,
    *,
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    controls: Controls = "strip",
) -> Any:
    """Read and decode the JSON body (see `dialogue.safe_input.decode_json` for the rules).

    Raises:
        JsonInputError: the body is not acceptable; its `status` (400 or 413) and message are the answer.
    """
    check_charset(request.charset)  # before reading: a body in an unknown charset is not worth reading
    raw = await read_body(request, max_bytes)
    return decode_json(raw, max_bytes=max_bytes, max_depth=max_depth, controls=controls)
