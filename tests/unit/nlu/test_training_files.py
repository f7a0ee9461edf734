from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu.loader import load_training_data
from nlu.rasa_yaml import to_yaml
from nlu.training_data import TrainingDataError

GOOD = """version: "3.1"
nlu:
- intent: report_problem
  examples: |
    - the [printer](equipment) is broken
    - [котёл](equipment) не работает, [срочно](urgency:high)
- intent: greet
  examples: |
    - hello
    - привет
- synonym: high
  examples: |
    - urgent
    - срочно
- regex: ticket_number
  examples: |
    - HD-\\d{3,6}
- lookup: equipment
  examples: |
    - printer
    - boiler
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_every_block(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", GOOD))
    assert [(e.text, e.intent) for e in data.examples] == [
        ("the printer is broken", "report_problem"),
        ("котёл не работает, срочно", "report_problem"),
        ("hello", "greet"),
        ("привет", "greet"),
    ]
    assert data.examples[1].entities[1].value == "high"
    assert data.synonyms == {"urgent": "high", "срочно": "high"}
    assert data.regexes == [("ticket_number", r"HD-\d{3,6}")]
    assert data.lookups == {"equipment": ["printer", "boiler"]}


def test_yaml_round_trip(tmp_path: Path) -> None:
    data = load_training_data(write(tmp_path, "nlu.yml", GOOD))
    again = load_training_data(write(tmp_path, "again.yml", to_yaml(data)))
    assert again.examples == data.examples
    assert again.synonyms == data.synonyms
    assert again.regexes == data.regexes
    assert again.lookups == data.lookups


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("nlu:\n- intent: greet\n  examples: |\n    - hi\n    hello\n", 5, "must start with '- '"),
        ("nlu:\n- intent: greet\n  examples: |\n    - hi\n- intent: bye\n", 5, "has no 'examples'"),
        ("nlu:\n- intent: greet\n  examples: |\n    - [hi]{oops}\n", 4, "not valid JSON"),
        ("nlu:\n- regex: n\n  examples: |\n    - (\\d+\n", 4, "invalid pattern"),
        ("nlu:\n- intent: a\n  examples: |\n   - x\n  - y: [\n", 5, "invalid YAML"),
        ("nlu:\n- greeting: a\n  examples: |\n    - x\n", 2, "expected exactly one of intent"),
        ("version: '3.1'\nstories: []\n", 1, "no 'nlu:' section"),
    ],
)
def test_bad_yaml_names_file_line_and_problem(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, "bad.yml", text)
    with pytest.raises(TrainingDataError) as err:
        load_training_data(path)
    assert err.value.line == line
    assert words in err.value.problem
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_legacy_json(tmp_path: Path) -> None:
    doc = {
        "rasa_nlu_data": {
            "common_examples": [
                {
                    "text": "dim the lights in the bedroom",
                    "intent": "iot_dim",
                    "entities": [
                        {"start": 22, "end": 29, "value": "bedroom", "entity": "place", "role": "target"}
                    ],
                },
                {"text": "hello", "intent": "greet", "entities": []},
            ],
            "intent_examples": [{"text": "hello", "intent": "greet"}],
            "entity_synonyms": [{"value": "bedroom", "synonyms": ["sleeping room"]}],
            "regex_features": [{"name": "zip", "pattern": "\\d{5}"}],
            "lookup_tables": [{"name": "place", "elements": ["kitchen", "bedroom"]}],
        }
    }
    data = load_training_data(write(tmp_path, "data.json", json.dumps(doc)))
    assert [e.text for e in data.examples] == ["dim the lights in the bedroom", "hello"]
    span = data.examples[0].entities[0]
    assert (span.entity, span.value, span.role) == ("place", "bedroom", "target")
    assert data.synonyms == {"sleeping room": "bedroom"}
    assert data.regexes == [("zip", "\\d{5}")]
    assert data.lookups == {"place": ["kitchen", "bedroom"]}


def test_legacy_json_errors(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError) as err:
        load_training_data(write(tmp_path, "a.json", '{"rasa_nlu_data": {\n "common_examples": [,]}}'))
    assert err.value.line == 2 and "invalid JSON" in err.value.problem
    bad_span = {
        "rasa_nlu_data": {
            "common_examples": [
                {"text": "hi", "intent": "g", "entities": [{"start": 0, "end": 9, "entity": "x"}]}
            ]
        }
    }
    with pytest.raises(TrainingDataError, match="outside the text"):
        load_training_data(write(tmp_path, "b.json", json.dumps(bad_span, indent=1)))
    with pytest.raises(TrainingDataError, match="rasa_nlu_data"):
        load_training_data(write(tmp_path, "c.json", "[]"))


def test_folder_merges_nlu_files_and_skips_others(tmp_path: Path) -> None:
    write(tmp_path, "domain.yml", "version: '3.1'\nintents: [greet]\n")
    (tmp_path / "data").mkdir()
    write(tmp_path, "data/a.yml", GOOD)
    write(tmp_path, "data/b.yml", "nlu:\n- intent: bye\n  examples: |\n    - bye\n")
    data = load_training_data(tmp_path)
    assert data.intents == ["bye", "greet", "report_problem"]


def test_missing_and_empty_inputs(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no such file"):
        load_training_data(tmp_path / "nope.yml")
    with pytest.raises(TrainingDataError, match="no intent examples"):
        load_training_data(write(tmp_path, "empty.yml", "nlu:\n- lookup: x\n  examples: |\n    - a\n"))
    with pytest.raises(TrainingDataError, match="unknown file type"):
        load_training_data(write(tmp_path, "x.txt", "hi"))
