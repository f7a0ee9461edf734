"""The project's own nlu/data/nlu.yml: every intent in both languages, with the entities the dialogue uses."""

from __future__ import annotations

import re

import nlu
from nlu.entities import EntityExtractor

INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "ask_question", "report_problem", "check_status",
    "cancel_ticket", "talk_to_human", "rate", "reopen_ticket", "change_language", "out_of_scope",
}  # fmt: skip
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def test_every_intent_has_russian_and_english_examples() -> None:
    data = nlu.load_training_data(nlu.DEFAULT_DATA)
    assert set(data.intents) == INTENTS
    for intent in INTENTS:
        texts = [e.text for e in data.examples if e.intent == intent]
        russian = [t for t in texts if CYRILLIC.search(t)]
        assert len(russian) >= 25, intent
        assert len(texts) - len(russian) >= 24, intent


def test_entities_of_the_dialogue_are_found() -> None:
    extractor = EntityExtractor.from_training_data(nlu.load_training_data(nlu.DEFAULT_DATA))

    def found(text: str) -> dict[str, str]:
        return {e.entity: e.value for e in extractor.extract(text)}

    assert found("сломался кондей на пр. Мира, 45, срочно, звоните 8 (916) 123-45-67") == {
        "equipment": "кондиционер",
        "address": "пр. Мира, 45",
        "urgency": "high",
        "phone": "8 (916) 123-45-67",
    }
    assert found("boiler at 12 Baker Street is down, no rush, ticket HD-2041") == {
        "equipment": "boiler",
        "address": "12 Baker Street",
        "urgency": "low",
        "ticket_number": "HD-2041",
    }
    assert found("заявка #3310 по котлу, не горит") == {
        "ticket_number": "#3310",
        "equipment": "котёл",
        "urgency": "low",
    }


def test_the_default_recipe_understands_held_out_project_messages() -> None:
    """Trained with the defaults on 80 % of nlu.yml, the model gets the other 20 % right, mostly cheaply."""
    from nlu.convert import split_per_intent
    from nlu.evaluation import is_correct
    from nlu.trainer import train_model

    train, test = split_per_intent(nlu.load_training_data(nlu.DEFAULT_DATA), 0.2, seed=0)
    model = train_model(train)
    assert model.featurizer.cheap_encoders == ("use",) and model.featurizer.costly_encoders == ("e5",)
    texts = [ex.text for ex in test.examples]
    predicted = [r.intent.name for r in model.parse_many(texts)]
    accuracy = sum(is_correct(ex.intent, p) for ex, p in zip(test.examples, predicted, strict=True)) / len(
        texts
    )
    # Measured 0.944 (USE + e5 + TF-IDF); e5 + TF-IDF, the previous default, gave 0.894.
    assert accuracy >= 0.92
    # The first stage answers most messages without e5 (0.89 measured on this split).
    assert model.first_stage_share(texts) >= 0.75


def test_a_few_shot_split_trains_on_n_per_intent_and_tests_on_every_other_example() -> None:
    from nlu.convert import split_few_shot

    data = nlu.load_training_data(nlu.DEFAULT_DATA)
    train, test = split_few_shot(data, 3, seed=0)
    counts: dict[str, int] = {}
    for ex in train.examples:
        counts[ex.intent] = counts.get(ex.intent, 0) + 1
    assert set(counts.values()) == {3} and set(counts) == set(data.intents)
    assert len(train.examples) + len(test.examples) == len(data.examples)
    pairs = sorted((e.text, e.intent) for e in [*train.examples, *test.examples])
    assert pairs == sorted((e.text, e.intent) for e in data.examples)
    again, _ = split_few_shot(data, 3, seed=0)
    assert [e.text for e in again.examples] == [e.text for e in train.examples]
