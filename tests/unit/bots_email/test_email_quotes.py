"""Quoted history and signatures cut off replies, measured on replies as the common mail programs write them.

Each example is (what the mail program sent, what the person wrote). The figure printed is how many of them
come out exactly as written; every one must.
"""

from __future__ import annotations

import pytest

from bots.email.quotes import latest_reply

EXAMPLES = [
    # Gmail, English
    (
        "It still jams on tray 2.\n\nOn Mon, Dec 7, 2026 at 10:15 AM Helpdesk <support@desk.test> wrote:\n"
        "> Request HD-1042 is open.\n> We will tell you when an engineer takes it.",
        "It still jams on tray 2.",
    ),
    # Outlook, English, with a signature
    (
        "Please come after 2 pm.\n\nBest regards,\nJohn Smith\nFacilities\n\n"
        "From: Helpdesk <support@desk.test>\nSent: Monday, December 7, 2026 10:15 AM\n"
        "To: John Smith <john@client.test>\nSubject: [HD-1042] Printer jams\n\nRequest HD-1042 is open.",
        "Please come after 2 pm.",
    ),
    # A phone, English
    ("Thanks, works now!\n\nSent from my iPhone", "Thanks, works now!"),
    # Thunderbird-style "--" signature
    ("The boiler is cold again.\n\n-- \nAnna\n+1 555 0100", "The boiler is cold again."),
    # Gmail, Russian
    (
        "Принтер опять не печатает.\n\nпн, 7 дек. 2026 г. в 10:15, Helpdesk <support@desk.test>:\n"
        "> Заявка HD-1042 оформлена.",
        "Принтер опять не печатает.",
    ),
    # Yandex, Russian
    (
        'Инженер не пришёл.\n\n07.12.2026, 10:15, "Helpdesk" <support@desk.test>:\n> Заявка HD-1042 оформлена.',
        "Инженер не пришёл.",
    ),
    # Mail.ru, Russian
    (
        "Можно завтра утром?\n\nПонедельник, 7 декабря 2026, 10:15 +03:00 от Helpdesk <support@desk.test>:\n"
        "> Заявка HD-1042 оформлена.",
        "Можно завтра утром?",
    ),
    # Outlook, Russian, with a signature
    (
        "Кондиционер снова течёт.\n\nС уважением,\nИван Петров\nООО «Ромашка»\n\n"
        "От: Helpdesk <support@desk.test>\nОтправлено: 7 декабря 2026 г. 10:15\nКому: Иван Петров\n"
        "Тема: [HD-1042] Кондиционер",
        "Кондиционер снова течёт.",
    ),
    # Thunderbird, Russian
    (
        "Спасибо, всё работает.\n\n07.12.2026 10:15, Helpdesk пишет:\n> Заявка HD-1042 решена.",
        "Спасибо, всё работает.",
    ),
    # A phone, Russian
    ("Фото приложил.\n\nОтправлено из мобильной Почты Mail.ru", "Фото приложил."),
    # Nothing quoted: the whole text stays, lists included
    (
        "Two things:\n- the light in hall B\n- the door lock",
        "Two things:\n- the light in hall B\n- the door lock",
    ),
]


@pytest.mark.parametrize(("raw", "written"), EXAMPLES)
def test_the_reply_is_what_the_person_wrote(raw: str, written: str) -> None:
    assert latest_reply(raw) == written


def test_all_examples_measured() -> None:
    exact = sum(latest_reply(raw) == written for raw, written in EXAMPLES)
    print(f"quotes cut exactly: {exact}/{len(EXAMPLES)}")
    assert exact == len(EXAMPLES)
