"""HTML of mails: sanitised with nh3 (Ammonia) before it is shown or sent, and read as plain text.

A mail's HTML is the sender's: scripts, styles, event handlers, remote images that track the reader. Only
what nh3 keeps by default (text markup, links, tables) ever leaves this module as HTML.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3

BLOCK_END = re.compile(r"(?i)<\s*(?:br\s*/?|/p|/div|/li|/tr|/h[1-6]|/blockquote)\s*>")
NO_TEXT_TAGS: set[str] = set()
MANY_BLANKS = re.compile(r"\n{3,}")


def sanitize(html: str) -> str:
    """HTML with only safe markup left: no scripts, styles, event handlers or remote images."""
    tags = set(nh3.ALLOWED_TAGS) - {"img"}
    return nh3.clean(html, tags=tags, link_rel="noopener noreferrer nofollow")


def to_text(html: str) -> str:
    """The text a person reads in an HTML mail, line breaks kept at block ends (a mail without a text part)."""
    marked = BLOCK_END.sub("\n", html)
    # Without tags nh3 keeps only text, and drops the content of <script> and <style> entirely.
    text = html_lib.unescape(nh3.clean(marked, tags=NO_TEXT_TAGS))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip()
