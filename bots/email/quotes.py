"""What a person wrote in a reply, without the quoted history and the signature under it.

mail-parser-reply finds where the quoted part begins ("On ... wrote:", an Outlook "From:/Sent:" block) and
where a signature starts. It knows no Russian, so the Russian lines of the clients our clients use (Outlook,
Gmail, Yandex, Mail.ru, Thunderbird, phones) are registered as its language "ru". Lines quoted with ">"
below the reply go too. tests/unit/bots/test_email_quotes.py measures it on examples in both languages.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailMessage
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

RUSSIAN = {
    # Gmail "пн, 5 дек. 2026 г. в 12:00, Иван <ivan@x.ru>:", Yandex "05.12.2026, 12:00, "Иван" <ivan@x.ru>:",
    # Mail.ru "Понедельник, 5 декабря 2026, 12:00 +03:00 от Иван <ivan@x.ru>:", Thunderbird "... пишет:".
    "wrote_header": r"^("
    + QUOTED_MATCH_INCLUDE
    + r"(?:.{0,80}\d{1,2}:\d{2}.{0,80}<[^<>\s]+@[^<>\s]+>\s?:|.{0,160}\s(?:пишет|написал|написала)\s?:))$",
    # Outlook: "От: ...", "Отправлено: ...", "Кому: ...", "Тема: ..." (two or more such lines).
    "from_header": r"((?:(?:^|\n|\n"
    + QUOTED_MATCH_INCLUDE
    + r")[* ]*(?:От|Отправлено|Дата|Кому|Тема|Копия):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
    "disclaimers": [r"Конфиденциально:", r"Внимание:"],
    "signatures": [
        r"С уважением",
        r"С наилучшими пожеланиями",
        r"Спасибо,",
        r"Всего доброго",
        r"Хорошего дня",
    ],
    "sent_from": r"Отправлено (?:с|из|со)|Отправлено из мобильной",
}
MAIL_LANGUAGES.setdefault("ru", RUSSIAN)  # registered once, before any parser compiles its patterns

QUOTED_LINE = re.compile(r"^\s*>")


def latest_reply(text: str) -> str:
    """The reply a person wrote on top of a mail: quoted history, ">" lines and the signature cut off.

    A text with nothing above the quote (everything quoted) is returned whole rather than as nothing.
    """
    if not text.strip():
        return ""
    # keep_hyphen_lists: "- the light in hall B" is a list a person wrote, not a "-Name" signature.
    message = EmailMessage(text=text, languages=["ru", "en"], keep_hyphen_lists=True).read()
    body = message.replies[0].body if message.replies else text
    lines = body.splitlines()
    while lines and (QUOTED_LINE.match(lines[-1]) or not lines[-1].strip()):
        lines.pop()
    cut = "\n".join(line for line in lines if not QUOTED_LINE.match(line)).strip()
    return cut or text.strip()
