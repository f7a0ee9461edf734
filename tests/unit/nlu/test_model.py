from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import nlu
from nlu.default_model import ensure_default_model, model_is_current
from nlu.features import FeatureConfig
from nlu.model import EmbeddedModel, ModelNotFoundError
from nlu.trainer import TrainConfig

# TF-IDF only: no sentence encoder to load, so these tests take a second.
FAST = TrainConfig(features=FeatureConfig(encoders=(), tfidf=True, tfidf_weight=1.0))

INTENTS = {
    "report_problem": [
        "the {x} is broken",
        "my {x} does not work",
        "{x} stopped working",
        "the {x} is leaking",
        "{x} makes a strange noise",
        "our {x} is dead",
        "the {x} keeps failing",
        "{x} broke down",
    ],
    "ask_question": [
        "how do I reset the {x}",
        "how to configure the {x}",
        "where is the manual for the {x}",
        "how can I clean the {x}",
        "what settings should the {x} have",
        "how do I turn on the {x}",
        "how often should the {x} be serviced",
        "how do I update the {x}",
    ],
    "greet": ["hello", "hi", "good morning", "hey there", "hello team", "hi again", "good afternoon", "hey"],
}
THINGS = ["printer", "boiler", "router", "air conditioner"]


def nlu_yaml() -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent, templates in INTENTS.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        for i, t in enumerate(templates):
            for thing in THINGS if "{x}" in t else [""]:
                lines.append("    - " + t.format(x=f"[{thing}](equipment)" if i % 2 else thing))
    lines += [
        "- regex: ticket_number",
        "  examples: |",
        "    - HD-\\d{3,6}",
        "- lookup: equipment",
        "  examples: |",
        *[f"    - {t}" for t in THINGS],
        "- synonym: air conditioner",
        "  examples: |",
        "    - ac",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture()
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "nlu.yml"
    path.write_text(nlu_yaml(), encoding="utf-8")
    return path


def test_train_save_load_parse(data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    trained = nlu.train(data_file, out, FAST)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["n_examples"] == len(nlu.load_training_data(data_file).examples)
    assert meta["train_s"] > 0 and meta["created_at"].endswith("+00:00")
    model = EmbeddedModel.load(out)
    for text, intent in [
        ("the boiler is broken", "report_problem"),
        ("how do I reset the router", "ask_question"),
        ("hello", "greet"),
    ]:
        result = model.parse(text)
        assert result.intent.name == intent, text
        assert result.intent_ranking[0].name == intent
        assert result.to_dict() == trained.parse(text).to_dict()
    shown = model.parse("the AC is broken, see HD-1234").to_dict()
    assert [(e["entity"], e["value"]) for e in shown["entities"]] == [
        ("equipment", "air conditioner"),
        ("ticket_number", "HD-1234"),
    ]
    confidences = [r["confidence"] for r in shown["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-3)


def test_unknown_text_is_less_confident_and_falls_back_below_the_threshold(
    data_file: Path, tmp_path: Path
) -> None:
    model = nlu.train(data_file, tmp_path / "m", FAST)
    known = min(
        model.parse(t).intent.confidence
        for t in ["hello", "the printer is broken", "how do I reset the boiler"]
    )
    odd = model.parse("qwzx vvvv plmk")
    assert odd.intent.confidence < known
    model.threshold = (odd.intent.confidence + known) / 2
    shown = model.parse("qwzx vvvv plmk").to_dict()
    assert shown["intent"] == {"name": "nlu_fallback", "confidence": pytest.approx(model.threshold)}
    assert shown["intent_ranking"][0]["name"] == "nlu_fallback"
    assert model.parse("hello").intent.name == "greet"


async def test_backend_protocol_and_async_parse(data_file: Path, tmp_path: Path) -> None:
    nlu.train(data_file, tmp_path / "m", FAST)
    backend = nlu.load_backend("embedded", tmp_path / "m", "http://unused")
    assert isinstance(backend, nlu.NluBackend)
    results = await asyncio.gather(*(backend.parse(t) for t in ["hello", "my printer does not work"]))
    assert [r.intent.name for r in results] == ["greet", "report_problem"]


def test_bad_data_keeps_the_old_model(data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    nlu.train(data_file, out, FAST)
    before = (out / "meta.json").read_text()
    bad = tmp_path / "bad.yml"
    bad.write_text("nlu:\n- intent: a\n  examples: |\n    - x\n    y\n", encoding="utf-8")
    with pytest.raises(nlu.TrainingDataError):
        nlu.train(bad, out, FAST)
    assert (out / "meta.json").read_text() == before


def test_single_intent_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.yml"
    path.write_text("nlu:\n- intent: a\n  examples: |\n    - x\n    - y\n", encoding="utf-8")
    with pytest.raises(nlu.TrainingDataError, match="at least two intents"):
        nlu.train(path, tmp_path / "m", FAST)


def test_missing_model_and_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="helpdesk nlu train"):
        nlu.load_backend("embedded", tmp_path / "none", "")
    with pytest.raises(ValueError, match="embedded, rasa"):
        nlu.load_backend("spacy", tmp_path, "")


def test_processes_sharing_the_model_folder_train_it_once(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A web process and a worker started together from a fresh checkout: one trains, the other waits."""
    import nlu.trainer as trainer  # default_model imports it only when there is training to do

    calls: list[Path] = []
    real_train = trainer.train

    def slow_train(data: Path, out: Path) -> EmbeddedModel:
        calls.append(data)
        time.sleep(0.3)  # long enough for the other starter to reach the model folder meanwhile
        return real_train(data, out, FAST)

    monkeypatch.setattr(trainer, "train", slow_train)
    out = tmp_path / "model"
    errors: list[BaseException] = []

    def start() -> None:
        try:
            ensure_default_model(out, data_file)
        except BaseException as e:  # a failed rename would surface here
            errors.append(e)

    starters = [threading.Thread(target=start) for _ in range(3)]  # flock excludes separate opens, too
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    assert errors == [] and len(calls) == 1
    assert model_is_current(out, data_file)


def test_ensure_default_model_trains_only_when_data_changes(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nlu.trainer as trainer  # default_model imports it only when there is training to do

    calls: list[Path] = []
    real_train = trainer.train

    def fast_train(data: Path, out: Path) -> EmbeddedModel:
        calls.append(data)
        return real_train(data, out, FAST)

    monkeypatch.setattr(trainer, "train", fast_train)
    out = tmp_path / "model"
    assert not model_is_current(out, data_file)
    ensure_default_model(out, data_file)
    ensure_default_model(out, data_file)
    assert len(calls) == 1 and model_is_current(out, data_file)
    data_file.write_text(
        nlu_yaml() + "- intent: bye\n  examples: |\n    - bye\n    - goodbye\n    - see you\n",
        encoding="utf-8",
    )
    assert not model_is_current(out, data_file)
    ensure_default_model(out, data_file)
    assert len(calls) == 2
    assert "bye" in EmbeddedModel.load(out).classifier.labels

    # A model made by an older recipe is retrained even when the data is the same.
    meta_path = out / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "recipe": meta["recipe"] - 1}), encoding="utf-8")
    assert not model_is_current(out, data_file)
    ensure_default_model(out, data_file)
    assert len(calls) == 3 and model_is_current(out, data_file)


async def test_concurrent_parses_are_batched_and_match_single_parses(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlu.embedded import EmbeddedBackend

    model = nlu.train(data_file, tmp_path / "m", FAST)
    texts = ["hello", "the boiler is broken", "how do I reset the router", "hi"] * 5
    singles = [model.parse(t).to_dict() for t in texts]
    sizes: list[int] = []
    real = EmbeddedModel.parse_many

    def counting(self: EmbeddedModel, batch: list[str], spare: Any = None) -> list[nlu.ParseResult]:
        sizes.append(len(batch))
        return real(self, batch, spare)

    monkeypatch.setattr(EmbeddedModel, "parse_many", counting)
    backend = EmbeddedBackend(model, max_batch=8)
    results = await asyncio.gather(*(backend.parse(t) for t in texts))
    assert [r.to_dict() for r in results] == singles
    assert sum(sizes) == len(texts)
    assert 1 < max(sizes) <= 8


async def test_a_failing_batch_reports_the_error_and_the_backend_keeps_working(
    data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nlu.embedded import EmbeddedBackend

    model = nlu.train(data_file, tmp_path / "m", FAST)
    backend = EmbeddedBackend(model)

    def broken(self: EmbeddedModel, batch: list[str], spare: Any = None) -> list[nlu.ParseResult]:
        raise RuntimeError("encoder died")

    with monkeypatch.context() as patch:
        patch.setattr(EmbeddedModel, "parse_many", broken)
        with pytest.raises(RuntimeError, match="encoder died"):
            await backend.parse("hello")
    assert (await backend.parse("hello")).intent.name == "greet"


def test_a_spare_core_changes_nothing_in_the_answers(data_file: Path, tmp_path: Path) -> None:
    """A lone batch lends its encoders an idle core (#22): the first stage's last encoder runs on it."""
    from concurrent.futures import ThreadPoolExecutor

    two = FeatureConfig(encoders=("use", "minilm-int8"), first_stage=("use", "minilm-int8"))
    model = nlu.train(data_file, tmp_path / "m", TrainConfig(features=two))
    texts = ["hello", "the boiler is broken", "how do I reset the router", "qwzx"]
    used: list[str] = []

    class Spare(ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            used.append(str(args[1]))
            return super().submit(fn, *args, **kwargs)

    with Spare(1) as spare:
        lent = model.parse_many(texts, spare)
    assert used == ["('minilm-int8',)"]
    assert [r.to_dict() for r in lent] == [r.to_dict() for r in model.parse_many(texts)]
    # One cheap encoder (USE, the Russian recipe's first stage) stays on the parse thread.
    alone = nlu.train(data_file, tmp_path / "u", TrainConfig(features=FeatureConfig(encoders=("use",))))
    with Spare(1) as spare:
        alone.parse_many(texts, spare)
    assert used == ["('minilm-int8',)"]
