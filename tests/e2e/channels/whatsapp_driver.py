"""The client chat on WhatsApp: signed webhook posts to the app, replies read from the fake Graph API."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2e.channels.driver import Choice, ClientChannelDriver, Shown
from tests.fakes.whatsapp_api import FakeGraphAPI, GraphCall


class WhatsAppDriver(ClientChannelDriver):
    """One WhatsApp user writing to the business number.

    Args:
        api: the fake Graph API the app sends through (it also builds and signs the webhook posts).
        webhook_url: the app's /webhook/whatsapp.
        app_secret: the Meta app secret the app checks signatures with.
        wa_id: the person's WhatsApp id (their phone number in digits).
        profile_name: their WhatsApp profile name.
    """

    name = "whatsapp"

    def __init__(
        self, api: FakeGraphAPI, webhook_url: str, app_secret: str, wa_id: str, profile_name: str = "Пётр"
    ) -> None:
        super().__init__()
        self.api = api
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.wa_id = wa_id
        self.profile_name = profile_name
        self._read = 0

    async def say(self, text: str) -> None:
        """Send a text message."""
        await self._post(self.api.text_message(self.wa_id, text, name=self.profile_name))

    async def share_location(self, lat: float, lon: float) -> None:
        """Share a location pin."""
        await self._post(self.api.location_message(self.wa_id, lat, lon, name=self.profile_name))

    async def send_photo(self) -> None:
        """Send a photo (stored on the fake, so the app could download it)."""
        await self._post(self.api.image_message(self.wa_id, name=self.profile_name))

    async def send_unsupported(self) -> None:
        """React to the bot's last message with an emoji: WhatsApp sends it, the bot cannot read it."""
        await self._post(self.api.unsupported_message(self.wa_id, "reaction", name=self.profile_name))

    async def send_sticker(self) -> None:
        """Send a sticker."""
        await self._post(
            self.api.media_message(self.wa_id, "sticker", b"RIFF\x00\x00WEBPfake", mime_type="image/webp")
        )

    async def _press(self, choice: Choice) -> None:
        kind, reply_id = choice.ref
        builder = self.api.list_reply if kind == "list" else self.api.button_reply
        await self._post(builder(self.wa_id, reply_id, choice.label, name=self.profile_name))

    async def _post(self, payload: dict[str, Any]) -> None:
        status = await self.api.post_webhook(self.webhook_url, payload, self.app_secret)
        assert status == 200, f"the app answered {status} to a signed WhatsApp webhook"

    async def _refresh(self, wait: float) -> None:
        if wait > 0 and not self._collect():
            await asyncio.sleep(min(wait, 0.05))
        self._collect()

    def _collect(self) -> bool:
        calls = self.api.calls
        found = False
        while self._read < len(calls):
            call = calls[self._read]
            self._read += 1
            if call.ok and call.kind == "message" and call.to == self.wa_id:
                self.shown.append(_shown(call))
                found = True
        return found


def _shown(call: GraphCall) -> Shown:
    seen = call.seen
    text = (seen.text if seen is not None else None) or ""
    interactive = call.body.get("interactive")
    if not isinstance(interactive, dict):
        return Shown(text)
    action = interactive.get("action") or {}
    kind = interactive.get("type")
    if kind == "button":
        choices = tuple(
            Choice(b["reply"]["title"], ("button", b["reply"]["id"])) for b in action.get("buttons", [])
        )
    elif kind == "list":
        choices = tuple(
            Choice(row["title"], ("list", row["id"]))
            for section in action.get("sections", [])
            for row in section.get("rows", [])
        )
    else:
        choices = ()
    return Shown(text, choices)
