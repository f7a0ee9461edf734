"""Engineers see the client's photos (#18: the offer card said "Photo: 1" and nobody could look at it)."""

from __future__ import annotations

from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.test_transcripts import joined, open_ticket_as


async def test_the_offer_comes_with_the_clients_photos(
    chat: ChatDriver, ivan: Person, petrov: Person
) -> None:
    await chat.say(ivan, "/new")
    await chat.photo(ivan, "web:0123456789abcdef0123456789abcdef.jpg")
    await chat.say(ivan, "Кондиционер течёт на пол, фото лужи")
    await chat.press(ivan, "Кондиционеры")
    await chat.press(ivan, "Ромашка на Невском")
    await chat.press(ivan, "Обычная")
    await chat.press(ivan, "Отправить заявку")

    got = joined(chat.new_texts(petrov))
    assert "Фото от клиента: 1 (ниже)" in got
    photo = chat.messages(petrov)[-1]
    assert photo.text == "Фото от клиента по HD-1001"
    assert [(m.kind, m.file_id, m.source) for m in photo.media] == [
        ("photo", "web:0123456789abcdef0123456789abcdef.jpg", "web:client")
    ]


async def test_a_photo_sent_during_the_job_reaches_the_engineer(
    chat: ChatDriver, ivan: Person, petrov: Person
) -> None:
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    await chat.press(petrov, "Принять")
    chat.new_texts(petrov), chat.new_texts(ivan)
    assert await chat.photo(ivan, "web:photo-7") == ["Фото добавлено к заявке."]
    relayed = chat.messages(petrov)[-1]
    assert "Клиент по HD-1001" in relayed.text
    # Where the file id is valid goes with it: the delivery carries a file from another bot across.
    assert [(m.file_id, m.source) for m in relayed.media] == [("web:photo-7", "web:client")]
