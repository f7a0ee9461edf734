"""The request form understands typed answers and edits one field (a working day's stumbles: "на
петроградской" and "ну средне" only repeated the question; "Edit" restarted the whole form)."""

from __future__ import annotations

from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import joined


async def test_typed_answers_fill_the_form_and_edit_changes_one_field(
    chat: ChatDriver, ivan: Person, uows: MemoryUnitOfWorkFactory
) -> None:
    await chat.say(ivan, "/new")
    await chat.say(ivan, "Из кондиционера капает вода на столы")
    got = joined(await chat.say(ivan, "это кондиционер"))
    assert "Выберите объект" in got
    got = joined(await chat.say(ivan, "на петроградской"))
    assert "Насколько срочно?" in got
    got = joined(await chat.say(ivan, "ну средне"))
    assert "Проверьте заявку" in got
    assert "Тип: Кондиционеры и вентиляция" in got and "Ромашка на Петроградской" in got
    assert "Срочность: Обычная" in got

    got = joined(await chat.press(ivan, "Изменить"))
    assert got == "Что изменить?"
    got = joined(await chat.press(ivan, "Срочность"))
    assert got.startswith("Насколько срочно?")  # only that question, not the whole form again
    got = joined(await chat.say(ivan, "не срочно"))
    assert "Срочность: Не срочно" in got and "Ромашка на Петроградской" in got and "капает вода" in got
    await chat.press(ivan, "Отправить заявку")
    ticket = next(iter(uows.state.tickets.values()))
    assert (ticket.category, ticket.site_id, str(ticket.priority)) == ("hvac", "rom-petrograd", "P4")


async def test_an_answer_that_names_nothing_says_so(chat: ChatDriver, ivan: Person) -> None:
    await chat.say(ivan, "/new")
    await chat.say(ivan, "Из кондиционера капает вода на столы")
    got = await chat.say(ivan, "не знаю")
    assert got[0] == "Не понял ответ — выберите, пожалуйста, кнопкой."
    assert "К чему это относится?" in got[1]
