"""The two server-rendered chat pages (client and staff) from one jinja2 template.

Demo pages are the same for everyone and rendered once; a widget page names the visitor's or the signed-in
staff member's own chat, so it is rendered per request.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dialogue.messages import MAX_TEXT_CHARS, Bot

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PATH = "/webchat/static/"
API_PATH = "/webchat/api/"

TITLES = {Bot.CLIENT: "Helpdesk - client chat", Bot.STAFF: "Helpdesk - staff chat"}


def asset_version() -> str:
    """Return a short hash of the static files, so a browser reloads them after they change."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.glob("*")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class ChatPages:
    """Renders the chat page of a bot.

    Args:
        poll_timeout_s: the long poll's wait, for the page's request timeout.
        max_upload_bytes: the largest photo, checked by the page before it uploads.
    """

    def __init__(self, poll_timeout_s: float, max_upload_bytes: int) -> None:
        env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
        self._template = env.get_template("chat.html")
        self._version = asset_version()
        self._poll_timeout_s = poll_timeout_s
        self._max_upload_bytes = max_upload_bytes
        self._demo = {bot: self.render(bot, demo=True) for bot in Bot}

    def demo(self, bot: Bot) -> str:
        """Return the demo page of `bot` (with the identity picker)."""
        return self._demo[bot]

    def render(
        self,
        bot: Bot,
        *,
        demo: bool = False,
        chat_id: str | None = None,
        who: str | None = None,
        login_url: str | None = None,
        blocked_s: int | None = None,
    ) -> str:
        """Return the HTML of a page.

        Args:
            bot: which chat.
            demo: show the identity picker (the page names the chat it speaks for).
            chat_id: the widget's own chat (the visitor's or the signed-in staff member's).
            who: how a signed-in staff member is named in the header.
            login_url: where the page sends a staff member whose login has ended.
            blocked_s: no session could be given out (too many new ones from this address); the page says
                so and how many seconds to wait.
        """
        return self._template.render(
            bot=str(bot),
            title=TITLES[bot],
            static=STATIC_PATH,
            api=f"{API_PATH}{bot}",
            version=self._version,
            poll_timeout_s=self._poll_timeout_s,
            max_upload_bytes=self._max_upload_bytes,
            max_text=MAX_TEXT_CHARS,
            mode="demo" if demo else "widget",
            chat_id=chat_id or "",
            who=who or "",
            login_url=login_url or "",
            blocked_s="" if blocked_s is None else str(blocked_s),
        )
