"""Plain text for Telegram: escaping, counting as Telegram does, splitting long texts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bots.telegram_common.text import escape, split_text, tg_len


def test_escape_only_what_html_mode_needs() -> None:
    assert escape('<b>"A & B"</b>') == '&lt;b&gt;"A &amp; B"&lt;/b&gt;'


def test_emoji_count_twice() -> None:
    assert tg_len("ok👍") == 4


def test_prefers_paragraphs_then_lines() -> None:
    text = "first paragraph\n\nsecond line one\nsecond line two"
    assert split_text(text, 32) == ["first paragraph", "second line one\nsecond line two"]
    assert split_text("aaaa bbbb\ncccc dddd", 12) == ["aaaa bbbb", "cccc dddd"]


def test_hard_cut_when_there_is_no_space() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_never_cuts_an_emoji_in_half() -> None:
    pieces = split_text("👍" * 7, 4)
    assert pieces == ["👍👍", "👍👍", "👍👍", "👍"]


def test_blank_text_gives_nothing() -> None:
    assert split_text(" \n\n ") == []


def test_tiny_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        split_text("abc", 1)


@given(
    text=st.text(alphabet=st.sampled_from(list("ab яё.\n👍")), max_size=400),
    limit=st.integers(2, 60),
)
def test_pieces_fit_and_keep_every_word(text: str, limit: int) -> None:
    pieces = split_text(text, limit)

    assert all(0 < tg_len(piece) <= limit for piece in pieces)
    assert all(piece == piece.strip() for piece in pieces)
    # Only whitespace at the cuts may go: the non-space characters survive, in order.
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)


def test_markdown_html_renders_a_text_once_and_gives_the_same_html_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker sends the same KB answers over and over: the second send of a text costs no parse."""
    from bots.telegram_common import text as text_module

    calls: list[str] = []
    real_render = text_module.render

    def counting_render(markdown: str, span: Any) -> str:
        calls.append(markdown)
        return real_render(markdown, span)

    monkeypatch.setattr(text_module, "render", counting_render)
    article = (
        "**Перезагрузите** роутер: [инструкция](https://example.com/a?b=1&c=2) и `reset` — once-only-text"
    )
    first = text_module.markdown_html(article)
    second = text_module.markdown_html(article)
    assert first == second == real_render(article, text_module._html_span)
    assert "<b>Перезагрузите</b>" in first and 'href="https://example.com/a?b=1&amp;c=2"' in first
    assert calls == [article]
