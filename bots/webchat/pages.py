"""The two server-rendered chat pages (client and staff), rendered once from one jinja2 template."""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dialogue.messages import Bot

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


def render_pages(poll_timeout_s: float, max_upload_bytes: int) -> dict[Bot, str]:
    """Return the HTML of the client and the staff page."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    template = env.get_template("chat.html")
    version = asset_version()
    return {
        bot: template.render(
            bot=str(bot),
            title=TITLES[bot],
            static=STATIC_PATH,
            api=f"{API_PATH}{bot}",
            version=version,
            poll_timeout_s=poll_timeout_s,
            max_upload_bytes=max_upload_bytes,
        )
        for bot in Bot
    }
