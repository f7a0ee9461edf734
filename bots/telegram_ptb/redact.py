"""Keep bot tokens out of the logs: the Bot API puts the token in every URL, and httpx logs URLs at INFO."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_URL = re.compile(r"/(file/)?bot\d+:[A-Za-z0-9_-]+")
# httpx logs every request; httpcore only at DEBUG, but with the same URLs.
_LOGGERS = ("httpx", "httpcore")


class TokenRedactingFilter(logging.Filter):
    """Replace `/bot<id>:<secret>` in a record's message with `/bot<token>`; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place and keep it."""
        message = record.getMessage()
        redacted = _TOKEN_IN_URL.sub(lambda m: f"/{m.group(1) or ''}bot<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_FILTER = TokenRedactingFilter()


def install_token_redaction() -> None:
    """Attach the redacting filter to the HTTP client loggers PTB uses (once per process)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
