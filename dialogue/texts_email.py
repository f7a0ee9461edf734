"""What the help desk writes by email (issue #21), in Russian and English; merged into `dialogue.texts.TEXTS`."""

from __future__ import annotations

EMAIL_TEXTS: dict[str, tuple[str, str]] = {
    "mail_kb_answer": (
        "Здравствуйте! Вот ответ из нашей базы знаний:\n\n{title}\n\n{body}\n\nЕсли это не помогло, "
        "просто ответьте на это письмо — мы оформим заявку инженеру.",
        "Hello! Here is the answer from our knowledge base:\n\n{title}\n\n{body}\n\nIf this does not solve it, "
        "just reply to this mail and we will open a request for an engineer.",
    ),
    "mail_ticket_opened": (
        "Здравствуйте! Заявка {ref} оформлена. Сообщим, когда инженер её примет.{promise}\n\n"
        "Чтобы дополнить заявку, ответьте на это письмо (номер {ref} в теме письма).",
        "Hello! Request {ref} is open. We will tell you when an engineer takes it.{promise}\n\n"
        "To add to the request, reply to this mail (keep {ref} in the subject).",
    ),
    "mail_subject_opened": ("Заявка {ref}: {subject}", "Request {ref}: {subject}"),
    "mail_subject_answer": ("Ответ на ваш вопрос: {subject}", "Answer to your question: {subject}"),
    "mail_unknown_sender": (
        "Здравствуйте! Заявки по почте принимаются только с адресов наших клиентов, а адрес {address} нам "
        "не знаком. Попросите администратора вашей организации добавить его или напишите в наш чат-бот.",
        "Hello! We take requests by email only from our clients' addresses, and {address} is not one we "
        "know. Ask your organisation's administrator to add it, or write to our chat bot.",
    ),
    "mail_rated": (
        "Спасибо за оценку {score}! Заявка {ref} закрыта.",
        "Thank you for rating {score}! {ref} is closed.",
    ),
    "mail_no_words": (
        "Здравствуйте! Письмо пришло пустым: опишите, пожалуйста, проблему в тексте письма.",
        "Hello! Your mail arrived empty: please describe the problem in the mail's text.",
    ),
    "mail_unsubscribed": (
        "Готово: уведомления о заявках на {address} больше не приходят. Ответы на ваши письма приходить будут. "
        "Включить уведомления снова можно в личном кабинете клиента (раздел «Почта»).",
        "Done: notifications about requests no longer go to {address}. Answers to your own mails still do. "
        "You can turn them on again in the client portal (the Mail page).",
    ),
}
