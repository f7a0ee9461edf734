"""One KB article, every channel: Markdown is styled the platform's way and never shown raw
(a working day's stumble: `**bold**` showed as it is in the web chat)."""

from __future__ import annotations

from bots.telegram_common.plan import plan_outbound
from bots.telegram_common.text import markdown_html
from bots.webchat.render import bot_message
from bots.whatsapp.text import markdown_whatsapp
from dialogue.markup import parse, plain
from dialogue.messages import Bot, Channel, Outbound

ARTICLE = """If the printer says **Paper jam**:

1. Switch it *off* and wait 30 s.
2. Open the cover; see [the manual](https://example.com/manual) and press `Reset`.

- Never pull <b>hard</b>
- Fan the stack
[not a link](javascript:alert(1))"""


def test_the_structure_is_read_once() -> None:
    lines = [line.text() for line in parse(ARTICLE)]
    assert lines == [
        "If the printer says Paper jam:",
        "",
        "1. Switch it off and wait 30 s.",
        "2. Open the cover; see the manual and press Reset.",
        "",
        "• Never pull <b>hard</b>",
        "• Fan the stack",
        "[not a link](javascript:alert(1))",
    ]
    assert "**" not in plain(ARTICLE) and "(https://example.com/manual)" in plain(ARTICLE)


def test_telegram_gets_its_html_with_everything_else_escaped() -> None:
    html = markdown_html(ARTICLE)
    assert "If the printer says <b>Paper jam</b>:" in html
    assert "Switch it <i>off</i>" in html and "<code>Reset</code>" in html
    assert '<a href="https://example.com/manual">the manual</a>' in html
    assert "&lt;b&gt;hard&lt;/b&gt;" in html  # raw HTML in an article stays text
    assert html.count("<a ") == 1  # the javascript: link is not made a link
    out = Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", ARTICLE, markdown=True)
    assert plan_outbound(out)[0].text == html
    plain_out = Outbound(Channel.TELEGRAM, Bot.CLIENT, "42", "5 **stars**")
    assert plan_outbound(plain_out)[0].text == "5 **stars**"  # plain text stays as typed


def test_whatsapp_gets_its_marks() -> None:
    text = markdown_whatsapp(ARTICLE)
    assert "If the printer says *Paper jam*:" in text
    assert "Switch it _off_" in text and "`Reset`" in text
    assert "the manual (https://example.com/manual)" in text


def test_the_web_chat_gets_spans_and_plain_text() -> None:
    entry = bot_message(Outbound(Channel.WEB, Bot.CLIENT, "v-1", ARTICLE, markdown=True))
    assert "**" not in entry["text"]
    first = entry["rich"][0]
    assert {"t": "Paper jam", "b": True} in first
    links = [s for line in entry["rich"] for s in line if "h" in s]
    assert links == [{"t": "the manual", "h": "https://example.com/manual"}]
    assert bot_message(Outbound(Channel.WEB, Bot.CLIENT, "v-1", "plain"))["rich"] is None


def test_an_outbound_keeps_the_flag_through_the_outbox() -> None:
    out = Outbound(Channel.WEB, Bot.CLIENT, "v-1", ARTICLE, markdown=True)
    assert Outbound.from_dict(out.to_dict()).markdown is True
    legacy = out.to_dict()
    legacy.pop("markdown")
    assert Outbound.from_dict(legacy).markdown is False  # rows queued before the flag existed
