"""Tokens, stemming by script, chunks and snippets."""

from __future__ import annotations

from kb_search.text import chunks, snippet, tokens


def test_russian_and_english_words_are_stemmed_by_their_script() -> None:
    assert tokens("принтеры принтера") == [tokens("принтер")[0]] * 2
    assert tokens("printers printing")[0] == tokens("printer")[0]
    assert tokens("Ёлка") == tokens("елка")


def test_stopwords_and_punctuation_are_dropped() -> None:
    assert tokens("How do I fix the VPN?") == tokens("fix vpn")
    assert tokens("как мне починить принтер") == tokens("починить принтер")


def test_mixed_script_text_keeps_both_languages() -> None:
    assert set(tokens("не работает VPN")) >= {tokens("работает")[0], "vpn"}


def test_short_article_is_one_chunk_with_the_title() -> None:
    assert chunks("Title", "one two three") == ["Title. one two three"]


def test_long_article_is_cut_with_overlap_and_every_chunk_has_the_title() -> None:
    body = " ".join(f"w{i}" for i in range(400))
    parts = chunks("T", body, max_words=160, overlap=30)
    assert len(parts) == 3
    assert all(p.startswith("T. ") for p in parts)
    assert "w130" in parts[0] and "w130" in parts[1]
    assert parts[-1].endswith("w399")


def test_snippet_centres_on_the_matching_sentence() -> None:
    body = "Intro sentence about nothing. " * 10 + "Reset the boiler with the red button. " + "Outro. " * 10
    text = snippet(body, set(tokens("boiler reset")), size=60)
    assert "boiler" in text and text.startswith("…")
