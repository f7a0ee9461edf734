"""The same client transcripts on Telegram, WhatsApp and the web chat, through the real running app.

Each test runs once per channel with the same script and the same expectations; only the driver differs.
The engineer's side always runs on the web staff chat.
"""

from __future__ import annotations

from tests.e2e.channels.app import RunningApp
from tests.e2e.channels.driver import ClientChannelDriver
from tests.e2e.channels.script import QUESTION, assert_every_reply_was_delivered, open_ticket, ticket_rows
from tests.e2e.channels.staff import find_offer


async def test_a_kb_answer_that_helped(app: RunningApp, client: ClientChannelDriver) -> None:
    await client.say(QUESTION)
    answer = await client.wait_for("Вот что нашлось в базе знаний")
    assert "бумаг" in answer.lower()
    await client.wait_for("Это помогло?")
    await client.press("Помогло")
    assert await client.wait_for("Рад, что помогло") == "Рад, что помогло! Если что-то ещё — пишите."
    assert await ticket_rows(app) == []


async def test_did_not_help_opens_a_ticket_that_an_engineer_finishes_and_the_client_rates(
    app: RunningApp, client: ClientChannelDriver
) -> None:
    ref = await open_ticket(client)

    engineer = await find_offer(app.http, app.base_url, ref)
    assert "лоток 2" in engineer.offer
    await engineer.accept(ref)
    accepted = await client.wait_for(f"принял вашу заявку {ref}")
    assert accepted.startswith("Инженер ")

    await engineer.finish(ref, "Почистил ролики подачи")
    done = await client.wait_for(f"Заявка {ref} выполнена")
    assert "Почистил ролики подачи" in done and "Оцените работу от 1 до 5" in done
    await client.press("5")
    assert "Спасибо за оценку 5" in await client.wait_for("Спасибо за оценку")
    await engineer.chat.wait_for(f"Клиент оценил {ref}: 5 из 5")

    [row] = await ticket_rows(app)
    assert (row["status"], row["rating"]) == ("closed", 5)
    await assert_every_reply_was_delivered(app)


async def test_cancelling_an_open_ticket(app: RunningApp, client: ClientChannelDriver) -> None:
    ref = await open_ticket(client)
    engineer = await find_offer(app.http, app.base_url, ref)

    await client.say(f"/cancel {ref}")
    await client.wait_for(f"Отменить заявку {ref}?")
    await client.press("Да, отменить")
    assert await client.wait_for(f"Заявка {ref} отменена") == f"Заявка {ref} отменена."
    await engineer.chat.wait_for(f"Клиент отменил заявку {ref}")

    [row] = await ticket_rows(app)
    assert row["status"] == "cancelled"


async def test_photos_go_with_the_request(app: RunningApp, client: ClientChannelDriver) -> None:
    await client.say("/new")
    await client.wait_for("Опишите проблему")
    await client.send_photo()
    await client.wait_for("Фото добавлено к заявке.")
    await client.say("Треснул корпус принтера")
    await client.wait_for("К чему это относится?")
    await client.press("Принтеры")
    await client.wait_for("Укажите адрес")
    await client.say("Москва, Тверская 7, офис 301")
    await client.wait_for("Насколько срочно?")
    await client.press("Обычная")
    summary = await client.wait_for_summary(
        "Проверьте заявку", "Как к вам обращаться", "Пётр, +7 916 555-12-34"
    )
    assert "Фото: 1" in summary and "Тверская 7" in summary
    await client.press("Отправить")
    await client.wait_for("оформлена")

    engineer = await find_offer(app.http, app.base_url, "HD-1001")
    assert "Треснул корпус" in engineer.offer


async def test_an_unsupported_message_gets_a_polite_answer_and_changes_nothing(
    app: RunningApp, client: ClientChannelDriver
) -> None:
    await client.send_unsupported()
    await client.wait_for(client.unsupported_answer)
    await client.say(QUESTION)
    await client.wait_for("Вот что нашлось в базе знаний")
    await client.wait_for("Это помогло?")
    assert await ticket_rows(app) == []
