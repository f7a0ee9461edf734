"""Convert public intent data sets (Banking77 CSV, CLINC150 JSON) into Rasa training data."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from nlu.training_data import Example, TrainingData, TrainingDataError

FORMATS = ("banking77", "clinc150", "csv")


def from_csv(path: Path, text_column: str = "text", intent_column: str = "category") -> TrainingData:
    """Read a `text,intent` CSV such as Banking77's `train.csv`.

    Raises:
        TrainingDataError: a column is missing or a row is empty.
    """
    data = TrainingData()
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if (
            not reader.fieldnames
            or text_column not in reader.fieldnames
            or intent_column not in reader.fieldnames
        ):
            raise TrainingDataError(
                path,
                1,
                f"expected a header with {text_column!r} and {intent_column!r}, found {reader.fieldnames}",
            )
        for row in reader:
            text, intent = (row.get(text_column) or "").strip(), (row.get(intent_column) or "").strip()
            if not text or not intent:
                raise TrainingDataError(path, reader.line_num, "empty text or intent")
            data.examples.append(Example(text, intent))
    return data


def from_clinc(path: Path, splits: tuple[str, ...]) -> TrainingData:
    """Read splits (`train`, `val`, `test`, `oos_train`, `oos_val`, ...) of CLINC150's JSON file.

    Raises:
        TrainingDataError: the file is not CLINC150 JSON or a split is missing.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TrainingDataError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    data = TrainingData()
    for split in splits:
        if not isinstance(doc, dict) or split not in doc:
            have = ", ".join(doc) if isinstance(doc, dict) else "no splits"
            raise TrainingDataError(path, None, f"no split {split!r}; the file has: {have}")
        for pair in doc[split]:
            text, intent = str(pair[0]).strip(), str(pair[1]).strip()
            if text:
                data.examples.append(Example(text, intent))
    return data


def sample_per_intent(data: TrainingData, per_intent: int, seed: int = 0) -> TrainingData:
    """Keep at most `per_intent` examples of each intent (few-shot training sets)."""
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = {}
    for ex in data.examples:
        by_intent.setdefault(ex.intent, []).append(ex)
    out = TrainingData(synonyms=dict(data.synonyms), regexes=list(data.regexes), lookups=dict(data.lookups))
    for intent in sorted(by_intent):
        items = by_intent[intent]
        out.examples.extend(items if len(items) <= per_intent else rng.sample(items, per_intent))
    return out


def split_few_shot(data: TrainingData, per_intent: int, seed: int = 0) -> tuple[TrainingData, TrainingData]:
    """`per_intent` examples of each intent to train on (as `sample_per_intent` picks them), the rest to test."""
    train = sample_per_intent(data, per_intent, seed)
    # Count by (text, intent): a text that occurs twice goes to test as often as it was not picked.
    picked: dict[tuple[str, str], int] = {}
    for ex in train.examples:
        picked[(ex.text, ex.intent)] = picked.get((ex.text, ex.intent), 0) + 1
    test = TrainingData()
    for ex in data.examples:
        key = (ex.text, ex.intent)
        if picked.get(key, 0) > 0:
            picked[key] -= 1
        else:
            test.examples.append(ex)
    return train, test


def split_per_intent(
    data: TrainingData, test_fraction: float, seed: int = 0
) -> tuple[TrainingData, TrainingData]:
    """A stratified split into (train, test), `test_fraction` of each intent in test."""
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = {}
    for ex in data.examples:
        by_intent.setdefault(ex.intent, []).append(ex)
    train, test = TrainingData(), TrainingData()
    for intent in sorted(by_intent):
        items = list(by_intent[intent])
        rng.shuffle(items)
        k = round(len(items) * test_fraction)
        test.examples.extend(items[:k])
        train.examples.extend(items[k:])
    return train, test
