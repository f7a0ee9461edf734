"""The Russian morphological analyser (pymorphy3), loaded once per process for every module that reads Russian
words: names declined in texts (`dialogue.names`) and typed answers matched to buttons (`dialogue.choice_words`)."""

from __future__ import annotations

from functools import cache

import pymorphy3


@cache
def morph() -> pymorphy3.MorphAnalyzer:
    """The analyser (its dictionaries load on first use, about 0.2 s)."""
    return pymorphy3.MorphAnalyzer()
