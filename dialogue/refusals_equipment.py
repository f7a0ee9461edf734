"""The Russian of the equipment registry's and alerts' refusals (`ticket_core/equipment`), merged into
`dialogue.refusals.RU`."""

from __future__ import annotations

RU_EQUIPMENT: dict[str, str] = {
    # opening.py: a client scanned a sticker
    "That equipment is not in the registry. Describe the problem and where it is instead.": (
        "Этого оборудования нет в реестре. Опишите, пожалуйста, проблему и где она."
    ),
    "That unit is retired. Describe the problem and where it is instead.": (
        "Это оборудование списано. Опишите, пожалуйста, проблему и где она."
    ),
    # usecases.py
    "Only admins and supervisors manage the equipment registry.": (
        "Реестр оборудования ведут только администраторы и руководители."
    ),
    "Type id '{id}': use up to 32 lowercase letters, digits, - or _.": (
        "Код типа «{id}»: до 32 строчных латинских букв, цифр, - или _."
    ),
    "A type needs a Russian name, an English name and a ticket category.": (
        "Типу нужны название по-русски, по-английски и категория заявок."
    ),
    "Custom fields: at most {max_fields} distinct lowercase names (a-z, 0-9, _); bad: {bad}.": (
        "Свои поля: не больше {max_fields} разных имён строчными (a-z, 0-9, _); неверные: {bad}."
    ),
    "You may not see the equipment registry.": "Реестр оборудования вам недоступен.",
    "No unit {unit}. Check the id in the equipment list.": (
        "Оборудования {unit} нет. Проверьте код в списке оборудования."
    ),
    "No units in service match; check the site and the type.": (
        "Подходящего оборудования в работе нет; проверьте объект и тип."
    ),
    "More than {max_units} units: print them a site or a type at a time.": (
        "Больше {max_units} единиц: печатайте по одному объекту или типу."
    ),
    "No such ticket.": "Такой заявки нет.",
    "Only the engineer on the job records the parts replaced.": "Заменённые детали записывает инженер этой работы.",
    # editing.py: the unit form
    "Unknown field(s): {unknown}; custom fields are written field:<name>.": (
        "Неизвестные поля: {unknown}; свои поля пишутся как field:<имя>."
    ),
    "Not saved: {problems}.": "Не сохранено: {problems}.",
    "The unit could not be saved.": "Оборудование не удалось сохранить.",
    # reliability.py
    "Only admins and supervisors read the equipment reports.": (
        "Отчёты по оборудованию видят только администраторы и руководители."
    ),
    "The period needs time-zone-aware times.": "Для периода нужно время с часовым поясом.",
    "The period must start before it ends and span at most ten years.": (
        "Период должен начинаться раньше, чем кончается, и длиться не больше десяти лет."
    ),
    # alert_usecases.py, alerts.py: the monitoring webhook (the integrator reads these)
    "No unit '{unit}' in the registry: label 'unit' is its sticker code or id.": (
        "Оборудования «{unit}» нет в реестре: метка 'unit' — код с наклейки или id."
    ),
    "No site '{site}': label 'site' is a site id.": "Объекта «{site}» нет: метка 'site' — это id объекта.",
    "Only an integration (a supervisor's token) or the system sends alerts.": (
        "Тревоги присылает только интеграция (токен руководителя) или система."
    ),
    "'{name}' is required.": "Поле '{name}' обязательно.",
    "'{name}' must be a string.": "Поле '{name}' должно быть строкой.",
    "'{name}' is longer than {max_len} characters.": "Поле '{name}' длиннее {max_len} символов.",
    "'{name}' must be firing or resolved.": "Поле '{name}' — firing или resolved.",
    "{where}: name the unit (label 'unit': its sticker code or id) or the 'site'.": (
        "{where}: укажите оборудование (метка 'unit': код с наклейки или id) или объект ('site')."
    ),
    "'alerts' must be a non-empty list (Alertmanager webhook format).": (
        "'alerts' — непустой список (формат вебхука Alertmanager)."
    ),
    "At most {max_alerts} alerts per call.": "Не больше {max_alerts} тревог за вызов.",
    "{where} must be an object.": "{where} должен быть объектом.",
    "Unknown field(s) {unknown}; the fields are {known}.": "Неизвестные поля {unknown}; поля такие: {known}.",
    "The body must be a JSON object.": "Тело запроса должно быть объектом JSON.",
    # plans.py: maintenance plans (a unit's card; helpdesk maintenance add|pause|resume)
    "Unit {name} has lost its site or type.": "У оборудования «{name}» пропал объект или тип.",
    "No plan {plan_id} of this unit: open it from the unit's card.": (
        "У этого оборудования нет плана {plan_id}: откройте его из карточки оборудования."
    ),
    # The parser's reason is English (the schedule language is English words or cron); Russian gives examples.
    "The schedule is not understood: {reason}.": (
        "Расписание «{schedule}» не распознано. Напишите его, например, так: «first monday of each month at "
        "09:00», «every friday at 16:00», «day 15 of each month» или cron «0 9 * * mon#1»."
    ),
    "Say what the work is.": "Укажите, что сделать.",
    "Priority is one of P1, P2, P3, P4.": "Приоритет — один из P1, P2, P3, P4.",
    "Lead time is a number of days from 0 to {max_days}, e.g. 2 or 0.5.": (
        "За сколько дней открыть заявку — число от 0 до {max_days}, например 2 или 0,5."
    ),
    "A checklist has at most {max_steps} steps.": "В чек-листе не больше {max_steps} шагов.",
    "No client {client_id}. Check the id in the client list.": (
        "Клиента {client_id} нет. Проверьте код в списке клиентов."
    ),
    "{site_id} is not a site of {client_id}; choose one of the client's sites.": (
        "{site_id} — не объект клиента {client_id}; выберите один из его объектов."
    ),
    "No unit {unit_ref} of {client_id}; the equipment list shows them.": (
        "У клиента {client_id} нет оборудования {unit_ref}; оно перечислено в списке оборудования."
    ),
    "No equipment type {type_id}; the type list shows them.": (
        "Типа оборудования {type_id} нет; типы перечислены в списке типов."
    ),
    "A plan for every unit of a type needs the site they are at.": (
        "Плану для всех единиц типа нужен объект, на котором они стоят."
    ),
    "Give the ticket category the plan's tickets route by, e.g. hvac.": (
        "Укажите категорию заявок плана, по которой они распределяются, например hvac."
    ),
    "No plan {plan_id}. Check the id in the plan list.": "Плана {plan_id} нет. Проверьте код в списке планов.",
}
