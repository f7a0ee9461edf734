"""Logging: one line per record, as JSON (LOG_FORMAT=json, production) or as text (a developer's terminal).

Every line logged during a turn carries the update id, the chat and, once the turn has loaded or opened one,
the ticket number (`ticket_core.log_context`): in JSON as the keys `update`, `chat`, `ticket`; in text as
`[update=... chat=... ticket=...]` after the message. The level comes from HELPDESK_LOG_LEVEL.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

from ticket_core.log_context import log_fields

LogFormat = Literal["text", "json"]
CONTEXT_KEYS = ("update", "chat", "ticket")  # first, in this order; any other bound field follows
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"
JSON_FIELDS = ("levelname", "name", "message")


class TurnFields(logging.Filter):
    """Copies the task's log context onto each record: `record.context` (text) and one attribute per field."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = log_fields()
        ordered = {k: fields[k] for k in CONTEXT_KEYS if k in fields}
        ordered.update({k: v for k, v in fields.items() if k not in ordered})
        record.context = " [" + " ".join(f"{k}={v}" for k, v in ordered.items()) + "]" if ordered else ""
        record.turn_fields = ordered
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line: time, level, logger, message, the turn's fields, and a traceback if any."""

    def __init__(self) -> None:
        super().__init__(
            list(JSON_FIELDS),
            rename_fields={"levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
            timestamp="time",  # ISO 8601 in UTC
        )

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:  # type: ignore[type-arg]
        """The standard fields, then the turn's (`update`, `chat`, `ticket`), never the helper attributes."""
        super().add_fields(log_data, record, message_dict)
        log_data.pop("context", None)
        log_data.pop("turn_fields", None)
        log_data.update(getattr(record, "turn_fields", {}))


def formatter(fmt: LogFormat) -> logging.Formatter:
    """The formatter for LOG_FORMAT."""
    return JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def setup_logging(fmt: LogFormat = "text") -> None:
    """Configure the root logger once: a stderr handler with the turn's fields on every line."""
    level = os.environ.get("HELPDESK_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt))
    handler.addFilter(TurnFields())
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("aiogram.event", "httpx", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
