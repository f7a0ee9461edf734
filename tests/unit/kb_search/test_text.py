"""Tokens, stemming by script, chunks and snippets."""

from __future__ import annotations

from kb_search.text import chunks, query_text, snippet, tokens


def test_russian_and_english_words_are_stemmed_by_their_script() -> None:
    assert tokens("принтеры принтера") == [tokens("принтер")[0]] * 2
    assert tokens("printers printing")[0] == tokens("printer")[0]
    assert tokens("Ёлка") == tokens("елка")


def test_stopwords_and_punctuation_are_dropped() -> None:
    assert tokens("How do I fix the VPN?") == tokens("fix vpn")
    assert tokens("как мне починить принтер") == tokens("починить принтер")


def test_russian_words_of_one_family_meet_though_snowball_stems_them_apart() -> None:
    # Snowball leaves "восстановлен" / "восстанов", "подписк" / "подписа", "настройк" / "настро": the
    # noun a client types does not match the verb the article uses. Stems cut to six letters meet.
    assert set(tokens("восстановление пароля")) == set(tokens("как восстановить пароль"))
    assert tokens("подписка") == tokens("подписаться")
    assert tokens("настройки") == tokens("настроить")
    assert tokens("загрузка загрузки загрузку загрузкой") == tokens("загрузка") * 4
    # English words keep their Snowball stems whole.
    assert tokens("subscription subscribe") == ["subscript", "subscrib"]


def test_greetings_and_thanks_around_a_question_are_left_out_of_the_query() -> None:
    assert (
        query_text("Здравствуйте! Не могу войти в аккаунт, подскажите пожалуйста")
        == "Не могу войти в аккаунт"
    )
    assert (
        query_text("Добрый день, коллеги. Принтер зажевал бумагу. Заранее спасибо!")
        == "Принтер зажевал бумагу."
    )
    assert (
        query_text("Уважаемая поддержка, как отменить подписку? Буду благодарна") == "как отменить подписку?"
    )
    assert query_text("Hi team, the VPN drops every hour, thanks in advance") == "the VPN drops every hour"
    assert query_text("Подскажите, пожалуйста, где взять ключ трансляции") == "где взять ключ трансляции"
    # A question that is nothing but a formula, or has none, is kept as written.
    assert query_text("Спасибо!") == "Спасибо!"
    assert query_text("как поменять пароль") == "как поменять пароль"
    # Words of the question itself are kept even when a formula word is among them.
    assert (
        query_text("не приходит письмо с благодарностью за заказ")
        == "не приходит письмо с благодарностью за заказ"
    )
    assert query_text("help desk phone number") == "help desk phone number"
    assert query_text("hi-fi speakers hum") == "hi-fi speakers hum"
    assert query_text("срочно нужен электрик") == "срочно нужен электрик"
    assert query_text("нужен электрик срочно") == "нужен электрик срочно"
    # Urgency standing apart from the question is no topic.
    assert query_text("Срочно: нет света в офисе") == "нет света в офисе"
    assert query_text("нет света в офисе, очень срочно!") == "нет света в офисе"
    assert query_text("Help! VPN drops every hour") == "VPN drops every hour"


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
