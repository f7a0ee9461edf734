"""Load Rasa training data from a YAML file, a legacy JSON file, or a folder of them."""

from __future__ import annotations

from pathlib import Path

from nlu.rasa_json import read_json
from nlu.rasa_yaml import read_yaml
from nlu.training_data import TrainingData, TrainingDataError

YAML_SUFFIXES = (".yml", ".yaml")


def load_training_data(path: Path | str) -> TrainingData:
    """Read Rasa NLU training data from a file or every `.yml`/`.yaml`/`.json` under a folder.

    Raises:
        TrainingDataError: the path is missing, a file is malformed, or there are no examples.
    """
    path = Path(path)
    if not path.exists():
        raise TrainingDataError(
            path, None, "no such file or folder; give a Rasa YAML file, a folder or a legacy JSON file"
        )
    if path.is_dir():
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (*YAML_SUFFIXES, ".json")
        )
        data = TrainingData()
        for file in files:
            # A Rasa project folder also holds domain, stories and config files: skip what is not NLU.
            if file.suffix.lower() == ".json":
                data.merge(read_json(file))
            else:
                data.merge(read_yaml(file, require_nlu=False))
    elif path.suffix.lower() == ".json":
        data = read_json(path)
    elif path.suffix.lower() in YAML_SUFFIXES:
        data = read_yaml(path)
    else:
        raise TrainingDataError(
            path, None, "unknown file type; use .yml/.yaml (Rasa 3) or .json (Rasa legacy)"
        )
    if not data.examples:
        raise TrainingDataError(
            path, None, "no intent examples found; add '- intent: NAME' blocks with 'examples: |'"
        )
    return data
