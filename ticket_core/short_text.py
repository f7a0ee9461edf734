"""A text cut to fit one line of a card or a list, for the chats and the web pages alike."""

from __future__ import annotations

LINE_ENDS = ".!?;:,…"
"""A line that ends with one of these joins the next with a space when lines are shown as one."""


def short(text: str, limit: int, *, keep_lines: bool = False) -> str:
    """Cut a text to `limit` characters on a word boundary, with an ellipsis.

    Runs of whitespace become one space; with `keep_lines` the line breaks stay (empty lines go), for texts
    that are read as several lines, such as an engineer's note and its checklist. Without it the lines join
    with "; " unless a line already ends with a stop or a comma: a client's separate messages and lines
    ("half of each label" / "It jams every third sheet") must not run together into one sentence.
    """
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if keep_lines:
        text = "\n".join(lines)
    else:
        text = "".join(
            line if i == 0 else (" " if lines[i - 1][-1] in LINE_ENDS else "; ") + line
            for i, line in enumerate(lines)
        )
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:boundary].rstrip(";") if boundary > 0 else cut) + "…"
