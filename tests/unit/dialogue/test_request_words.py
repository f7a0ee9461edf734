"""Whether a text reads as a request by its words alone (for when the NLU model is missing or unsure)."""

from __future__ import annotations

import pytest

from dialogue.request_words import reads_as_request


@pytest.mark.parametrize(
    "text",
    [
        "Забыл пароль от почты, как его восстановить",
        "Принтер не печатает",
        "Помогите, пропал интернет",
        "Подскажите, где взять картридж",
        "Нужен электрик в офис",
        "Can I change my password",
        "I forgot my email password",
        "The printer is not working",
        "Кран снова течёт",
    ],
)
def test_requests(text: str) -> None:
    assert reads_as_request(text)


@pytest.mark.parametrize(
    "text",
    [
        "Всё отлично, спасибо",
        "Мастер пришёл вовремя, всё сделал аккуратно",
        "Как всегда отлично",
        "Помогли быстро, спасибо",
        "Great job, thanks",
        "Help desk was great",
        "",
    ],
)
def test_comments(text: str) -> None:
    assert not reads_as_request(text)
