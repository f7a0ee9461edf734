"""The Rasa backend: a running `rasa run --enable-api` server reached over HTTP."""

from __future__ import annotations

from typing import Any

import aiohttp

from nlu.result import ParseResult


class RasaUnavailableError(RuntimeError):
    """The Rasa server did not answer or answered with an error."""


class RasaBackend:
    """Calls `POST {url}/model/parse` and returns its answer as a `ParseResult`."""

    def __init__(self, url: str, *, timeout_s: float = 10.0, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def parse(self, text: str) -> ParseResult:
        """Parse one message on the Rasa server.

        Raises:
            RasaUnavailableError: the server is down, slow or returned an error.
        """
        params = {"token": self.token} if self.token else None
        try:
            session = await self._client()
            async with session.post(f"{self.url}/model/parse", json={"text": text}, params=params) as resp:
                if resp.status != 200:
                    body = (await resp.text())[:200]
                    raise RasaUnavailableError(
                        f"Rasa at {self.url} answered HTTP {resp.status}: {body}; is a model loaded?"
                    )
                data: dict[str, Any] = await resp.json()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailableError(
                f"Rasa at {self.url} is not reachable ({exc.__class__.__name__}); start it with scripts/rasa/serve.sh"
            ) from exc
        return ParseResult.from_dict(data)

    async def status(self) -> dict[str, Any]:
        """The server's `/status` (loaded model); raises RasaUnavailableError when down."""
        try:
            session = await self._client()
            async with session.get(f"{self.url}/status") as resp:
                resp.raise_for_status()
                result: dict[str, Any] = await resp.json()
                return result
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailableError(f"Rasa at {self.url} is not reachable: {exc}") from exc

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
