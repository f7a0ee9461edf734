"""Plain-text rules of the Cloud API: message length, short labels, and template parameters."""

from __future__ import annotations

import re

from dialogue.markup import Span, render

TEXT_LIMIT = 4096  # characters in one text message
INTERACTIVE_BODY_LIMIT = 1024
TEMPLATE_PARAM_LIMIT = 1024
ELLIPSIS = "…"

# Where to cut a long text, best first: between paragraphs, lines, sentences, words.
_BREAKS = ("\n\n", "\n", ". ", " ")
_CYRILLIC = re.compile("[а-яёА-ЯЁ]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_SPACE_RUNS = re.compile(r"[ \t\u00a0]+")
_ENDS_SENTENCE = (".", "!", "?", ":", ";", "…", ",")


def markdown_whatsapp(markdown: str) -> str:
    """Render KB Markdown in WhatsApp's marks: *bold*, _italic_, `code`; links as "text (address)"."""
    return render(markdown, _wa_span)


def _wa_span(span: Span) -> str:
    text = span.text
    core = text.strip()
    if core and (span.bold or span.italic or span.code):
        # WhatsApp styles a run only when its marks touch the words: keep the spaces outside them.
        lead, tail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if span.code:
            core = f"`{core}`"
        if span.italic:
            core = f"_{core}_"
        if span.bold:
            core = f"*{core}*"
        text = f"{lead}{core}{tail}"
    if span.href and span.href != span.text.strip():
        text = f"{text} ({span.href})"
    return text


def looks_russian(text: str) -> bool:
    """Tell whether a text is in Russian by its script (an `Outbound` carries no language)."""
    return bool(_CYRILLIC.search(text))


def shorten(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters, ending with an ellipsis when it was cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split `text` into pieces of at most `limit` characters, cutting at paragraph, line or word ends.

    Whitespace at a cut is dropped and no piece is empty; a word longer than `limit` is cut hard.
    """
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_before(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def split_tail(text: str, limit: int) -> tuple[str, str]:
    """Split `text` into (head, tail) so that the tail has at most `limit` characters and is as long as a
    clean cut allows; head is "" when the whole text fits.
    """
    text = text.strip()
    if len(text) <= limit:
        return "", text
    window_start = len(text) - limit
    for brk in _BREAKS:
        at = text.find(brk, window_start)
        # A cut in the last quarter would leave a stub as the tail; try a finer break instead.
        if at != -1 and at + len(brk) < len(text) - limit // 4:
            keep = 1 if brk == ". " else 0  # the full stop stays with its sentence
            return text[: at + keep].rstrip(), text[at + len(brk) :].lstrip()
    return text[:window_start].rstrip(), text[window_start:].lstrip()


def template_param(text: str, limit: int = TEMPLATE_PARAM_LIMIT) -> str:
    """Make `text` a valid template body parameter: one line, no tabs, no long space runs, <= limit.

    Line breaks become sentence breaks so "Status: done\\nEngineer: Ivan" reads "Status: done. Engineer: Ivan".
    """
    parts = [_SPACE_RUNS.sub(" ", line).strip() for line in _LINE_BREAKS.split(text.strip())]
    flat = ""
    for part in filter(None, parts):
        if not flat:
            flat = part
        elif flat.endswith(_ENDS_SENTENCE):
            flat += " " + part
        else:
            flat += ". " + part
    return shorten(flat, limit)


def _cut_before(text: str, limit: int) -> int:
    head = text[:limit]
    for brk in _BREAKS:
        at = head.rfind(brk)
        # A cut in the first quarter would leave a stub and many messages; try a finer break instead.
        if at > limit // 4:
            return at + len(brk) if brk == ". " else at
    return limit
