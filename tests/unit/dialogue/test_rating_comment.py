"""A rating's comment prompt never swallows a new question (a working day's stumble: "forgot my email
password..." right after a rating was saved as the rating's comment)."""

from __future__ import annotations

from typing import Any

import pytest

from nlu.result import IntentScore, ParseResult
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock, FakeKnowledgeBase, chat_on
from tests.unit.dialogue.test_transcripts import finish_job, joined, open_ticket_as

SAVED = "Спасибо, комментарий сохранён."
STALE = "Эти кнопки относятся к прошлому ответу. Напишите вопрос ещё раз — я поищу снова."
QUESTION = "Забыл пароль от почты, как его восстановить"


class KeywordParser:
    """An NLU stand-in: a question about a password is `ask_question`, anything else is not understood."""

    async def parse(self, text: str) -> ParseResult:
        if "пароль" in text.lower():
            return ParseResult(text, IntentScore("ask_question", 0.93))
        return ParseResult(text, IntentScore("nlu_fallback", 0.2))


@pytest.fixture
def nlu_chat(uows: MemoryUnitOfWorkFactory, kb: FakeKnowledgeBase, clock: Clock) -> ChatDriver:
    return chat_on(uows, kb, clock, KeywordParser())  # type: ignore[arg-type]


async def _rated(chat: ChatDriver, ivan: Person, petrov: Person) -> None:
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await finish_job(chat, petrov, "Заменил прокладку")
    chat.new_texts(ivan)
    got = await chat.press(ivan, "5")
    assert "Спасибо за оценку 5" in joined(got)
    assert chat.find_button(ivan, "Без комментария")


def _ticket(uows: MemoryUnitOfWorkFactory) -> Any:
    return next(iter(uows.state.tickets.values()))


async def test_a_question_after_a_rating_is_answered_not_saved_as_its_comment(
    nlu_chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await _rated(nlu_chat, ivan, petrov)
    got = await nlu_chat.say(ivan, QUESTION)
    assert SAVED not in got
    assert _ticket(uows).rating_comment is None


async def test_a_plain_comment_right_after_the_rating_is_kept(
    nlu_chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await _rated(nlu_chat, ivan, petrov)
    assert await nlu_chat.say(ivan, "Всё отлично, спасибо") == [SAVED]
    assert _ticket(uows).rating_comment == "Всё отлично, спасибо"


async def test_no_comment_and_a_late_text_are_not_comments(
    nlu_chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory, clock: Clock
) -> None:
    await _rated(nlu_chat, ivan, petrov)
    assert await nlu_chat.press(ivan, "Без комментария") == ["Хорошо. Если что-то понадобится — пишите."]
    got = await nlu_chat.say(ivan, "Кондиционер плохо холодит в зале")
    assert SAVED not in got and "фильтры" in joined(got)
    assert _ticket(uows).rating_comment is None


async def test_a_text_long_after_the_rating_is_a_new_message(
    nlu_chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory, clock: Clock
) -> None:
    await _rated(nlu_chat, ivan, petrov)
    clock.advance(hours=2)
    got = await nlu_chat.say(ivan, "Кондиционер плохо холодит в зале")
    assert SAVED not in got and "фильтры" in joined(got)
    assert _ticket(uows).rating_comment is None


# --- without the NLU model (the app runs without one when it is missing or broken): the words decide
@pytest.mark.parametrize(
    ("text", "answered"),
    [
        (QUESTION, ""),  # no "?" at the end, as people type: the words say it is a question
        ("Кондиционер плохо холодит в зале", "фильтры"),  # no telling words, but the KB knows the answer
    ],
)
async def test_without_the_model_a_new_problem_after_a_rating_is_not_its_comment(
    chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory, text: str, answered: str
) -> None:
    await _rated(chat, ivan, petrov)
    got = await chat.say(ivan, text)
    assert SAVED not in got and answered in joined(got)
    assert _ticket(uows).rating_comment is None


async def test_without_the_model_praise_is_the_comment_and_can_still_be_sent_on_as_a_question(
    chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await _rated(chat, ivan, petrov)
    assert await chat.say(ivan, "Мастер пришёл вовремя, всё сделал аккуратно") == [SAVED]
    assert _ticket(uows).rating_comment == "Мастер пришёл вовремя, всё сделал аккуратно"
    chat.new_texts(ivan)
    got = await chat.press(ivan, "Это новый вопрос")  # the words can be wrong: the client sends it on
    assert got and SAVED not in got
    assert await chat.press(ivan, "Это новый вопрос") == [STALE]  # once only
