"""The engineer's side over the web staff chat: find who got the offer card, then accept and finish the job.

The staff side is not what the channel transcripts are about, so it always runs on the web chat.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

from dialogue.i18n import say
from helpdesk.demo.loader import read_directory
from tests.e2e.channels.webchat_driver import WebChatDriver

UNTICKED = "⬜"  # how the checklist card marks an item not ticked yet
MAX_DONE_STEPS = 12  # checklist ticks and photo requests before the note; more means the flow is stuck


@dataclass
class StaffChat:
    """One engineer's web staff chat and the language the bot speaks there."""

    chat: WebChatDriver
    lang: str
    offer: str  # the offer card's text

    async def accept(self, ref: str) -> None:
        """Accept the offered job."""
        await self.chat.press(say(self.lang, "Accept"))
        await self.chat.wait_for(say(self.lang, "You accepted {ref}. The client has been told.", ref=ref))

    async def finish(self, ref: str, note: str) -> None:
        """Mark the accepted job done with `note`: tick the checklist and send a photo when asked, skip the time."""
        note_q = say(
            self.lang,
            "Describe what you did on {ref} (one message). If a KB article answers it, add kb:ID of the article.",
            ref=ref,
        )
        checklist = say(self.lang, "Checklist for {ref}: tick every item.", ref=ref)
        photo = say(self.lang, "{ref} needs a photo of the finished work: send it.", ref=ref)
        await self.chat.press(say(self.lang, "Done"))
        for _ in range(MAX_DONE_STEPS):
            step = await self.chat.wait_for_shown(checklist, photo, note_q)
            if note_q in step.text:
                break
            if photo in step.text:
                await self.chat.send_photo()
                continue
            unticked = [c for c in step.choices if c.label.startswith(UNTICKED)]
            label = unticked[0].label if unticked else say(self.lang, "All done")
            await self.chat.press(label)
        else:
            raise AssertionError(f"Done on {ref} never asked for the note; staff chat: {self.chat.texts()}")
        await self.chat.say(note)
        await self.chat.wait_for(say(self.lang, "How long did it take?"))
        await self.chat.press(say(self.lang, "Skip"))
        await self.chat.wait_for(
            say(self.lang, "{ref} is marked done. The client has been asked to rate it.", ref=ref)
        )


async def find_offer(
    http: aiohttp.ClientSession,
    base_url: str,
    ref: str,
    timeout: float = 10.0,  # noqa: ASYNC109 - reads better in tests
) -> StaffChat:
    """Return the staff chat of the demo engineer whose chat shows the offer card of `ref`.

    Routing picks the engineer (skills, distance, load), so every demo engineer's chat is read.

    Raises:
        AssertionError: no engineer got the card within `timeout` seconds.
    """
    engineers = [row for row in read_directory()["staff"] if row["role"] == "engineer"]
    chats = {
        row["id"]: (
            WebChatDriver(http, base_url, row["id"], bot="staff", name=row["name"], lang=row["lang"]),
            row["lang"],
        )
        for row in engineers
    }
    headline = {"ru": "Новая заявка", "en": "New job"}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        for chat, lang in chats.values():
            await chat.refresh()
            wanted = f"{headline[lang]} {ref}"
            if any(wanted in text for text in chat.texts()):
                return StaffChat(chat, lang, await chat.wait_for(wanted))
        await asyncio.sleep(0.05)
    raise AssertionError(f"no demo engineer got the offer for {ref} within {timeout}s")
