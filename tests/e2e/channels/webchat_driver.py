"""A web chat (client or staff) over its JSON API: POST .../send and .../upload, long poll GET .../messages."""

from __future__ import annotations

import itertools
from typing import Any

import aiohttp

from tests.e2e.channels.driver import Choice, ClientChannelDriver, Shown

# The smallest valid PNG (1x1): the upload store checks that a photo is an image.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
_message_ids = itertools.count(1)


class WebChatDriver(ClientChannelDriver):
    """One person's chat on the web chat page of the client or the staff bot.

    What the page shows is the chat history the long poll returns, plus a notice for a message the API
    refused (the page shows the API's error text; so does this driver).

    Args:
        http: a client session.
        base_url: the app's base URL.
        chat_id: the chat (a web account id: a contact or staff id, or any new visitor id).
        bot: "client" or "staff".
        name: the name the page sends with each message.
        lang: the page's language.
    """

    name = "webchat"
    unsupported_answer = "nothing to send"

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        chat_id: str,
        *,
        bot: str = "client",
        name: str = "Пётр",
        lang: str = "ru",
    ) -> None:
        super().__init__()
        self.http = http
        self.api = f"{base_url}/webchat/api/{bot}"
        self.chat_id = chat_id
        self.person_name = name
        self.lang = lang
        self._after = 0

    async def say(self, text: str) -> None:
        """Type a message and send it."""
        await self._send({"text": text})

    async def share_location(self, lat: float, lon: float) -> None:
        """Share a location, as the page's location button does."""
        await self._send({"location": {"lat": lat, "lon": lon}})

    async def send_photo(self) -> None:
        """Attach a photo and send it (multipart upload)."""
        form = aiohttp.FormData()
        for key, value in self._fields().items():
            form.add_field(key, value)
        form.add_field("photo", PNG_1X1, filename="photo.png", content_type="image/png")
        async with self.http.post(f"{self.api}/upload", data=form) as resp:
            await self._check(resp)

    async def send_unsupported(self) -> None:
        """Send an empty message (the page itself would not; a script or an old page might)."""
        await self._send({"text": "   "})

    async def _press(self, choice: Choice) -> None:
        await self._send({"payload": choice.ref, "label": choice.label})

    def _fields(self) -> dict[str, str]:
        return {
            "chat_id": self.chat_id,
            "client_msg_id": f"m{next(_message_ids)}",
            "name": self.person_name,
            "lang": self.lang,
        }

    async def _send(self, fields: dict[str, Any]) -> None:
        async with self.http.post(f"{self.api}/send", json={**self._fields(), **fields}) as resp:
            await self._check(resp)

    async def _check(self, resp: aiohttp.ClientResponse) -> None:
        if resp.status == 200:
            return
        body = await resp.json()
        assert resp.status < 500, f"web chat API failed with {resp.status}: {body}"
        # A refused message is shown to the person as a notice with the API's explanation.
        self.shown.append(Shown(str(body.get("error"))))

    async def _refresh(self, wait: float) -> None:
        params = {"chat_id": self.chat_id, "after": str(self._after), "wait": f"{wait:.2f}"}
        async with self.http.get(f"{self.api}/messages", params=params) as resp:
            assert resp.status == 200, await resp.text()
            body = await resp.json()
        for entry in body["messages"]:
            self._after = max(self._after, int(entry["seq"]))
            if entry.get("from") != "bot":
                continue  # the echo of what this person sent
            choices = tuple(
                Choice(str(button["text"]), button["payload"])
                for row in entry.get("buttons") or []
                for button in row
                if button.get("payload")
            )
            self.shown.append(Shown(entry.get("text") or "", choices))
