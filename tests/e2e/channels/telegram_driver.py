"""The client chat on Telegram: updates pushed into the fake Bot API, which the app long-polls."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from tests.e2e.channels.driver import Choice, ClientChannelDriver, Shown
from tests.fakes.telegram_api import FakeTelegramAPI

_SEND_METHODS = ("sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAudio")
_file_numbers = itertools.count(1)


class TelegramDriver(ClientChannelDriver):
    """A private chat of one Telegram user with the client bot.

    Args:
        api: the fake Bot API the app polls.
        token: the client bot's token.
        user_id: the person's Telegram id (also the private chat id).
        first_name: their profile name.
        lang: their Telegram app language.
    """

    name = "telegram"

    def __init__(
        self, api: FakeTelegramAPI, token: str, user_id: int, first_name: str = "Пётр", lang: str = "ru"
    ) -> None:
        super().__init__()
        self.api = api
        self.token = token
        self.user_id = user_id
        self.first_name = first_name
        self.lang = lang
        self._read = 0  # how many of api.calls were looked at

    async def say(self, text: str) -> None:
        """Send a text message (a command when it starts with /)."""
        self.api.push_text(
            self.user_id, self.user_id, text, first_name=self.first_name, lang=self.lang, token=self.token
        )

    async def share_location(self, lat: float, lon: float) -> None:
        """Share a location, as the reply keyboard's location button does."""
        self.api.push_location(
            self.user_id, self.user_id, lat, lon, first_name=self.first_name, lang=self.lang, token=self.token
        )

    async def send_photo(self) -> None:
        """Send a photo (the fake lists three sizes of it, like Telegram)."""
        self.api.push_photo(
            self.user_id, self.user_id, first_name=self.first_name, lang=self.lang, token=self.token
        )

    async def send_unsupported(self) -> None:
        """Send a sticker: the bot reads no text, photo, location or contact in it."""
        self._push_content(
            {
                "sticker": {
                    "file_id": f"CAACAgIAAxkBAAE{next(_file_numbers):06d}",
                    "file_unique_id": f"AgADsticker{next(_file_numbers)}",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "👍",
                }
            }
        )

    async def send_voice(self) -> None:
        """Send a voice note."""
        self._push_content(
            {
                "voice": {
                    "file_id": f"AwACAgIAAxkBAAE{next(_file_numbers):06d}",
                    "file_unique_id": f"AgADvoice{next(_file_numbers)}",
                    "duration": 3,
                    "mime_type": "audio/ogg",
                    "file_size": 5120,
                }
            }
        )

    def _push_content(self, content: dict[str, Any]) -> None:
        # The fake has helpers for text, photo, location and contact only; this is the Bot API's Message shape.
        message_id = 10_000 + next(_file_numbers)
        message = {
            "message_id": message_id,
            "from": {
                "id": self.user_id,
                "is_bot": False,
                "first_name": self.first_name,
                "language_code": self.lang,
            },
            "chat": {"id": self.user_id, "type": "private", "first_name": self.first_name},
            "date": int(time.time()),
            **content,
        }
        self.api.push_update({"message": message}, token=self.token)

    async def _press(self, choice: Choice) -> None:
        data, message_id = choice.ref
        self.api.push_callback(
            self.user_id,
            self.user_id,
            data,
            message_id,
            first_name=self.first_name,
            lang=self.lang,
            token=self.token,
        )

    async def _refresh(self, wait: float) -> None:
        if wait > 0 and not self._collect():
            await asyncio.sleep(min(wait, 0.05))
        self._collect()

    def _collect(self) -> bool:
        calls = self.api.calls
        found = False
        while self._read < len(calls):
            call = calls[self._read]
            if call.method in _SEND_METHODS and call.ok and call.result is None:
                break  # recorded but not answered yet: read it next time
            self._read += 1
            if (
                call.ok
                and call.token == self.token
                and call.method in _SEND_METHODS
                and call.params.get("chat_id") == self.user_id
            ):
                message_id = call.result.get("message_id") if isinstance(call.result, dict) else None
                choices = tuple(
                    Choice(str(button["text"]), (str(button["callback_data"]), message_id))
                    for row in call.buttons
                    for button in row
                    if button.get("callback_data") is not None
                )
                self.shown.append(Shown(call.plain_text or "", choices))
                found = True
        return found
