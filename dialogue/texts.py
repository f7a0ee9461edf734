"""Every text the bot says, in Russian and English. `t(lang, key, **values)` picks and fills one."""

from __future__ import annotations

from dialogue.names import PersonName, latin
from dialogue.texts_billing import BILLING_TEXTS
from dialogue.texts_email import EMAIL_TEXTS
from dialogue.texts_equipment import EQUIPMENT_TEXTS
from dialogue.texts_staff import STAFF_TEXTS

SUPPORTED = ("ru", "en")

CLIENT_TEXTS: dict[str, tuple[str, str]] = {
    # --- client: general
    "welcome": (
        "Здравствуйте, {name}! Я бот сервисной службы. Опишите вопрос или проблему — я поищу ответ в базе знаний "
        "или оформлю заявку инженеру.\n\nКоманды: /tickets — мои заявки, /new — новая заявка, /lang — язык.",
        "Hello, {name}! I am the service desk bot. Tell me your question or problem: I will look for an answer in the "
        "knowledge base or open a request for an engineer.\n\nCommands: /tickets - my requests, /new - new request, "
        "/lang - language.",
    ),
    "help": (
        "Напишите, что случилось, своими словами. /tickets — мои заявки, /status HD-1001 — статус заявки, "
        "/cancel HD-1001 — отменить, /new — сразу оформить заявку, /portal — вход в личный кабинет, "
        "/lang en — English.",
        "Write what happened in your own words. /tickets - my requests, /status HD-1001 - request status, "
        "/cancel HD-1001 - cancel it, /new - open a request right away, /portal - sign in to the client portal, "
        "/lang ru - Russian.",
    ),
    "portal_link": (
        "Ваша ссылка для входа в личный кабинет: {url}\nОна действует один раз, {minutes} минут. В кабинете — все "
        "ваши заявки, их история, новая заявка и база знаний. Никому не пересылайте ссылку.",
        "Your link to the client portal: {url}\nIt works once, within {minutes} minutes. The portal has all your "
        "requests with their history, a form for a new one and the knowledge base. Do not forward the link.",
    ),
    "portal_link_limit": (
        "Ссылки для входа уже отправлены {count} раза за последние {minutes} минут: воспользуйтесь последней или "
        "попросите новую позже.",
        "{count} sign-in links were sent in the last {minutes} minutes: use the latest one, or ask again later.",
    ),
    "portal_off": (
        "Личный кабинет пока не подключён. Спросите свою заявку здесь: /tickets.",
        "The client portal is not set up here yet. Ask about your requests here: /tickets.",
    ),
    "lang_set": ("Хорошо, говорим по-русски.", "OK, English it is."),
    "lang_choose": ("Выберите язык:", "Choose a language:"),
    "greet": ("Здравствуйте! Чем могу помочь?", "Hello! How can I help?"),
    "thanks_reply": ("Пожалуйста! Обращайтесь.", "You are welcome!"),
    "goodbye": ("Всего доброго!", "Goodbye!"),
    "unsupported": (
        "Я пока понимаю текст, фото, документы, геопозицию и контакты. Опишите, пожалуйста, проблему словами.",
        "I understand text, photos, documents, locations and contacts. Please describe the problem in words.",
    ),
    "empty_text": ("Напишите, пожалуйста, вопрос текстом.", "Please type your question."),
    "too_long": (
        "Сообщение слишком длинное ({n} символов). Сократите до {max}, пожалуйста.",
        "That message is too long ({n} characters). Please keep it under {max}.",
    ),
    "bad_button": (
        "Эта кнопка устарела или не для вас. Напишите, что нужно, или /help.",
        "That button is out of date or not meant for you. Tell me what you need, or send /help.",
    ),
    "error_generic": (
        "Что-то пошло не так, ничего не изменилось. Попробуйте ещё раз чуть позже.",
        "Something went wrong and nothing was changed. Please try again in a moment.",
    ),
    "inbox_dead_letter": (
        "Не получилось обработать ваше сообщение. Мы передали его сотруднику: с вами свяжутся.",
        "We could not process your message. It has been passed to a person, who will get back to you.",
    ),
    "err_not_found": ("Не нашёл такой заявки среди ваших. Проверьте номер.", "{detail}"),
    "err_forbidden": ("Это действие вам недоступно.", "{detail}"),
    "err_invalid": ("Сейчас это сделать нельзя: {ref} в статусе «{status}».", "{detail}"),
    "err_taken": ("Заявку {ref} уже принял другой инженер.", "{detail}"),
    "err_validation": ("Проверьте данные: {detail}", "{detail}"),
    # --- client: KB
    "kb_answer": (
        "Вот что нашлось в базе знаний:\n\n{title}\n\n{body}",
        "Here is what I found:\n\n{title}\n\n{body}",
    ),
    "kb_helped_q": ("Это помогло?", "Did this help?"),
    "kb_other_language": (
        "В базе знаний нашлась статья только на {language} языке:",
        "The knowledge base has this only in {language}:",
    ),
    "kb_stale": (
        "Эти кнопки относятся к прошлому ответу. Напишите вопрос ещё раз — я поищу снова.",
        "Those buttons belong to an earlier answer. Ask your question again and I will look once more.",
    ),
    "btn_helped": ("Помогло", "Helped"),
    "btn_not_helped": ("Не помогло", "Did not help"),
    "kb_glad": ("Рад, что помогло! Если что-то ещё — пишите.", "Glad it helped! Write any time."),
    "kb_choices": (
        "Возможно, подойдёт одна из статей:",
        "One of these articles may help:",
    ),
    "btn_none_of_these": ("Ничего не подходит — оформить заявку", "None of these - open a request"),
    "kb_not_found": (
        "В базе знаний нет готового ответа. Оформлю заявку инженеру.",
        "I have no ready answer for that. Let me open a request for an engineer.",
    ),
    # --- client: intake
    "ask_description": (
        "Опишите проблему: что случилось, с каким оборудованием и с какого времени. "
        "Фото тоже поможет: пришлите его на любом шаге, и оно попадёт в заявку.",
        "Describe the problem: what happened, which equipment, and since when. "
        "A photo helps too: send one at any step and it goes with the request.",
    ),
    "btn_use_question": ("Моего вопроса достаточно", "My question says it all"),
    "ask_category": ("К чему это относится?", "What is it about?"),
    "ask_site": ("Где нужна помощь? Выберите объект:", "Where do you need help? Choose a site:"),
    "ask_address": (
        "Укажите адрес (улица, дом, офис) или отправьте геопозицию.",
        "Send the address (street, building, office) or share your location.",
    ),
    "ask_priority": ("Насколько срочно?", "How urgent is it?"),
    "summary": (
        "Проверьте заявку:\n• Проблема: {description}\n• Тип: {category}\n• Где: {where}\n• Срочность: {priority}{photos}{contact}",
        "Please check the request:\n• Problem: {description}\n• Type: {category}\n• Where: {where}\n• Urgency: {priority}{photos}{contact}",
    ),
    "summary_contact": ("\n• Контакт: {who}", "\n• Contact: {who}"),
    "ask_contact": (
        "Как к вам обращаться и по какому телефону инженер сможет перезвонить? Например: Пётр, +7 916 123-45-67",
        "What is your name, and which phone can the engineer call? For example: Peter, +44 20 7946 0958",
    ),
    "contact_phone_not_understood": (
        "Не разобрал номер телефона. Напишите имя и номер, например: Пётр, +7 916 123-45-67",
        "I could not read a phone number there. Write your name and number, for example: Peter, +44 20 7946 0958",
    ),
    "summary_photos": ("\n• Фото: {n}", "\n• Photos: {n}"),
    "offer_photos": ("\n📷 Фото от клиента: {n} (ниже)", "\n📷 Photos from the client: {n} (below)"),
    "client_photo": ("Фото от клиента по {ref}", "Photo from the client on {ref}"),
    "btn_confirm": ("Отправить заявку", "Send the request"),
    "btn_edit": ("Изменить", "Edit"),
    "edit_which": ("Что изменить?", "What would you like to change?"),
    "btn_edit_description": ("Описание проблемы", "The description"),
    "btn_edit_category": ("Тип", "The type"),
    "btn_edit_place": ("Где", "The place"),
    "btn_edit_priority": ("Срочность", "The urgency"),
    "choice_not_understood": (
        "Не понял ответ — выберите, пожалуйста, кнопкой.",
        "I did not understand that - please pick one of the buttons.",
    ),
    "btn_cancel_intake": ("Отмена", "Cancel"),
    "intake_cancelled": ("Хорошо, заявку не оформляю.", "OK, no request opened."),
    "photo_added": ("Фото добавлено к заявке.", "Photo added to the request."),
    "ticket_opened": (
        "Заявка {ref} оформлена. Сообщу, когда инженер её примет.{promise}",
        "Request {ref} is open. I will tell you when an engineer takes it.{promise}",
    ),
    "promise": ("\nСрок выполнения по договору: {when}.", "\nPromised resolution: {when}."),
    "promise_no_contract": ("\nПостараемся выполнить {when}.", "\nWe aim to resolve it {when}."),
    "location_received": ("Геопозиция получена.", "Location received."),
    "address_received": ("Адрес: {address}", "Address: {address}"),
    "address_too_short": (
        "Адрес слишком короткий. Укажите улицу и дом.",
        "That address is too short. Give the street and building.",
    ),
    # --- client: tickets
    "my_tickets": ("Ваши заявки:\n{lines}", "Your requests:\n{lines}"),
    "no_tickets": ("У вас пока нет заявок.", "You have no requests yet."),
    "ticket_line": ("{ref} — {status} — {description}", "{ref} - {status} - {description}"),
    "status_of": (
        "Заявка {ref}: {status}.\n{description}{assignee}{promise}",
        "Request {ref}: {status}.\n{description}{assignee}{promise}",
    ),
    "status_assignee": ("\nИнженер: {name}", "\nEngineer: {name}"),
    "ask_ticket_number": (
        "Укажите номер заявки, например HD-1001.",
        "Give the request number, e.g. HD-1001.",
    ),
    "cancel_confirm_q": ("Отменить заявку {ref}?", "Cancel request {ref}?"),
    "btn_yes_cancel": ("Да, отменить", "Yes, cancel it"),
    "btn_cancel_ticket": ("Отменить заявку", "Cancel the request"),
    "btn_no": ("Нет", "No"),
    "cancelled_ok": ("Заявка {ref} отменена.", "Request {ref} is cancelled."),
    "kept": ("Хорошо, оставляю как есть.", "OK, leaving it as it is."),
    "ask_phone": (
        "Поделитесь номером телефона (кнопка ниже), чтобы я узнавал вас и в WhatsApp.",
        "Share your phone number (button below) so I recognise you on WhatsApp too.",
    ),
    "phone_saved": ("Спасибо, номер сохранён.", "Thank you, your number is saved."),
    "phone_joined": (
        "Узнал вас: {name}, {client}. Ваши заявки теперь здесь.",
        "I know you: {name}, {client}. Your requests are here now.",
    ),
    "phone_not_own": (
        "Пришлите, пожалуйста, свой номер кнопкой «Отправить номер телефона».",
        "Please share your own number with the Share phone number button.",
    ),
    "relay_on": (
        "Соединяю с инженером {name:ins} по заявке {ref}. Пишите — я передам. /bot — вернуться к боту.",
        "You are talking to engineer {name} about {ref}. Write and I will pass it on. /bot - back to the bot.",
    ),
    "relay_on_queue": (
        "Передаю ваши сообщения по заявке {ref} диспетчеру. Пишите. /bot — вернуться к боту.",
        "I will pass your messages about {ref} to the service desk. Write away. /bot - back to the bot.",
    ),
    "relay_no_ticket": (
        "Открытых заявок нет. Опишите проблему — оформлю заявку, и с вами свяжется специалист.",
        "You have no open requests. Describe the problem: I will open one and a person will contact you.",
    ),
    "passed_to_engineer": (
        "Передал инженеру {name:dat} по заявке {ref}.",
        "Sent to engineer {name} on {ref}.",
    ),
    "btn_new_question": ("Это новый вопрос", "This is a new question"),
    "relay_off": ("Хорошо, снова отвечает бот.", "OK, the bot is answering again."),
    "relay_closed": ("Заявка {ref} уже закрыта; отвечает бот.", "{ref} is closed now; the bot is answering."),
    "btn_write": ("Написать по заявке", "Write about it"),
    "comment_usage": ("Так: /comment HD-1001 текст сообщения", "Like this: /comment HD-1001 your message"),
    "comment_added": ("Передал сообщение по заявке {ref}.", "Your message on {ref} is passed on."),
    # --- client: notifications
    "n_accepted": (
        "Инженер {name} принял{name:fem} вашу заявку {ref}.",
        "Engineer {name} has taken your request {ref}.",
    ),
    "n_searching": (
        "Ищем свободного инженера для заявки {ref}. Диспетчер уже в курсе.",
        "We are looking for a free engineer for {ref}. A supervisor has been told.",
    ),
    "n_started": (
        "Инженер {name} приступил{name:fem} к заявке {ref}.",
        "Engineer {name} has started work on {ref}.",
    ),
    "n_on_hold": ("Заявка {ref} ожидает: {reason}.", "Request {ref} is waiting: {reason}."),
    "n_resumed": ("Работа по заявке {ref} продолжена.", "Work on {ref} has resumed."),
    "n_resolved": (
        "Заявка {ref} выполнена.\nЧто сделано: {note}\n\nОцените работу от 1 до 5:",
        "Request {ref} is done.\nWhat was done: {note}\n\nPlease rate the work from 1 to 5:",
    ),
    "btn_not_fixed": ("Не исправлено", "Not fixed"),
    "n_cancelled_by_staff": (
        "Заявка {ref} отменена сервисной службой.{reason}",
        "Request {ref} was cancelled by the service desk.{reason}",
    ),
    "n_colleague_comment": (
        "{name} по заявке {ref}:\n{text}",
        "{name} on {ref}:\n{text}",
    ),
    "n_staff_comment": (
        "Сообщение по заявке {ref} от {name:gen}:\n{text}",
        "Message on {ref} from {name}:\n{text}",
    ),
    "rated_thanks": (
        "Спасибо за оценку {score}! Можете добавить комментарий одним сообщением.",
        "Thank you for rating {score}! You may add a comment in one message.",
    ),
    "btn_no_comment": ("Без комментария", "No comment"),
    "rating_comment_skipped": (
        "Хорошо. Если что-то понадобится — пишите.",
        "All right. Write any time you need help.",
    ),
    "rating_comment_saved": ("Спасибо, комментарий сохранён.", "Thank you, your comment is saved."),
    "reopen_q": (
        "Опишите, что не так, и я передам заявку {ref} инженеру снова.",
        "Tell me what is still wrong and I will send {ref} back to an engineer.",
    ),
    "reopened_ok": ("Заявка {ref} снова открыта.", "Request {ref} is open again."),
    "reopen_offer": (
        "Похоже, проблема по заявке {ref} вернулась. Открыть её снова? Ваше сообщение я передам инженеру.",
        "It sounds like the problem of {ref} is back. Shall I reopen it? I will pass your message to the engineer.",
    ),
    "btn_reopen": ("Да, открыть {ref} снова", "Yes, reopen {ref}"),
}

