"""#18 first start: a process whose NLU model is not trained yet answers at once with the training data's
rules, trains in the background and swaps the model in; a process with a current model loads it as before."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

from helpdesk import nlu_models
from helpdesk.settings import Settings
from nlu.default_model import DEFAULT_DATA, model_is_current
from nlu.embedded import EmbeddedBackend
from nlu.interim import RuleParser
from nlu.result import ParseResult


def _settings(model_dir: Path, background: bool = True) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        nlu_model_dir=model_dir,
        nlu_train_in_background=background,
        redis_url=None,
    )


async def _intent(parser: nlu_models.SwappableParser, text: str) -> str:
    result = await parser.parse(text)
    assert isinstance(result, ParseResult)
    return result.intent.name


async def test_a_first_start_answers_with_rules_at_once_and_swaps_the_trained_model_in(
    tmp_path: Path,
) -> None:
    model_dir = tmp_path / "nlu-model"
    started = time.monotonic()
    parser = await nlu_models.load_nlu(_settings(model_dir))
    ready_s = time.monotonic() - started
    assert parser is not None and parser.pending is not None and isinstance(parser.backend, RuleParser)
    assert ready_s < 15, f"the interim parser took {ready_s:.1f} s: it must not wait for training"
    assert not model_is_current(model_dir)  # nothing was trained before the process could answer
    # A training example said again, in another case and with punctuation, is understood; entities are found.
    assert await _intent(parser, "Привет!") == "greet"
    found = await parser.parse("кондиционер течёт, срочно")
    assert {(e.entity, e.value) for e in found.entities} >= {("equipment", "кондиционер")}
    assert await _intent(parser, "какая-то фраза, которой нет в данных") == "nlu_fallback"

    await parser.finish_training()
    assert parser.pending is None and isinstance(parser.backend, EmbeddedBackend)
    assert model_is_current(model_dir)
    assert await _intent(parser, "здравствуйте, добрый день") == "greet"  # the model generalises

    # The next start finds the model current and loads it straight away, with nothing left to train.
    again = await nlu_models.load_nlu(_settings(model_dir))
    assert again is not None and again.pending is None and isinstance(again.backend, EmbeddedBackend)
    shutil.rmtree(model_dir)


async def test_a_failed_training_keeps_the_rules_and_a_published_model_wins(tmp_path: Path) -> None:
    parser = await nlu_models.load_nlu(_settings(tmp_path / "m"))
    assert parser is not None and isinstance(parser.backend, RuleParser)
    rules = parser.backend

    def broken() -> RuleParser:
        raise RuntimeError("disk full")

    parser.pending = broken
    await parser.finish_training()  # logged, not raised: the bot keeps answering
    assert parser.backend is rules and await _intent(parser, "спасибо") == "thank"

    newer = RuleParser.from_file(DEFAULT_DATA)

    def slow() -> RuleParser:
        time.sleep(0.2)
        return RuleParser.from_file(DEFAULT_DATA)

    parser.pending = slow
    training = asyncio.create_task(parser.finish_training())
    parser.swap(newer, 7)  # a model published meanwhile (NluFollower) is newer than the one trained at start
    await training
    assert parser.backend is newer and parser.version == 7
