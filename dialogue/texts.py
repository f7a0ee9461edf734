"""Every text the bot says, in Russian and English. `t(lang, key, **values)` picks and fills one."""

from __future__ import annotations

from dialogue.names import PersonName, latin
from dialogue.texts_billing import BILLING_TEXTS
from dialogue.texts_equipment import EQUIPMENT_TEXTS

SUPPORTED = ("ru", "en")

TEXTS: dict[str, tuple[str, str]] = {
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
        "/cancel HD-1001 — отменить, /new — сразу оформить заявку, /lang en — English.",
        "Write what happened in your own words. /tickets - my requests, /status HD-1001 - request status, "
        "/cancel HD-1001 - cancel it, /new - open a request right away, /lang ru - Russian.",
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
    # --- staff
    "staff_unknown": (
        "Это служебный бот. Попросите у руководителя код и отправьте /start КОД.",
        "This is the staff bot. Ask your supervisor for a join code and send /start CODE.",
    ),
    "staff_bad_code": (
        "Код не подошёл. Проверьте его и отправьте /start КОД.",
        "That code did not match. Check it and send /start CODE.",
    ),
    "staff_welcome": (
        "Здравствуйте, {name}! Здесь будут предложения заявок. /jobs — мои заявки.",
        "Hello, {name}! Job offers will arrive here. /jobs - my jobs.",
    ),
    "staff_help": (
        "Команды инженера:\n/jobs — мои заявки и действия по ним\n/shift on|off — начать или закончить смену\n"
        "/report [неделя|месяц] — мои показатели\n/profile — мой профиль\n"
        "Кнопки под карточкой — действия по заявке.",
        "Engineer commands:\n/jobs - my jobs and what to do next\n/shift on|off - start or end your shift\n"
        "/report [week|month] - my figures\n/profile - my profile\n"
        "The buttons under a card act on that job.",
    ),
    "supervisor_help": (
        "Команды супервайзера:\n/queue — заявки без инженера, с кнопками «Переназначить» и «Повысить приоритет»\n"
        "/level HD-1001 2 — нужный уровень инженера\n/report [неделя|месяц] — показатели команды\n"
        "/profile — мой профиль\nОповещения SLA приходят сюда с кнопками.",
        "Supervisor commands:\n/queue - tickets without an engineer, with Reassign and Raise priority\n"
        "/level HD-1001 2 - the engineer level a ticket needs\n/report [week|month] - the team's figures\n"
        "/profile - my profile\nSLA alerts arrive here with their buttons.",
    ),
    "menu_jobs": ("Мои заявки и действия по ним", "My jobs and what to do next"),
    "menu_shift": ("Начать или закончить смену: on | off", "Start or end your shift: on | off"),
    "menu_queue": ("Заявки без инженера", "Tickets without an engineer"),
    "menu_level": ("Нужный уровень инженера: HD-1001 2", "The engineer level a ticket needs: HD-1001 2"),
    "menu_kb": ("Статьи базы знаний", "Knowledge base articles"),
    "menu_report": ("Показатели за неделю или месяц", "Figures for a week or a month"),
    "menu_profile": ("Мой профиль", "My profile"),
    "menu_help": ("Что я умею", "What I can do"),
    "admin_help": (
        "Команды администратора:\n/kb — статьи базы знаний (show, new, edit, publish, unpublish)\n"
        "/queue — заявки без инженера\n/level HD-1001 2 — нужный уровень инженера\n"
        "/report [неделя|месяц] — показатели\n/profile — мой профиль",
        "Admin commands:\n/kb - knowledge base articles (show, new, edit, publish, unpublish)\n"
        "/queue - tickets without an engineer\n/level HD-1001 2 - the engineer level a ticket needs\n"
        "/report [week|month] - figures\n/profile - my profile",
    ),
    "offer_card": (
        "Новая заявка {ref} ({priority})\nКлиент: {client}\nГде: {where}\nТип: {category}\n{description}{photos}\n\nПочему вы: {why}",
        "New job {ref} ({priority})\nClient: {client}\nWhere: {where}\nType: {category}\n{description}{photos}\n\nWhy you: {why}",
    ),
    "offer_card_reopened": (
        "Снова открыта заявка {ref} ({priority}), вы её выполняли\nПричина: {reason}\nКлиент: {client}\nГде: {where}\nТип: {category}\n{description}{photos}\n\nПочему вы: {why}",
        "Reopened job {ref} ({priority}), which you did\nWhy reopened: {reason}\nClient: {client}\nWhere: {where}\nType: {category}\n{description}{photos}\n\nWhy you: {why}",
    ),
    "offer_card_reopened_other": (
        "Снова открыта заявка {ref} ({priority})\nПричина: {reason}\nКлиент: {client}\nГде: {where}\nТип: {category}\n{description}{photos}\n\nПочему вы: {why}",
        "Reopened job {ref} ({priority})\nWhy reopened: {reason}\nClient: {client}\nWhere: {where}\nType: {category}\n{description}{photos}\n\nWhy you: {why}",
    ),
    "reopen_reason_none": ("не указана", "not given"),
    "btn_map": ("🗺 На карте", "🗺 Map"),
    "btn_accept": ("Принять", "Accept"),
    "btn_decline": ("Отклонить", "Decline"),
    "decline_reason_q": ("Почему отклоняете {ref}?", "Why are you declining {ref}?"),
    "reason_busy": ("Занят", "Busy"),
    "reason_far": ("Далеко", "Too far"),
    "reason_skill": ("Не мой профиль", "Not my skill"),
    "declined_ok": ("Вы отклонили {ref}.", "You declined {ref}."),
    "accepted_ok": ("Вы приняли {ref}. Клиент уведомлён.", "You accepted {ref}. The client has been told."),
    "job_card": (
        "{ref} — {status}\nКлиент: {client}\nГде: {where}\n{description}",
        "{ref} - {status}\nClient: {client}\nWhere: {where}\n{description}",
    ),
    "btn_start": ("В пути", "On the way"),
    "btn_on_site": ("На месте", "On site"),
    "btn_note": ("Заметка", "Note"),
    "btn_hand_over": ("Передать другому", "Hand over"),
    "checkin_q": (
        "Отправьте геопозицию, чтобы отметиться на месте по {ref}.",
        "Share your location to check in on site for {ref}.",
    ),
    "checked_in": ("Отметка на месте по {ref}{distance}.", "Checked in on site for {ref}{distance}."),
    "checked_in_distance": (": {km} км от объекта", ": {km} km from the site"),
    "internal_note_q": ("Заметка по {ref} (видна только сотрудникам):", "Note on {ref} (staff only):"),
    "internal_note_saved": ("Заметка по {ref} сохранена.", "Note on {ref} saved."),
    "photo_saved": ("Фото добавлено к {ref}.", "Photo added to {ref}."),
    "which_job": ("К какой заявке это? Откройте её в /jobs.", "Which job is this for? Open it from /jobs."),
    "hand_over_q": ("Передать {ref} другому инженеру? Почему?", "Hand {ref} over to another engineer? Why?"),
    "handed_over": (
        "{ref} передана; её предложат другому инженеру.",
        "{ref} is handed over; it will be offered to another engineer.",
    ),
    "checklist_q": ("Чек-лист по {ref}: отметьте все пункты.", "Checklist for {ref}: tick every item."),
    "checklist_incomplete": (
        "Отмечены не все пункты чек-листа по {ref}.",
        "Not every checklist item for {ref} is ticked.",
    ),
    "btn_checklist_done": ("Всё сделано", "All done"),
    "photo_required_q": (
        "Для {ref} нужно фото выполненной работы: пришлите его.",
        "{ref} needs a photo of the finished work: send it.",
    ),
    "checklist_in_note": ("Чек-лист: {items}", "Checklist: {items}"),
    "shift_on": ("на смене", "on shift"),
    "shift_off": ("не на смене", "off shift"),
    "shift_usage": (
        "Сейчас вы {state}. /shift on — начать смену, /shift off — закончить.",
        "You are {state}. /shift on - start your shift, /shift off - end it.",
    ),
    "shift_set": ("Готово: вы {state}.", "Done: you are {state}."),
    "queue_empty": (
        "Очередь пуста: все заявки разобраны.",
        "The queue is empty: every ticket has an engineer.",
    ),
    "queue_title": (
        "Ждут инженера ({n}), самые срочные первыми:",
        "Waiting for an engineer ({n}), most urgent first:",
    ),
    "n_on_the_way": (
        "Инженер {name} выехал{name:fem} к вам по заявке {ref}.",
        "Engineer {name} is on the way for {ref}.",
    ),
    "n_on_site": ("Инженер {name} на месте по заявке {ref}.", "Engineer {name} is on site for {ref}."),
    "btn_hold": ("Ожидание", "Waiting"),
    "btn_resume": ("Продолжить", "Resume"),
    "btn_done": ("Выполнено", "Done"),
    "hold_reason_q": ("Чего ждём по {ref}?", "What is {ref} waiting for?"),
    "hold_parts": ("Запчасти", "Parts"),
    "hold_client": ("Клиента", "The client"),
    "note_q": (
        "Опишите, что сделано по {ref} (одним сообщением). Если ответ есть в базе знаний, добавьте kb:ID статьи.",
        "Describe what you did on {ref} (one message). If a KB article answers it, add kb:ID of the article.",
    ),
    "time_q": ("Сколько времени заняло?", "How long did it take?"),
    "btn_skip": ("Пропустить", "Skip"),
    "resolved_ok": (
        "{ref} закрыта как выполненная. Клиента попросили оценить работу.",
        "{ref} is marked done. The client has been asked to rate it.",
    ),
    "no_jobs": ("У вас нет активных заявок.", "You have no active jobs."),
    "jobs_list": ("Ваши заявки:", "Your jobs:"),
    "n_no_engineer": (
        "Нет инженера для {ref} ({category}, {priority}): {reason}. Назначьте вручную.",
        "No engineer for {ref} ({category}, {priority}): {reason}. Please assign it by hand.",
    ),
    "n_client_cancelled": ("Клиент отменил заявку {ref}.", "The client cancelled {ref}."),
    "n_person_asked": (
        "Клиент по {ref} хочет поговорить с вами: его сообщения придут сюда.",
        "The client on {ref} wants to talk to you: their messages will come here.",
    ),
    "n_person_asked_queue": (
        "Клиент по {ref} хочет поговорить с человеком, а инженера у заявки пока нет: его сообщения придут сюда.",
        "The client on {ref} wants to talk to a person and nobody has the job yet: their messages will come here.",
    ),
    "n_client_comment": ("Клиент по {ref}:\n{text}", "The client on {ref}:\n{text}"),
    "btn_reply_client": ("Ответить клиенту", "Reply to the client"),
    "reply_q": (
        "Напишите ответ клиенту по {ref} (одним сообщением).",
        "Write your reply to the client on {ref} (one message).",
    ),
    "reply_sent": ("Ответ по {ref} отправлен клиенту.", "Your reply on {ref} was sent to the client."),
    "btn_message_client": ("Написать клиенту", "Message the client"),
    "n_rated": (
        "Клиент оценил {ref}: {score} из 5.{comment}",
        "The client rated {ref}: {score} of 5.{comment}",
    ),
    "n_offer_withdrawn": ("{ref} уже взял другой инженер.", "{ref} was taken by another engineer."),
    "n_offer_expired": (
        "Время на ответ по {ref} истекло, заявка передана другому.",
        "Time to answer {ref} ran out; it went to someone else.",
    ),
    "n_reopened_staff": ("Клиент снова открыл {ref}: {reason}", "The client reopened {ref}: {reason}"),
    "staff_nothing_pending": (
        "Сейчас я ничего не жду. /jobs — ваши заявки.",
        "I am not waiting for anything. /jobs - your jobs.",
    ),
}
TEXTS.update(EQUIPMENT_TEXTS)
TEXTS.update(BILLING_TEXTS)

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
