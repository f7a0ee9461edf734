"""The parser a process answers with while its model is still being trained (a first start).

Training the embedded model takes 10-40 s of CPU; a fresh install should not wait for it before the first
client is answered. Until the trained model is swapped in, this parser reads the same training data
with simple rules: a message that is one of the training examples (word by word on stems, so case,
punctuation and inflection do not matter) gets that example's intent, and entities are found by the
data's regexes, lookup tables and annotated values (`nlu.entities`, the extractor the trained model uses
too). Anything else is `nlu_fallback`, which the dialogue answers from the knowledge base.
"""

from __future__ import annotations

from pathlib import Path

from nlu.entities import EntityExtractor, _Stems
from nlu.loader import load_training_data
from nlu.result import FALLBACK_INTENT, IntentScore, ParseResult
from nlu.training_data import TrainingData

INTERIM_VERSION = "interim-rules"


class RuleParser:
    """Intents of the training examples said again, entities by the data's tables; cheap enough for the loop."""

    def __init__(self, data: TrainingData) -> None:
        self._stems = _Stems()
        self.extractor = EntityExtractor.from_training_data(data)
        intents: dict[tuple[str, ...], set[str]] = {}
        for example in data.examples:
            intents.setdefault(self._key(example.text), set()).add(example.intent)
        # A phrasing two intents share says nothing for sure: it is left to the trained model.
        self._intents = {key: next(iter(names)) for key, names in intents.items() if key and len(names) == 1}

    @classmethod
    def from_file(cls, path: Path | str) -> RuleParser:
        """Build the rules from a Rasa training file or folder."""
        return cls(load_training_data(path))

    def _key(self, text: str) -> tuple[str, ...]:
        return tuple(stem for stem, _, _ in self._stems.tokens(text))

    def parse_now(self, text: str) -> ParseResult:
        """Parse one message (microseconds: a dictionary lookup and the entity tables)."""
        intent = self._intents.get(self._key(text))
        score = IntentScore(intent, 1.0) if intent is not None else IntentScore(FALLBACK_INTENT, 0.0)
        return ParseResult(text, score, self.extractor.extract(text), [score])

    async def parse(self, text: str) -> ParseResult:
        """Parse one message, in the `NluBackend` shape."""
        return self.parse_now(text)
