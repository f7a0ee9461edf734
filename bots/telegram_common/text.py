"""Plain text for Telegram: HTML escaping, length in Telegram's units, and splitting long texts."""

from __future__ import annotations

import html
from functools import lru_cache

from dialogue.markup import Span, render

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# Preferred places to cut a long text, best first: paragraph, line, sentence, word.
_SEPARATORS = ("\n\n", "\n", ". ", " ")


def escape(text: str) -> str:
    """Escape plain text for parse_mode=HTML (only <, > and & are special there)."""
    return html.escape(text, quote=False)


@lru_cache(maxsize=2048)
def markdown_html(markdown: str) -> str:
    """Render KB Markdown for parse_mode=HTML: bold, italic, code and http(s) links; the rest as text.

    Kept per text: a worker sends the same few hundred KB answers over and over, and a markdown-it parse of
    one was about a twentieth of the worker's CPU per delivered reply (`bench cluster`, py-spy). The
    result depends on the text alone.
    """
    return render(markdown, _html_span)


def _html_span(span: Span) -> str:
    out = escape(span.text)
    if span.code:
        out = f"<code>{out}</code>"
    if span.italic:
        out = f"<i>{out}</i>"
    if span.bold:
        out = f"<b>{out}</b>"
    if span.href:
        out = f'<a href="{html.escape(span.href, quote=True)}">{out}</a>'
    return out


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units, so an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int) -> bool:
    """Tell whether `text` is within `limit` Telegram characters."""
    return tg_len(text) <= limit


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` Telegram characters, cutting at paragraph or line ends.

    Falls back to a sentence end, a space, and last of all a hard cut. Whitespace at a cut is dropped;
    empty pieces are never returned.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = text.strip()
    while rest:
        if fits(rest, limit):
            pieces.append(rest)
            break
        head_end = _prefix_end(rest, limit)
        cut = _best_cut(rest, head_end)
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
    return pieces


def _prefix_end(text: str, limit: int) -> int:
    """Return the largest index i such that text[:i] fits in `limit` UTF-16 units."""
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _best_cut(text: str, head_end: int) -> int:
    head = text[:head_end]
    for sep in _SEPARATORS:
        at = head.rfind(sep)
        # A cut in the first quarter would leave a tiny piece and many messages; try a finer separator.
        if at > head_end // 4:
            return at + len(sep)
    return head_end
