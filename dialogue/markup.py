"""KB Markdown for chats: parsed once into lines of styled spans that each channel renders its own way.

Articles are written in Markdown (the admin shows them as HTML). A chat cannot show Markdown as it is (a
client saw raw `**bold**`), and each platform has its own styling: Telegram takes a few HTML tags,
WhatsApp its `*bold*` / `_italic_` marks, the web chat builds its bubble from spans. `parse` reads the
Markdown with markdown-it (CommonMark, raw HTML off) into `Line`s of `Span`s; a renderer per channel turns
those into text (`bots.telegram_common.text.markdown_html`, `bots.whatsapp` and `bots.webchat.render`).
Lines keep the author's line breaks; list items get "•" or their number; headings are bold. The web
admin's article page and preview read the same Markdown with the same parser (`html`), so what the admin
sees as a list or a line break is what the chats show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark", {"html": False})
# The same rules for the admin's HTML; a line break stays one, as in the chats. Every link is kept as a link
# here: the admin's renderer decides which addresses may stay clickable (a refused one becomes "#"), rather
# than showing "[x](javascript:...)" as text.
_HTML = MarkdownIt("commonmark", {"html": False, "breaks": True})
_HTML.validateLink = lambda url: True  # type: ignore[method-assign]


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one style; `href` only for http(s) links."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None


@dataclass(slots=True)
class Line:
    """One line of the message (an empty one separates paragraphs)."""

    spans: list[Span] = field(default_factory=list)

    def text(self) -> str:
        return "".join(s.text for s in self.spans)


def _safe_href(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None


class _Inline:
    """Turns one inline token's children into spans on the lines being built."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.bold = 0
        self.italic = 0
        self.href: list[str | None] = []

    def add(self, text: str, *, code: bool = False) -> None:
        if not text:
            return
        href = self.href[-1] if self.href else None
        self.lines[-1].spans.append(Span(text, self.bold > 0, self.italic > 0, code, href))

    def run(self, children: list[Token]) -> None:
        for token in children:
            kind = token.type
            if kind == "text":
                self.add(token.content)
            elif kind == "code_inline":
                self.add(token.content, code=True)
            elif kind in ("softbreak", "hardbreak"):
                self.lines.append(Line())  # the author's line break stays one
            elif kind == "strong_open":
                self.bold += 1
            elif kind == "strong_close":
                self.bold -= 1
            elif kind == "em_open":
                self.italic += 1
            elif kind == "em_close":
                self.italic -= 1
            elif kind == "link_open":
                self.href.append(_safe_href(str(token.attrs.get("href") or "")))
            elif kind == "link_close":
                if self.href:
                    self.href.pop()
            elif kind == "image":
                self.add(token.content or "[image]")


def parse(markdown: str) -> list[Line]:
    """Read Markdown into lines of spans; an empty `Line` between blocks, none at either end."""
    lines: list[Line] = []
    numbers: list[int | None] = []  # per open list: the next number, None for bullets
    quote = 0

    def new_line(prefix: str = "") -> None:
        if lines and lines[-1].spans:
            lines.append(Line())
        elif not lines:
            lines.append(Line())
        if prefix:
            lines[-1].spans.append(Span(prefix))

    def gap() -> None:
        if lines and lines[-1].spans:
            lines.append(Line())
            lines.append(Line())

    heading = False
    item_started = False
    for token in _PARSER.parse(markdown):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            if not numbers:
                gap()  # a list is a block of its own, like a paragraph
            numbers.append(None if kind == "bullet_list_open" else int(token.attrs.get("start") or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            if numbers:
                numbers.pop()
        elif kind == "list_item_open":
            number = numbers[-1] if numbers else None
            indent = "  " * max(len(numbers) - 1, 0)
            if number is None:
                new_line(f"{indent}• ")
            else:
                new_line(f"{indent}{number}. ")
                numbers[-1] = number + 1
            item_started = True
        elif kind == "paragraph_open":
            if item_started:
                item_started = False  # the item's first paragraph goes on its bullet's line
            elif numbers:
                new_line("  " * len(numbers))
            else:
                gap()
                new_line("> " if quote else "")
        elif kind == "heading_open":
            gap()
            new_line()
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind in ("fence", "code_block"):
            gap()
            for code_line in token.content.rstrip("\n").split("\n"):
                new_line()
                lines[-1].spans.append(Span(code_line, code=True))
        elif kind == "hr":
            gap()
            new_line()
            lines[-1].spans.append(Span("———"))
        elif kind == "inline":
            if not lines:
                lines.append(Line())
            inline = _Inline(lines)
            if heading:
                inline.bold += 1
            inline.run(token.children or [])
    while lines and not lines[-1].spans:
        lines.pop()
    out: list[Line] = []
    for line in lines:  # at most one empty line in a row
        if line.spans or (out and out[-1].spans):
            out.append(line)
    return out


def html(markdown: str) -> str:
    """The article as HTML, parsed as the chats parse it (raw HTML in the source is escaped, never passed)."""
    return str(_HTML.render(markdown))


def render(markdown: str, span: Callable[[Span], str]) -> str:
    """The Markdown as text: each span as `span` writes it, lines joined by line breaks (a channel's renderer
    is its `span` function)."""
    return "\n".join("".join(span(s) for s in line.spans) for line in parse(markdown))


def plain(markdown: str) -> str:
    """The text without its marks (links as "text (address)"), for channels without styling."""
    return render(markdown, _plain_span)


def _plain_span(span: Span) -> str:
    return f"{span.text} ({span.href})" if span.href and span.href != span.text else span.text
