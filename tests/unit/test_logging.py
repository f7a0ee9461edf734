"""Log lines: JSON (LOG_FORMAT=json) or text, with the turn's update, chat and ticket on each line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from helpdesk.logging_setup import TurnFields, formatter
from helpdesk.settings import Settings
from ticket_core.log_context import bind, log_context, log_fields


def logger_to(stream: io.StringIO, fmt: str) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(fmt))  # type: ignore[arg-type]
    handler.addFilter(TurnFields())
    log = logging.getLogger(f"test-logging-{fmt}")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log


def test_json_lines_carry_the_turns_update_chat_and_ticket() -> None:
    out = io.StringIO()
    log = logger_to(out, "json")
    log.info("before the turn")
    with log_context(update="tg:client:7", chat="telegram:client:42"):
        log.info("recorded %s", "x")
        bind(ticket=1017)
        try:
            raise ValueError("боль")
        except ValueError:
            log.exception("турн упал")
    log.info("after the turn")
    before, recorded, failed, after = (json.loads(line) for line in out.getvalue().splitlines())
    assert before["message"] == "before the turn" and "update" not in before and "chat" not in before
    assert recorded["update"] == "tg:client:7" and recorded["chat"] == "telegram:client:42"
    assert "ticket" not in recorded and recorded["message"] == "recorded x" and recorded["level"] == "INFO"
    assert failed["ticket"] == 1017 and failed["message"] == "турн упал"
    assert "ValueError: боль" in failed["exc_info"]
    assert failed["time"].endswith("+00:00") and failed["logger"] == "test-logging-json"
    assert "ticket" not in after and "update" not in after
    assert "context" not in failed and "turn_fields" not in failed


def test_text_lines_are_for_a_terminal_with_the_fields_after_the_message() -> None:
    out = io.StringIO()
    log = logger_to(out, "text")
    with log_context(update="tg:client:7", chat="telegram:client:42"):
        bind(ticket=1017)
        log.warning("slow turn")
    log.warning("idle")
    turn, idle = out.getvalue().splitlines()
    assert turn.endswith(
        "WARNING test-logging-text: slow turn [update=tg:client:7 chat=telegram:client:42 ticket=1017]"
    )
    assert idle.endswith("WARNING test-logging-text: idle")


def test_bind_outside_a_turn_changes_nothing_and_contexts_nest() -> None:
    bind(ticket=5)
    assert log_fields() == {}
    with log_context(update="u1", chat="c1"):
        with log_context(ticket=9):
            assert log_fields() == {"update": "u1", "chat": "c1", "ticket": 9}
        assert log_fields() == {"update": "u1", "chat": "c1"}
    assert log_fields() == {}


def test_the_setting_chooses_the_format(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).log_format == "text"  # type: ignore[call-arg]
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert Settings(_env_file=None).log_format == "json"  # type: ignore[call-arg]
