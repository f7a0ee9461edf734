"""A real Rasa 3.6 server and the embedded model, trained on the same data, agree on held-out messages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nlu
from nlu.rasa_backend import RasaBackend
from nlu.rasa_server import RasaServer, rasa_available, train_rasa
from nlu.rasa_yaml import to_yaml
from nlu.training_data import TrainingData

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

INTENTS = ("greet", "thank", "report_problem", "check_status", "cancel_ticket", "talk_to_human")

# Messages that are not in the training data, in both languages.
HELD_OUT = [
    ("добрый день всем", "greet"),
    ("hello folks", "greet"),
    ("спасибо огромное, всё заработало", "thank"),
    ("thanks so much for the help", "thank"),
    ("сломался принтер в бухгалтерии", "report_problem"),
    ("the boiler in the basement is not working", "report_problem"),
    ("что с заявкой HD-2024?", "check_status"),
    ("any news on ticket #7788?", "check_status"),
    ("отмените заявку HD-5151, уже не нужно", "cancel_ticket"),
    ("please cancel my ticket, we fixed it", "cancel_ticket"),
    ("соедините меня с оператором, пожалуйста", "talk_to_human"),
    ("I need to speak with a real person", "talk_to_human"),
]
ENTITY_KEYS = {"entity", "value", "start", "end", "confidence_entity", "extractor", "role", "group"}


def small_data() -> TrainingData:
    full = nlu.load_training_data(nlu.DEFAULT_DATA)
    return TrainingData(
        examples=[e for e in full.examples if e.intent in INTENTS],
        synonyms=full.synonyms,
        regexes=full.regexes,
        lookups=full.lookups,
    )


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rasa-data") / "nlu.yml"
    path.write_text(to_yaml(small_data()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rasa_url(data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not rasa_available():
        pytest.skip("Rasa is not installed; run scripts/rasa/setup.sh (make test does)")
    work = tmp_path_factory.mktemp("rasa")
    model, _ = train_rasa(data_file, work, epochs=20, language="ru")
    with RasaServer(model, work_dir=work) as server:
        yield server.url


@pytest.fixture(scope="module")
def embedded_dir(data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("embedded") / "model"
    nlu.train(data_file, out)
    return out


async def test_both_backends_agree_and_share_the_shape(rasa_url: str, embedded_dir: Path) -> None:
    rasa = nlu.load_backend("rasa", embedded_dir, rasa_url)
    embedded = nlu.load_backend("embedded", embedded_dir, rasa_url)
    assert isinstance(rasa, RasaBackend)
    agree = right_rasa = right_embedded = 0
    try:
        for text, gold in HELD_OUT:
            a = (await rasa.parse(text)).to_dict()
            b = (await embedded.parse(text)).to_dict()
            for result in (a, b):
                assert set(result) == {"text", "intent", "entities", "intent_ranking"}
                assert result["text"] == text
                assert set(result["intent"]) == {"name", "confidence"}
                assert all(
                    set(e) <= ENTITY_KEYS and {"entity", "value", "start", "end"} <= set(e)
                    for e in result["entities"]
                )
                assert all(set(r) == {"name", "confidence"} for r in result["intent_ranking"])
            agree += a["intent"]["name"] == b["intent"]["name"]
            right_rasa += a["intent"]["name"] == gold
            right_embedded += b["intent"]["name"] == gold
    finally:
        await rasa.close()  # type: ignore[attr-defined]
    assert agree >= 0.75 * len(HELD_OUT), f"backends agree on {agree}/{len(HELD_OUT)}"
    assert right_embedded >= 0.8 * len(HELD_OUT), f"embedded right on {right_embedded}/{len(HELD_OUT)}"
    assert right_rasa >= 0.5 * len(HELD_OUT), f"rasa right on {right_rasa}/{len(HELD_OUT)}"


async def test_regex_entities_match_between_backends(rasa_url: str, embedded_dir: Path) -> None:
    text = "что с заявкой HD-2024?"
    rasa = RasaBackend(rasa_url)
    try:
        a = await rasa.parse(text)
    finally:
        await rasa.close()
    b = await nlu.load_backend("embedded", embedded_dir, rasa_url).parse(text)

    def tickets(result: nlu.ParseResult) -> set[tuple[str, int, int]]:
        return {(e.value, e.start, e.end) for e in result.entities if e.entity == "ticket_number"}

    assert tickets(a) == tickets(b) == {("HD-2024", 14, 21)}