TEXTS: dict[str, tuple[str, str]] = {
    **CLIENT_TEXTS,
    **STAFF_TEXTS,
    **EQUIPMENT_TEXTS,
    **BILLING_TEXTS,
    **EMAIL_TEXTS,
}
"""Every key of the bot's own texts: the client's, the staff's, equipment's and billing's."""

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "new": ("новая", "new"),
    "offered": ("ищем инженера", "finding an engineer"),
    "accepted": ("инженер назначен", "engineer assigned"),
    "in_progress": ("в работе", "in progress"),
    "on_hold": ("ожидание", "waiting"),
    "resolved": ("выполнена", "done"),
    "closed": ("закрыта", "closed"),
    "cancelled": ("отменена", "cancelled"),
    "reopened": ("открыта снова", "reopened"),
}

CATEGORIES: dict[str, tuple[str, str]] = {
    "it": ("Компьютеры и сеть", "Computers and network"),
    "printers": ("Принтеры и МФУ", "Printers and copiers"),
    "hvac": ("Кондиционеры и вентиляция", "Air conditioning"),
    "heating": ("Отопление и котлы", "Heating and boilers"),
    "electrical": ("Электрика и освещение", "Electrical and lighting"),
    "plumbing": ("Сантехника", "Plumbing"),
    "other": ("Другое", "Other"),
}

