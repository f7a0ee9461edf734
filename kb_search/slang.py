"""Colloquial words and abbreviations read as the standard words an article uses ("комп" -> компьютер).

The words are data (`slang.tsv` beside this module), stemmed here as search stems a query, so every form
of a listed word is covered ("компа", "компом"). `expand` is used on a query word that no article of the
KB uses: a KB that itself writes "комп" is searched as it is.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kb_search.text import tokens

SLANG_FILE = Path(__file__).resolve().parent / "slang.tsv"


@cache
def table() -> dict[str, tuple[str, ...]]:
    """Stemmed slang word -> the stemmed standard words (empty for a filler such as "спс")."""
    out: dict[str, tuple[str, ...]] = {}
    for line in SLANG_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        slang, _, standard = line.partition("\t")
        keys = tokens(slang)
        # A slang word that is itself a stop word (or several words) has no single stem to look up.
        if len(keys) == 1 and keys[0] not in out:
            out[keys[0]] = tuple(tokens(standard))
    return out


def expand(term: str) -> tuple[str, ...] | None:
    """The standard stems for a slang stem; None when `term` is not slang."""
    return table().get(term)
