"""The two server-rendered chat pages (client and staff) from one jinja2 template.

Demo pages are the same for everyone and rendered once; a widget page names the visitor's or the signed-in
staff member's own chat, so it is rendered per request.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dialogue.i18n import N_, say
from dialogue.messages import MAX_TEXT_CHARS, Bot

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PATH = "/webchat/static/"
API_PATH = "/webchat/api/"

TITLES = {Bot.CLIENT: "Helpdesk - client chat", Bot.STAFF: "Helpdesk - staff chat"}
PAGE_WORDS: dict[str, str] = {
    "titleclient": N_("Helpdesk - client chat"),
    "titlestaff": N_("Helpdesk - staff chat"),
    # The round mark beside the heading: the initial of who the chat is for, in the page's language.
    "logoclient": N_("C (the client chat's mark)"),
    "logostaff": N_("S (the staff chat's mark)"),
    # The EN/RU buttons change only the page: the bot's answers follow the person's profile.
    "langHint": N_("Page only: answers come in your profile's language"),
    "chatAs": N_("Chat as"),
    "language": N_("Language"),
    "connecting": N_("Connecting…"),
    "online": N_("Online"),
    "offline": N_("Connection lost, reconnecting…"),
    "stopped": N_("Not connected"),
    "placeholder": N_("Type a message"),
    "newVisitor": N_("New visitor"),
    "chooseEngineer": N_("Choose who you are"),
    "noStaff": N_(
        "No staff member has web chat access yet. Load the demo data (helpdesk demo-data) and reload."
    ),
    "noIdentity": N_("Choose who you are in the list above to start."),
    "emptyClient": N_("Ask a question or describe your problem."),
    "emptyStaff": N_("Job offers and updates for you will appear here."),
    "sending": N_("sending…"),
    "notSent": N_("Not sent - tap to retry"),
    "attach": N_("Attach a photo"),
    "locate": N_("Share location"),
    "send": N_("Send"),
    "location": N_("Location"),
    "photo": N_("Photo"),
    "scanned": N_("Report a fault on this equipment"),
    "file": N_("File"),
    "shareLocation": N_("Share location"),
    "noGeo": N_("This browser cannot share a location."),
    "geoFailed": N_("Could not get your location: "),
    "notImage": N_("Only photos can be sent: JPEG, PNG, GIF or WebP."),
    "tooBig": N_("The photo is too large: at most {mb} MB."),
    "identitiesFailed": N_("The list of people could not be loaded; reload the page in a moment."),
    "role_engineer": N_("engineer"),
    "role_supervisor": N_("supervisor"),
    "role_admin": N_("admin"),
    "tooManyChats": N_("Too many new chats were started from your network. Wait {s} s and reload the page."),
    "tooFast": N_("You are sending messages too fast. Wait {s} s and send again."),
    "sessionEnded": N_(
        "Your chat session has ended (or this browser blocks cookies). Reload the page to continue."
    ),
    "signedOut": N_("You are signed out. Sign in again to use the staff chat."),
}
"""The page's own words (its header, states, buttons and warnings) by the key chat.js reads them with."""


def page_texts() -> dict[str, dict[str, str]]:
    """The page's words in English and Russian: chat.js switches the language without a reload."""
    return {lang: {key: say(lang, text) for key, text in PAGE_WORDS.items()} for lang in ("en", "ru")}


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
        self._texts = page_texts()
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
            texts=self._texts,
            poll_timeout_s=self._poll_timeout_s,
            max_upload_bytes=self._max_upload_bytes,
            max_text=MAX_TEXT_CHARS,
            mode="demo" if demo else "widget",
            chat_id=chat_id or "",
            who=who or "",
            login_url=login_url or "",
            blocked_s="" if blocked_s is None else str(blocked_s),
        )
