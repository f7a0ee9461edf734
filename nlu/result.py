"""`ParseResult`: one parsed message in exactly the shape of Rasa's `POST /model/parse` response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FALLBACK_INTENT = "nlu_fallback"


@dataclass(slots=True)
class IntentScore:
    """An intent name with its confidence in [0, 1]."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """Return Rasa's `{"name", "confidence"}` object."""
        return {"name": self.name, "confidence": float(self.confidence)}


@dataclass(slots=True)
class Entity:
    """One entity found in the text; `value` is normalised by synonyms, `start`/`end` index the text."""

    entity: str
    value: str
    start: int
    end: int
    confidence_entity: float = 1.0
    extractor: str = "RegexEntityExtractor"
    role: str | None = None
    group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return Rasa's entity object; `role` and `group` appear only when set, as in Rasa."""
        out: dict[str, Any] = {
            "entity": self.entity,
            "start": self.start,
            "end": self.end,
            "confidence_entity": float(self.confidence_entity),
            "value": self.value,
            "extractor": self.extractor,
        }
        if self.role is not None:
            out["role"] = self.role
        if self.group is not None:
            out["group"] = self.group
        return out


@dataclass(slots=True)
class ParseResult:
    """The text, the chosen intent, the entities and the ranking of intents (best first)."""

    text: str
    intent: IntentScore
    entities: list[Entity] = field(default_factory=list)
    intent_ranking: list[IntentScore] = field(default_factory=list)

    def copy(self) -> ParseResult:
        """Return a deep copy (every part is rebuilt; the fields inside them are immutable values).

        Many times cheaper than `copy.deepcopy`, which the parse cache pays on every hit.
        """
        return ParseResult(
            self.text,
            IntentScore(self.intent.name, self.intent.confidence),
            [
                Entity(e.entity, e.value, e.start, e.end, e.confidence_entity, e.extractor, e.role, e.group)
                for e in self.entities
            ],
            [IntentScore(i.name, i.confidence) for i in self.intent_ranking],
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dict that Rasa's `/model/parse` would return."""
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "entities": [e.to_dict() for e in self.entities],
            "intent_ranking": [i.to_dict() for i in self.intent_ranking],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParseResult:
        """Read a Rasa `/model/parse` response; missing parts become a fallback with no entities."""
        intent = data.get("intent") or {}
        entities = []
        for e in data.get("entities") or []:
            entities.append(
                Entity(
                    entity=str(e.get("entity", "")),
                    value=str(e.get("value", "")),
                    start=int(e.get("start", 0)),
                    end=int(e.get("end", 0)),
                    # Rasa omits confidence_entity for regex/lookup extractors
                    confidence_entity=float(e.get("confidence_entity", 1.0) or 0.0),
                    extractor=str(e.get("extractor", "")),
                    role=e.get("role"),
                    group=e.get("group"),
                )
            )
        ranking = [
            IntentScore(str(i.get("name", "")), float(i.get("confidence", 0.0) or 0.0))
            for i in data.get("intent_ranking") or []
        ]
        return cls(
            text=str(data.get("text", "")),
            intent=IntentScore(
                str(intent.get("name") or FALLBACK_INTENT), float(intent.get("confidence") or 0.0)
            ),
            entities=entities,
            intent_ranking=ranking,
        )