PRIORITIES: dict[str, tuple[str, str]] = {
    "P1": ("Авария — всё стоит", "Critical - work has stopped"),
    "P2": ("Срочно, сегодня", "Urgent, today"),
    "P3": ("Обычная", "Normal"),
    "P4": ("Не срочно", "Not urgent"),
}


def norm_lang(lang: str | None) -> str:
    """Map a platform language code to one we speak (Russian for ru/uk/be/kk, else English)."""
    code = (lang or "").lower()[:2]
    if code in ("ru", "uk", "be", "kk"):
        return "ru"
    return "en" if code else "ru"


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ru" else pair[1]


def translate(catalogue: dict[str, tuple[str, str]], lang: str, key: str, /, **values: object) -> str:
    """Return `key` of a (ru, en) catalogue in `lang` (Russian for "ru", English otherwise), filled with `values`.

    Feature modules (SLA alerts, /kb) keep their own catalogues next to their code and read them with this.
    """
    name = values.get("name")
    if isinstance(name, str):
        # Russian texts decline it ({name:dat}, {name:gen}...); English ones spell it in Latin letters.
        values["name"] = PersonName(name if lang == "ru" else latin(name))
    return _pick(catalogue[key], lang).format(**values)


def t(lang: str, key: str, /, **values: object) -> str:
    """Return the text for `key` in `lang`, filled with `values`."""
    return translate(TEXTS, lang, key, **values)


def status_name(lang: str, status: str) -> str:
    """Human name of a ticket status."""
    return _pick(STATUS_NAMES.get(status, (status, status)), lang)


def category_name(lang: str, category: str) -> str:
    """Human name of a category."""
    return _pick(CATEGORIES.get(category, (category, category)), lang)


def priority_name(lang: str, priority: str) -> str:
    """Human name of a priority."""
    return _pick(PRIORITIES.get(priority, (priority, priority)), lang)
