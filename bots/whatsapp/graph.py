"""A thin Graph API client for one phone number: JSON and multipart calls, bearer auth, Graph errors."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

MAX_MEDIA_BYTES = 100 * 1024 * 1024  # the largest document WhatsApp accepts


@dataclass(eq=False)
class GraphError(Exception):
    """A Graph call failed. `status` 0 means no HTTP answer at all (network, timeout).

    Attributes:
        status: HTTP status (0 when the request did not get an answer).
        code: Graph's `error.code` (e.g. 131047), when the body had one.
        subcode: Graph's `error.error_subcode`.
        message: Graph's `error.message`, or what went wrong on the wire.
        retry_after: seconds from a Retry-After header, when present.
    """

    status: int
    code: int | None
    subcode: int | None
    message: str
    retry_after: float | None = None

    def __str__(self) -> str:
        code = f" code {self.code}" if self.code is not None else ""
        return f"HTTP {self.status}{code}: {self.message}" if self.status else self.message


class GraphClient:
    """Calls `{api_base}/{api_version}/...` with the access token; one HTTP session, opened on first use."""

    def __init__(
        self, *, api_base: str, api_version: str, access_token: str, timeout_s: float = 30.0
    ) -> None:
        self.base = f"{api_base.rstrip('/')}/{api_version.strip('/')}"
        self._auth = {"Authorization": f"Bearer {access_token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def url(self, path: str) -> str:
        """Return the full URL of a Graph path such as `123/messages`."""
        return f"{self.base}/{path.lstrip('/')}"

    async def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON body; return the JSON answer.

        Raises:
            GraphError: non-2xx answer or no answer.
        """
        return await self._json("POST", self.url(path), json=body)

    async def get_json(self, path: str) -> dict[str, Any]:
        """GET a Graph object; return the JSON answer.

        Raises:
            GraphError: non-2xx answer or no answer.
        """
        return await self._json("GET", self.url(path))

    async def post_form(self, path: str, form: aiohttp.FormData) -> dict[str, Any]:
        """POST a multipart form (media upload); return the JSON answer.

        Raises:
            GraphError: non-2xx answer or no answer.
        """
        return await self._json("POST", self.url(path), data=form)

    async def get_bytes(self, url: str, max_bytes: int = MAX_MEDIA_BYTES) -> tuple[bytes, str]:
        """GET a media URL with the bearer token; return (content, content type).

        Raises:
            GraphError: non-2xx answer, no answer, or more than `max_bytes`.
        """
        session = self._open()
        try:
            async with session.get(url, headers=self._auth) as response:
                if response.status >= 300:
                    raise await _error(response)
                chunks, size = [], 0
                async for chunk in response.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise GraphError(response.status, None, None, f"media larger than {max_bytes} bytes")
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("Content-Type", "application/octet-stream")
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise GraphError(0, None, None, f"{type(e).__name__}: {e}") from e

    async def close(self) -> None:
        """Close the HTTP session (a later call opens a new one)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        session = self._open()
        try:
            async with session.request(method, url, headers=self._auth, **kwargs) as response:
                if response.status >= 300:
                    raise await _error(response)
                try:
                    answer = await response.json(content_type=None)
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    raise GraphError(response.status, None, None, "answer is not JSON") from e
                return answer if isinstance(answer, dict) else {"result": answer}
        except (aiohttp.ClientError, TimeoutError, OSError) as e:
            raise GraphError(0, None, None, f"{type(e).__name__}: {e}") from e


async def _error(response: aiohttp.ClientResponse) -> GraphError:
    retry_after = None
    with contextlib.suppress(TypeError, ValueError):
        retry_after = float(response.headers.get("Retry-After", ""))
    code = subcode = None
    message = response.reason or "error"
    with contextlib.suppress(aiohttp.ClientError, json.JSONDecodeError, UnicodeDecodeError, KeyError):
        body = json.loads(await response.read())
        error = body["error"] if isinstance(body, dict) else {}
        if isinstance(error, dict):
            code = error.get("code") if isinstance(error.get("code"), int) else None
            subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
            message = str(error.get("message") or message)
            details = (
                error.get("error_data", {}).get("details")
                if isinstance(error.get("error_data"), dict)
                else None
            )
            if details:
                message = f"{message} ({details})"
    return GraphError(response.status, code, subcode, message, retry_after)
