"""One limit on a person's message, from the web chat's text box to the engine that refuses longer ones."""

from __future__ import annotations

import re

import pytest

from bots.webchat.pages import ChatPages
from bots.webchat.requests import BadRequest, parse_send
from dialogue.messages import MAX_TEXT_CHARS, Bot


def test_the_engine_and_the_page_take_the_same_length() -> None:
    html = ChatPages(poll_timeout_s=25, max_upload_bytes=1024).render(Bot.CLIENT, demo=True)
    box = re.search(r'<textarea id="text"[^>]*maxlength="(\d+)"', html)
    assert box is not None and int(box.group(1)) == MAX_TEXT_CHARS


def test_a_longer_text_is_refused_with_the_limit_named() -> None:
    body = {"chat_id": "v-1", "client_msg_id": "m-1", "text": "x" * MAX_TEXT_CHARS}
    assert parse_send(Bot.CLIENT, body).text == "x" * MAX_TEXT_CHARS
    with pytest.raises(BadRequest, match=f"at most {MAX_TEXT_CHARS}"):
        parse_send(Bot.CLIENT, {**body, "text": "x" * (MAX_TEXT_CHARS + 1)})
