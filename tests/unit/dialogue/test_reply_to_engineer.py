"""A client's answer to the engineer reaches the engineer (a working day's stumble: "the key is with Lena",
typed after the engineer wrote "I'm on site", got KB articles and never reached the engineer)."""

from __future__ import annotations

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock
from tests.unit.dialogue.test_transcripts import joined, open_ticket_as


async def _engineer_wrote(chat: ChatDriver, ivan: Person, petrov: Person, text: str) -> None:
    await open_ticket_as(chat, ivan, "Кондиционер гудит и капает", "Кондиционеры", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    await chat.press(petrov, "Написать клиенту")
    await chat.say(petrov, text)
    assert f"Сообщение по заявке HD-1001 от Сергея Петрова:\n{text}" in joined(chat.new_texts(ivan))
    chat.new_texts(petrov)


async def test_the_clients_answer_goes_to_the_engineer_who_wrote(
    chat: ChatDriver, ivan: Person, petrov: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await _engineer_wrote(chat, ivan, petrov, "Я на месте, дверь закрыта")
    got = await chat.say(ivan, "Ключ у Лены на ресепшене")
    assert got == ["Передал инженеру Сергею Петрову по заявке HD-1001."]
    assert "Клиент по HD-1001:\nКлюч у Лены на ресепшене" in joined(chat.new_texts(petrov))
    assert "kb_answer" not in [i["kind"] for i in uows.state.interactions][-1:]


async def test_this_is_a_new_question_sends_it_to_the_kb_instead(
    chat: ChatDriver, ivan: Person, petrov: Person
) -> None:
    await _engineer_wrote(chat, ivan, petrov, "Буду через час")
    await chat.say(ivan, "Кондиционер плохо холодит в зале")
    got = await chat.press(ivan, "Это новый вопрос")
    assert "фильтры" in joined(got)  # the KB article, answered as a question


async def test_after_hours_of_silence_a_message_is_a_new_question_again(
    chat: ChatDriver, ivan: Person, petrov: Person, clock: Clock
) -> None:
    await _engineer_wrote(chat, ivan, petrov, "Буду через час")
    clock.advance(hours=5)
    got = await chat.say(ivan, "Кондиционер плохо холодит в зале")
    assert "фильтры" in joined(got) and "Передал инженеру" not in joined(got)
    assert chat.new_texts(petrov) == []


async def test_an_old_new_question_button_is_out_of_date(
    chat: ChatDriver, ivan: Person, petrov: Person
) -> None:
    await _engineer_wrote(chat, ivan, petrov, "Буду через час")
    await chat.say(ivan, "Да, пульт на стойке у бармена")
    old = chat.find_button(ivan, "Это новый вопрос")
    await chat.say(ivan, "Ключ у Лены")  # passed again: a new button
    await chat._send(ivan, payload=old)
    assert chat.new_texts(ivan)[-1].startswith("Эти кнопки относятся к прошлому ответу")
    got = await chat.press(ivan, "Это новый вопрос")  # the newest one still works
    assert "Эти кнопки" not in got[0]
