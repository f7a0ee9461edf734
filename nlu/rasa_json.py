"""Read Rasa's legacy JSON training data (`{"rasa_nlu_data": {"common_examples": [...], ...}}`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nlu.training_data import EntitySpan, Example, TrainingData, TrainingDataError

EXAMPLE_LISTS = ("common_examples", "intent_examples", "entity_examples")


def _line_of(source: str, needle: str) -> int | None:
    # json keeps no positions; the line of the example's text is the most useful pointer.
    encoded = json.dumps(needle)[1:-1]
    for number, line in enumerate(source.splitlines(), start=1):
        if encoded in line or needle in line:
            return number
    return None


def _entities(path: Path, source: str, text: str, raw: Any) -> list[EntitySpan]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise TrainingDataError(
            path, _line_of(source, text), f"'entities' of example {text!r} must be a list"
        )
    out = []
    for item in raw:
        try:
            start, end = int(item["start"]), int(item["end"])
            name = str(item["entity"])
        except (KeyError, TypeError, ValueError):
            raise TrainingDataError(
                path,
                _line_of(source, text),
                f"an entity of example {text!r} needs integer 'start', 'end' and an 'entity' name",
            ) from None
        if not 0 <= start < end <= len(text):
            raise TrainingDataError(
                path,
                _line_of(source, text),
                f"entity {name!r} span {start}:{end} is outside the text {text!r}",
            )
        role, group = item.get("role"), item.get("group")
        out.append(
            EntitySpan(
                name,
                str(item.get("value", text[start:end])),
                start,
                end,
                role=None if role is None else str(role),
                group=None if group is None else str(group),
            )
        )
    return out


def read_json(path: Path) -> TrainingData:
    """Read one Rasa legacy JSON file.

    Raises:
        TrainingDataError: the file is not JSON or has not the `rasa_nlu_data` shape.
    """
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TrainingDataError(
            path, None, f"not UTF-8 text ({exc.reason}); save the file as UTF-8"
        ) from None
    try:
        doc = json.loads(source)
    except json.JSONDecodeError as exc:
        raise TrainingDataError(path, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rasa_nlu_data"), dict):
        raise TrainingDataError(
            path, 1, "expected an object with 'rasa_nlu_data' (Rasa's legacy JSON format)"
        )
    body = doc["rasa_nlu_data"]
    data = TrainingData()
    seen: set[tuple[str, str]] = set()
    for key in EXAMPLE_LISTS:
        for item in body.get(key) or []:
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise TrainingDataError(path, None, f"each item of {key!r} must be an object with a 'text'")
            text, intent = item["text"], item.get("intent")
            if not text.strip():
                raise TrainingDataError(path, _line_of(source, text), f"an example in {key!r} has empty text")
            if not intent:
                # Entity-only examples teach entities, not intents; the embedded model needs an intent.
                continue
            # Old files list the same example under several keys.
            if (text, str(intent)) in seen:
                continue
            seen.add((text, str(intent)))
            data.examples.append(
                Example(text, str(intent), _entities(path, source, text, item.get("entities")))
            )
    for syn in body.get("entity_synonyms") or []:
        value = syn.get("value") if isinstance(syn, dict) else None
        if not value:
            raise TrainingDataError(
                path, None, "each item of 'entity_synonyms' needs a 'value' and 'synonyms'"
            )
        for surface in syn.get("synonyms") or []:
            data.synonyms[str(surface).lower()] = str(value)
    for rx in body.get("regex_features") or []:
        if not isinstance(rx, dict) or "name" not in rx or "pattern" not in rx:
            raise TrainingDataError(
                path, _line_of(source, str(rx)), "each regex feature needs 'name' and 'pattern'"
            )
        data.regexes.append((str(rx["name"]), str(rx["pattern"])))
    for table in body.get("lookup_tables") or []:
        if not isinstance(table, dict) or "name" not in table:
            raise TrainingDataError(path, None, "each lookup table needs 'name' and 'elements'")
        elements = table.get("elements") or []
        if isinstance(elements, str):
            # Rasa allows a path to a text file with one element per line, relative to the data file.
            table_path = (path.parent / elements) if not Path(elements).is_absolute() else Path(elements)
            if not table_path.is_file():
                raise TrainingDataError(
                    path, _line_of(source, elements), f"lookup file {elements!r} not found"
                )
            elements = [e.strip() for e in table_path.read_text(encoding="utf-8").splitlines() if e.strip()]
        data.lookups.setdefault(str(table["name"]), []).extend(str(e) for e in elements)
    return data
