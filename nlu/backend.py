"""The role every NLU backend plays for the dialogue engine."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from nlu.result import ParseResult


@runtime_checkable
class NluBackend(Protocol):
    """Turns one message into intent and entities; implementations: embedded, Rasa over HTTP."""

    async def parse(self, text: str) -> ParseResult:
        """Parse one message."""
        ...
