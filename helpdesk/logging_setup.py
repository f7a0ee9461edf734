"""Logging: one line per record, level from HELPDESK_LOG_LEVEL."""

from __future__ import annotations

import logging
import os


def setup_logging() -> None:
    """Configure the root logger once."""
    level = os.environ.get("HELPDESK_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("aiogram.event", "httpx", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
