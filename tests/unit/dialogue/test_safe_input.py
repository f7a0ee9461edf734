"""JSON bodies within limits and control characters out of text: the rules every entry point shares."""

from __future__ import annotations

import json

import pytest

from dialogue.messages import Bot, Channel, Contact, Inbound, Media
from dialogue.safe_input import (
    MAX_DEPTH,
    JsonInputError,
    check_charset,
    decode_json,
    find_control,
    strip_controls,
)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_refused() -> None:
    assert decode_json(nested(MAX_DEPTH)) is not None
    with pytest.raises(JsonInputError, match="nested too deeply") as caught:
        decode_json(nested(MAX_DEPTH + 1))
    assert caught.value.status == 400


@pytest.mark.parametrize("depth", [1_000, 5_000, 100_000])
def test_very_deep_nesting_is_a_clear_error_not_a_recursion_error(depth: int) -> None:
    with pytest.raises(JsonInputError, match="nested too deeply"):
        decode_json(nested(depth))
    deep_objects = b'{"a":' * depth + b"1" + b"}" * depth
    with pytest.raises(JsonInputError, match="nested too deeply"):
        decode_json(deep_objects)


def test_the_depth_error_names_where_it_is() -> None:
    body = {"update_id": 1, "message": {"x": json.loads(nested(40))}}
    with pytest.raises(JsonInputError) as caught:
        decode_json(json.dumps(body).encode())
    assert caught.value.path is not None and caught.value.path.startswith("message.x")


def test_size_limit_answers_413() -> None:
    with pytest.raises(JsonInputError) as caught:
        decode_json(b'"' + b"a" * 2000 + b'"', max_bytes=1000)
    assert caught.value.status == 413


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"  \n ", "empty"),
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"a": "\xc3\x28"}', "UTF-8"),
        (b'{"a": 1', "not valid JSON"),
        (b"NaN", "not a JSON number"),
        (b'{"lat": Infinity}', "not a JSON number"),
        (b"1e999", "out of range"),
        (b"1" * 30, "64 bits"),
        (b"1" * 5000, "64 bits"),  # beyond Python's int digits limit, which raises a plain ValueError
        (str(2**63).encode(), "64 bits"),
    ],
)
def test_bad_bodies_are_json_input_errors(raw: bytes, message: str) -> None:
    with pytest.raises(JsonInputError, match=message) as caught:
        decode_json(raw)
    assert caught.value.status == 400


def test_a_byte_order_mark_and_64_bit_numbers_are_accepted() -> None:
    assert decode_json(b'\xef\xbb\xbf{"id": -9223372036854775808}') == {"id": -(2**63)}


@pytest.mark.parametrize("charset", [None, "utf-8", "UTF-8", "utf8", '"utf-8"', "us-ascii"])
def test_utf8_charsets_are_accepted(charset: str | None) -> None:
    check_charset(charset)
    assert decode_json(b"{}", charset=charset) == {}


@pytest.mark.parametrize("charset", ["xx-unknown", "rot13", "base64", "utf-16", "latin-1", ""])
def test_other_charsets_are_refused_with_400(charset: str) -> None:
    with pytest.raises(JsonInputError, match="charset") as caught:
        decode_json(b"{}", charset=charset)
    assert caught.value.status == 400


def test_strip_mode_cleans_every_string_and_key() -> None:
    raw = json.dumps({"te\u0000xt": ["a\u0000b", "\ud800x", "line\r\nnext", {"k": "\u0007tab\there"}]})
    assert decode_json(raw.encode()) == {"text": ["ab", "x", "line\nnext", {"k": "tab\there"}]}


def test_refuse_mode_names_the_field_with_the_control_character() -> None:
    raw = json.dumps({"description": "ok", "tags": ["a", "b\u0000"]}).encode()
    with pytest.raises(JsonInputError, match="U\\+0000") as caught:
        decode_json(raw, controls="refuse")
    assert caught.value.path == "tags[1]" and caught.value.status == 400
    with pytest.raises(JsonInputError, match="U\\+D800"):
        decode_json(json.dumps({"title": "\ud800"}).encode(), controls="refuse")


def test_refuse_mode_keeps_tabs_and_line_breaks() -> None:
    body = {"description": "one\r\ntwo\tthree\nfour"}
    assert decode_json(json.dumps(body).encode(), controls="refuse") == body


def test_strip_controls_and_find_control() -> None:
    assert strip_controls("a\x00b\x1fc\x7fd\x85e\ud800f") == "abcdef"
    assert strip_controls("keep\ttabs\nand\r\nlines\r") == "keep\ttabs\nand\nlines\n"
    assert find_control("fine\t\r\n text") is None
    assert find_control("bad\x00") == "\x00"
    assert find_control("bad\x1b[31m") == "\x1b"


def test_inbound_text_is_cleaned_whichever_channel_builds_it() -> None:
    inbound = Inbound(
        channel=Channel.TELEGRAM,
        bot=Bot.CLIENT,
        chat_id="1",
        sender_id="1",
        dedup_key="tg:client:1",
        text="hello\x00 world\ud800",
        sender_name="Ann\x00",
        media=(Media("photo", "file\x00", "cap\x07tion"),),
        contact=Contact("+7\x00900", first_name="\x00"),
    )
    assert inbound.text == "hello world"
    assert inbound.sender_name == "Ann"
    assert inbound.media[0].file_id == "file" and inbound.media[0].caption == "caption"
    assert inbound.contact is not None and inbound.contact.phone == "+7900"
    assert inbound.contact.first_name is None  # nothing but control characters: as if not sent


def test_a_text_of_only_control_characters_is_no_text() -> None:
    inbound = Inbound(Channel.WEB, Bot.CLIENT, "c", "c", "k", text="\x00\x01")
    assert inbound.text is None
