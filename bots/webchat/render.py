"""Turn messages into the JSON the web chat pages show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bots.webchat.uploads import name_from_file_id
from dialogue.markup import parse
from dialogue.markup import plain as markup_plain
from dialogue.messages import Button, Location, Media, Outbound

FILES_PATH = "/webchat/files/"


def now_iso() -> str:
    """Return the current UTC time in ISO 8601 (timezone-aware)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def media_url(media: Media) -> str | None:
    """Return where a page can load an attachment, or None when the browser cannot reach it.

    Our uploads are served under /webchat/files/; http(s) URLs are used as they are; other platforms'
    file ids (a Telegram file_id) mean nothing to a browser.
    """
    name = name_from_file_id(media.file_id)
    if name is not None:
        return FILES_PATH + name
    if media.file_id.startswith(("https://", "http://")):
        return media.file_id
    if media.file_id.startswith("data:image/"):  # a generated image (a report chart) carried inline
        return media.file_id
    return None


def media_dict(media: Media) -> dict[str, Any]:
    """Return one attachment as the page shows it."""
    return {"kind": media.kind, "url": media_url(media), "caption": media.caption}


def button_dict(button: Button) -> dict[str, Any]:
    """Return one inline button; a URL other than http(s) is dropped so a page never follows it."""
    url = button.url if button.url and button.url.startswith(("https://", "http://")) else None
    return {"text": button.text, "payload": button.payload, "url": url}


def rich_lines(markdown: str) -> list[list[dict[str, Any]]]:
    """KB Markdown as lines of styled spans, which the page builds with DOM calls (never as HTML)."""
    lines = []
    for line in parse(markdown):
        spans = []
        for span in line.spans:
            item: dict[str, Any] = {"t": span.text}
            if span.bold:
                item["b"] = True
            if span.italic:
                item["i"] = True
            if span.code:
                item["c"] = True
            if span.href:
                item["h"] = span.href
            spans.append(item)
        lines.append(spans)
    return lines


def bot_message(out: Outbound) -> dict[str, Any]:
    """Return an outgoing message as a history entry (its "seq" is added by the history).

    "text" is always plain (what a page without styling, or a copy, shows); "rich" comes with KB articles.
    """
    message: dict[str, Any] = {
        "from": "bot",
        "text": markup_plain(out.text) if out.markdown else out.text,
        "rich": rich_lines(out.text) if out.markdown else None,
        "buttons": [[button_dict(b) for b in row] for row in out.buttons if row],
        "media": [media_dict(m) for m in out.media],
        "request_location": out.request_location,
        "request_contact": out.request_contact,
        "at": now_iso(),
    }
    if out.card:
        # A live card: the page replaces the last message of this name (or, for a new one, retires it).
        message.update(card=out.card, card_new=out.card_new)
    return message


def user_message(
    client_msg_id: str,
    text: str | None,
    *,
    media: tuple[Media, ...] = (),
    location: Location | None = None,
) -> dict[str, Any]:
    """Return what a person sent as a history entry, so every open tab and a reload show it too."""
    return {
        "from": "user",
        "client_msg_id": client_msg_id,
        "text": text,
        "buttons": [],
        "media": [media_dict(m) for m in media],
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
        "at": now_iso(),
    }
