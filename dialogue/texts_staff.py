"""What the staff bot says to engineers, supervisors and admins, in Russian and English (`texts.t` reads it)."""

from __future__ import annotations

STAFF_TEXTS: dict[str, tuple[str, str]] = {
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
        "Команды руководителя:\n/queue — заявки без инженера, с кнопками «Переназначить» и «Повысить приоритет»\n"
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
    "btn_kb_articles": ("📚 Статьи БЗ", "📚 KB articles"),
    "checkin_q": (
        "Отправьте геопозицию, чтобы отметиться на месте по {ref}.",
        "Share your location to check in on site for {ref}.",
    ),
    "checked_in": ("Отметка на месте по {ref}{distance}.", "Checked in on site for {ref}{distance}."),
    "checked_in_distance": (": {km} км от объекта", ": {km} km from the site"),
    "checkin_far": (
        "Геопозиция в {km} км от объекта по {ref} ({address}), отметка не поставлена. Отправьте геопозицию, "
        "когда будете на месте, или нажмите «Я на месте», если точка объекта неточна (расстояние увидит "
        "руководитель).",
        "The location you shared is {km} km from the site of {ref} ({address}); you are not checked in yet. "
        'Share your location again once you are there, or press "I am on site" if the site\'s pin is off '
        "(a supervisor sees the distance).",
    ),
    "btn_on_site_anyway": ("Я на месте", "I am on site"),
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
    "message_q": (
        "Напишите сообщение клиенту по {ref} (одним сообщением).",
        "Write your message to the client on {ref} (one message).",
    ),
    "reply_sent": ("Ответ по {ref} отправлен клиенту.", "Your reply on {ref} was sent to the client."),
    "message_sent": (
        "Сообщение по {ref} отправлено клиенту.",
        "Your message on {ref} was sent to the client.",
    ),
    "btn_message_client": ("Написать клиенту", "Message the client"),
    "n_rated": (
        "Клиент оценил {ref}: {score} из 5.{comment}",
        "The client rated {ref}: {score} of 5.{comment}",
    ),
    "n_offer_withdrawn": ("{ref} уже взял другой инженер.", "{ref} was taken by another engineer."),
    "n_offer_recovered": (
        "{ref}: по данным мониторинга неисправность устранилась сама, заявка решена. Выезжать не нужно.",
        "{ref}: monitoring says the fault cleared by itself; the ticket is resolved. No need to go.",
    ),
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
