"""A use case's refusal in the reader's language: the domain's English templates and their Russian.

`ticket_core` and `kb_search` raise errors whose message is an English template with named fields
(`DomainError("Ticket {ref} is {status}; ...", ref=..., status=...)`). The chats and the admin show the
English sentence to an English reader and the Russian one below to a Russian reader; field values that are
words (a status, a role, "problem description") are said in Russian too. `tests/unit/dialogue/
test_refusals.py` fails when a template that a use case raises has no Russian here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol

from dialogue.refusals_billing import RU_BILLING, WORDS_RU_BILLING
from dialogue.refusals_contacts import RU_CONTACTS
from dialogue.refusals_equipment import RU_EQUIPMENT
from dialogue.refusals_kb import RU_KB
from dialogue.texts import status_name
from kb_search.model import KbError
from ticket_core.errors import DomainError, FormProblems, ValueRefused

RU: dict[str, str] = {
    # ticket_core/usecases/_common.py
    "No ticket {ref}. Check the number and try again.": "Заявки {ref} нет. Проверьте номер и попробуйте снова.",
    "No such ticket. Check the number and try again.": "Такой заявки нет. Проверьте номер и попробуйте снова.",
    "No ticket {ref} among yours. Check the number and try again.": (
        "Среди ваших заявок нет {ref}. Проверьте номер и попробуйте снова."
    ),
    "The {field} is too long ({length} characters); keep it under {max_len}.": (
        "Поле «{field}» слишком длинное ({length} символов); уложитесь в {max_len}."
    ),
    "The location is not valid. Share it again from your phone.": (
        "Геопозиция не распознана. Отправьте её ещё раз с телефона."
    ),
    "Ticket {ref} was changed by someone else just now. Look at it again and retry.": (
        "Заявку {ref} только что изменил кто-то другой. Откройте её заново и повторите."
    ),
    "Please give the {field}.": "Заполните поле «{field}».",
    "Ticket {ref} was just taken by another engineer.": "Заявку {ref} только что принял другой инженер.",
    # contacts.py (unsubscribing)
    "Only the person who gets the mails turns them off or on.": "Включить или выключить письма может только их получатель.",
    "We send no mail to {address} of yours.": "Мы не отправляем писем на ваш адрес {address}.",
    # comments.py
    "Clients cannot write internal notes.": "Клиенты не пишут внутренние заметки.",
    "The system writes internal notes only; a message to the client comes from a person.": (
        "Система пишет только внутренние заметки; сообщения клиенту пишут люди."
    ),
    "Only the ticket's client asks to talk to a person about it.": (
        "Позвать сотрудника по заявке может только её клиент."
    ),
    "Ticket {ref} is {status}; nobody works on it now.": (
        "Заявка {ref} в статусе «{status}»: сейчас над ней никто не работает."
    ),
    "Only staff members write notes in a ticket's staff thread.": (
        "Заметки в служебной ветке заявки пишут только сотрудники."
    ),
    # feedback.py
    "Only the client rates the work.": "Оценивает работу только клиент.",
    "Rate from 1 to 5.": "Поставьте оценку от 1 до 5.",
    "Ticket {ref} is not finished yet; you can rate it once it is resolved.": (
        "Заявка {ref} ещё не выполнена; оценить её можно после выполнения."
    ),
    "You have already rated {ref}. Thank you!": "Вы уже оценили {ref}. Спасибо!",
    "Only the client comments on their rating.": "Комментарий к оценке оставляет только клиент.",
    "{ref} has no rating yet; rate it from 1 to 5 first.": "У {ref} ещё нет оценки; сначала оцените от 1 до 5.",
    "Your comment on {ref} is already saved.": "Ваш комментарий к {ref} уже сохранён.",
    "{ref} was resolved more than {days} days ago; please open a new request instead.": (
        "{ref} выполнена больше {days} дн. назад; откройте, пожалуйста, новую заявку."
    ),
    # levels.py
    "Only the job's engineer or a supervisor can raise a ticket's level.": (
        "Поднять уровень заявки может только её инженер или руководитель."
    ),
    "{ref} already needs L{level}; choose a level from L{lowest} to L{highest}.": (
        "Для {ref} уже нужен L{level}; выберите уровень от L{lowest} до L{highest}."
    ),
    "Ticket {ref} is {status}; its level can no longer change.": (
        "Заявка {ref} в статусе «{status}»; её уровень больше не меняется."
    ),
    "Ticket {ref} is assigned to someone else.": "Заявка {ref} назначена другому сотруднику.",
    "L{max_level} is the highest level, so {ref} cannot be escalated further. "
    "Hand it over to another engineer or ask a supervisor.": (
        "L{max_level} — высший уровень, выше {ref} не поднять. Передайте её другому инженеру "
        "или обратитесь к руководителю."
    ),
    "{ref} already needs L{level}, the highest level.": "Для {ref} уже нужен L{level}, высший уровень.",
    # offers.py
    "The offer for {ref} is no longer open for you.": "Предложение по {ref} для вас уже закрыто.",
    "Only the dispatcher or a supervisor can offer jobs.": (
        "Предлагать работу может только диспетчер или руководитель."
    ),
    "Ticket {ref} is {status}; it is not waiting for an engineer.": (
        "Заявка {ref} в статусе «{status}»: она не ждёт инженера."
    ),
    "Ticket {ref} was already taken by another engineer.": "Заявку {ref} уже принял другой инженер.",
    "Only engineers accept jobs.": "Принимают работу только инженеры.",
    "Only engineers decline jobs.": "Отказываются от работы только инженеры.",
    "You have already accepted {ref}.": "Вы уже приняли {ref}.",
    # opening.py
    "You can open requests only for your own company.": "Открывать заявки можно только для своей компании.",
    "At most {max_attachments} attachments per request.": "Не больше {max_attachments} вложений на заявку.",
    "Unknown client.": "Неизвестный клиент.",
    "That equipment is at another site. Choose its site or leave the site out.": (
        "Это оборудование на другом объекте. Выберите его объект или не указывайте объект."
    ),
    "That site is not one of yours. Choose a site from the list.": (
        "Это не ваш объект. Выберите объект из списка."
    ),
    # queries.py
    "Only clients have requests.": "Заявки есть только у клиентов.",
    "Only engineers have jobs.": "Работы есть только у инженеров.",
    # sla.py
    "Only a supervisor can {what}. Ask the supervisor on duty.": (
        "Только руководитель может {what}. Обратитесь к дежурному руководителю."
    ),
    "There is no SLA alert on {ref} to acknowledge.": "По {ref} нет оповещения SLA, которое нужно подтвердить.",
    "The SLA alert on {ref} was already acknowledged by {who}.": "Оповещение SLA по {ref} уже подтвердил(а) {who}.",
    "The SLA alert on {ref} was just acknowledged by someone else.": (
        "Оповещение SLA по {ref} только что подтвердил кто-то другой."
    ),
    "An extension must be between 1 minute and 30 days.": "Продление — от 1 минуты до 30 дней.",
    "Ticket {ref} is {status}; its SLA no longer runs.": (
        "Заявка {ref} в статусе «{status}»: её SLA больше не идёт."
    ),
    "The client of {ref} was answered already; extend the resolution time instead.": (
        "Клиенту по {ref} уже ответили; продлите лучше срок решения."
    ),
    "Ticket {ref} is {status}; its priority is final.": (
        "Заявка {ref} в статусе «{status}»: её приоритет уже не меняется."
    ),
    "Ticket {ref} is {new} already.": "У заявки {ref} уже приоритет {new}.",
    "Ticket {ref} is P1 already, the highest priority.": "У заявки {ref} уже P1, высший приоритет.",
    "No such engineer. Choose one from the staff list.": "Такого инженера нет. Выберите из списка сотрудников.",
    "{name} already has {ref}.": "{ref} уже у исполнителя {name}.",
    "{name} is excluded by the client's contract ({contract}); choose another engineer.": (
        "{name} исключён(а) договором клиента ({contract}); выберите другого инженера."
    ),
    "Ticket {ref} is {status}; there is no job to reassign.": (
        "Заявка {ref} в статусе «{status}»: переназначать нечего."
    ),
    "Ticket {ref} is waiting in the queue already; name an engineer to give it to.": (
        "Заявка {ref} уже ждёт в очереди; укажите инженера, которому её передать."
    ),
    # staff.py
    "Only a supervisor or an admin puts other engineers on or off shift.": (
        "Ставить других инженеров на смену и снимать с неё может только руководитель или администратор."
    ),
    "Only an admin edits engineers' profiles; ask an admin to make the change.": (
        "Профили инженеров меняет только администратор; попросите его внести изменение."
    ),
    "Nothing changed: edit a field before saving.": "Ничего не изменилось: измените поле и сохраните.",
    "No staff member '{staff_id}'. Pick one from the engineers list.": (
        "Сотрудника «{staff_id}» нет. Выберите из списка инженеров."
    ),
    "{name} is a {role}, not an engineer: only engineers have {what}.": (
        "{name} — {role}, а не инженер: {what} есть только у инженеров."
    ),
    # work.py
    "Time spent must be between 0 minutes and 7 days.": "Затраченное время — от 0 минут до 7 дней.",
    "Only engineers go on and off shift.": "На смену выходят и уходят с неё только инженеры.",
    "The location you shared is {km} km from the site of {ref}; check in once you are there.": (
        "Геопозиция в {km} км от объекта {ref}; отметьтесь, когда будете на месте."
    ),
    # transitions.py
    "A {role} cannot {action} a ticket.": "Роль «{role}» не позволяет это действие с заявкой ({action}).",
    "Ticket {ref} is not yours.": "Заявка {ref} не ваша.",
    "Ticket {ref} is {status}; it cannot be {past} now.": (
        "Заявка {ref} в статусе «{status}»: сейчас это действие ({action}) недоступно."
    ),
    "A {role} cannot open tickets.": "Роль «{role}» не позволяет открывать заявки.",
    # reports
    "The report's {name} must be a date and time, got {kind}.": "{name} отчёта — это дата и время, а не {kind}.",
    "The report's {name} must be timezone-aware (UTC); give it with a time zone.": (
        "{name} отчёта нужно указать с часовым поясом (UTC)."
    ),
    "The report's {name} filter must be a non-empty id of at most 200 characters.": (
        "Фильтр отчёта «{name}» — непустой идентификатор не длиннее 200 символов."
    ),
    "The report's start must be before its end; swap or widen the dates.": (
        "Начало отчёта должно быть раньше конца; поменяйте даты местами или расширьте период."
    ),
    "A report covers at most three years; pick a shorter period.": (
        "Отчёт охватывает не больше трёх лет; выберите период короче."
    ),
    "Reports are for staff: supervisors and admins see them all, engineers their own.": (
        "Отчёты — для сотрудников: руководители и администраторы видят все, инженеры — свои."
    ),
    "Unknown grouping '{grouping}'; use one of: {names}.": "Неизвестная группировка «{grouping}»; возможные: {names}.",
    "Engineers see only their own figures; ask a supervisor for the team's report.": (
        "Инженеры видят только свои показатели; отчёт по команде — у руководителя."
    ),
    # ticket_core/staff_profile.py (a profile's fields)
    "give at least one skill (the categories of jobs to offer), e.g. it, printers": (
        "укажите хотя бы один навык (категории работ, которые предлагать), например it, printers"
    ),
    "at most {max_skills} skills": "не больше {max_skills} навыков",
    "'{skill}' is not a category name: use letters, digits, - and _, e.g. printers": (
        "«{skill}» — не название категории: латинские буквы, цифры, - и _, например printers"
    ),
    "'{skill}' is not a category; did you mean '{suggestion}'?": (
        "категории «{skill}» нет; может быть, «{suggestion}»?"
    ),
    "at most {max_regions} regions": "не больше {max_regions} регионов",
    "'{region}' is not a region code: use letters, digits, - and _, e.g. MOW, SPB": (
        "«{region}» — не код региона: латинские буквы, цифры, - и _, например MOW, SPB"
    ),
    "give a time zone, e.g. Europe/Moscow": "укажите часовой пояс, например Europe/Moscow",
    "unknown time zone '{name}'; use an IANA name such as Europe/Moscow": (
        "неизвестный часовой пояс «{name}»; укажите имя IANA, например Europe/Moscow"
    ),
    "the schedule is too long (at most {max_hours_len} characters)": (
        "расписание слишком длинное (не больше {max_hours_len} символов)"
    ),
    "{what} is a whole number from {low} to {high}": "{what}: целое число от {low} до {high}",
    "{what} is from {low} to {high}, not {value}": "{what}: от {low} до {high}, а не {value}",
    "the language is {langs}": "язык: ru или en",
    "write the phone with its country code, e.g. +7 916 123-45-01": (
        "напишите телефон с кодом страны, например +7 916 123-45-01"
    ),
    "give both latitude and longitude, or leave both empty": "укажите и широту, и долготу или оставьте обе пустыми",
    "the {what} is a number of degrees, e.g. 55.7558": "{what} — число градусов, например 55.7558",
    "the {what} is from -{limit} to {limit}": "{what} — от -{limit} до {limit}",
    # ticket_core/working_hours.py
    'working hours are empty; write e.g. "mon-fri 09:00-18:00; sat 10:00-14:00"': (
        'часы работы пусты; напишите, например, "mon-fri 09:00-18:00; sat 10:00-14:00"'
    ),
    "working hours '{part}': give the days, then HH:MM-HH:MM, e.g. mon-fri 09:00-18:00": (
        "часы работы «{part}»: сначала дни, потом ЧЧ:ММ-ЧЧ:ММ, например mon-fri 09:00-18:00"
    ),
    "working days '{item}' are unknown: use mon..sun, ranges like mon-fri, or daily": (
        "дни «{item}» не распознаны: mon..sun, диапазоны вроде mon-fri или daily"
    ),
    "working hours '{hours}' are not like 09:00-18:00: write HH:MM-HH:MM": (
        "часы «{hours}» не похожи на 09:00-18:00: напишите ЧЧ:ММ-ЧЧ:ММ"
    ),
    "working hours '{hours}': a day starts at 00:00 and ends at 24:00": (
        "часы «{hours}»: день начинается в 00:00 и кончается в 24:00"
    ),
    "time '{time}' is not HH:MM": "время «{time}» не в виде ЧЧ:ММ",
    "time '{time}' is not a time of day": "«{time}» — не время суток",
    "{day} is named twice in the weekly hours; name each day once": (
        "{day} указан дважды в недельном расписании; укажите каждый день один раз"
    ),
    # ticket_core/usecases/holds.py, client_view.py (billing holds, the portal)
    "{ref} does not wait for an {what} now.": "{ref} сейчас не ждёт: {what}.",
    "{ref} was {status} already.": "{ref} уже {status}.",
    "{ref} was answered a moment ago.": "По {ref} только что уже ответили.",
    "Only the client (or a supervisor for them) answers an estimate.": (
        "На смету отвечает только клиент (или руководитель за него)."
    ),
    "Only supervisors and admins answer estimates for a client.": (
        "За клиента на смету отвечают только руководители и администраторы."
    ),
    "Only supervisors and admins decide on jobs of clients in debt.": (
        "О работах для клиентов с долгом решают только руководители и администраторы."
    ),
    "{ref} waits for {waits}; you can accept it once that is done.": (
        "{ref} ждёт: {waits}; принять её можно после этого."
    ),
    "Only the client's contacts follow a ticket.": "Следить за заявкой могут только контактные лица клиента.",
    "Only a client's contacts see their company's tickets here.": (
        "Заявки компании здесь видят только её контактные лица."
    ),
    # ticket_core/usecases/contacts.py
    "'{address}' is not a mail address; write it as name@company.ru.": (
        "«{address}» — не адрес почты; напишите его в виде name@company.ru."
    ),
    "Only supervisors and admins change a client's contacts.": (
        "Контакты клиента меняют только руководители и администраторы."
    ),
    "No contact '{contact_id}'; pick one from the client's page.": (
        "Контакта «{contact_id}» нет; выберите его на странице клиента."
    ),
    "{address} is already {name}'s address; each contact needs their own.": (
        "{address} — уже адрес контакта {name}; у каждого контакта должен быть свой."
    ),
    "That site is not one of this client's; choose one of the client's sites.": (
        "Это не объект этого клиента; выберите один из его объектов."
    ),
    **RU_BILLING,
    **RU_CONTACTS,
    **RU_EQUIPMENT,
    **RU_KB,
}

# Field values that are words, not names: what a use case passes as `field`, `what`, `role`, `action`,
# a report's filter `name` or an article status, in Russian.
WORDS_RU: dict[str, str] = {
    "address": "адрес",
    "category": "категория",
    "comment": "комментарий",
    "note": "заметка",
    "problem description": "описание проблемы",
    "reason for the extension": "причина продления",
    "reason for waiting": "причина ожидания",
    "reason": "причина",
    "resolution note": "что сделано",
    "shifts": "смены",
    "this profile": "этот профиль",
    "acknowledge SLA alerts": "подтверждать оповещения SLA",
    "extend an SLA": "продлевать SLA",
    "change a priority": "менять приоритет",
    "reassign a job": "переназначать работу",
    "client": "клиент",
    "engineer": "инженер",
    "supervisor": "руководитель",
    "admin": "администратор",
    "system": "система",
    "dispatcher": "диспетчер",
    "start": "Начало",
    "end": "Конец",
    "client_id": "клиент",
    "site_id": "объект",
    "engineer_id": "инженер",
    "draft": "черновик",
    "published": "опубликована",
    "offer": "предложить",
    "accept": "принять",
    "return_to_queue": "вернуть в очередь",
    "hold": "отложить",
    "resume": "возобновить",
    "resolve": "выполнить",
    "close": "закрыть",
    "cancel": "отменить",
    "reopen": "открыть снова",
    "recover": "закрыть по восстановлению",
    "level": "уровень",
    "the job limit": "лимит работ",
    "latitude": "широта",
    "longitude": "долгота",
    "estimate": "согласования сметы",
    "go-ahead": "разрешения руководителя",
    "approved": "одобрена",
    "declined": "отклонена",
    "the client to approve the estimate": "согласования сметы клиентом",
    "a supervisor": "решения руководителя",
    "title": "заголовок",
    "body": "текст",
    "audience": "аудитория",
    "lang": "язык",
    "tags": "теги",
    **WORDS_RU_BILLING,
}


class Worded(Protocol):
    """An error whose message is an English template with named fields (`DomainError`, `KbError`)."""

    template: str
    params: dict[str, object]


def refusal_text(error: Worded, lang: str) -> str | None:
    """`error`'s sentence in `lang` (ru or en); None when Russian is asked and the template has none yet."""
    if lang != "ru":
        return str(error)
    if isinstance(error, FormProblems):
        said = [refusal_text(part, lang) for part in error.parts]
        return " ".join(s for s in said if s is not None) if None not in said else None
    russian = RU.get(error.template)
    if russian is None:
        return None
    return russian.format_map(_RussianValues(error.params))


def has_russian(template: str) -> bool:
    """Whether the Russian catalogue says `template`."""
    return template in RU


class _RussianValues(dict[str, str]):
    """A template's fields in Russian: statuses by their Russian names, known words translated."""

    def __init__(self, params: Mapping[str, object]) -> None:
        super().__init__({name: _russian(name, value) for name, value in params.items()})

    def __missing__(self, key: str) -> str:
        # A Russian sentence may name a field the English one left out ({action} for {past}): say nothing odd.
        return ""


def _russian(name: str, value: object) -> str:
    if isinstance(value, DomainError | KbError | ValueRefused):  # a refusal that names another one
        return refusal_text(value, "ru") or str(value)
    if isinstance(value, tuple) and value and all(isinstance(v, KbError) for v in value):
        return "\n".join(_russian(name, v) for v in value)  # `Problems`: an import's bad lines
    if name == "keys":  # names as a file or a request spells them (JSON keys): never translated
        return str(value)
    if name == "status" and isinstance(value, StrEnum) and str(value) not in WORDS_RU:
        return status_name("ru", str(value))
    return WORDS_RU.get(str(value), str(value))
