"""The Russian of billing's refusals (`ticket_core/billing`), merged into `dialogue.refusals.RU`."""

from __future__ import annotations

RU_BILLING: dict[str, str] = {
    # accounts.py
    "Only supervisors and admins may {what}.": "Это ({what}) могут только руководители и администраторы.",
    "Client {client} has no contract with billing terms; set the terms first.": (
        "У клиента {client} нет договора с денежными условиями; сначала задайте условия."
    ),
    "A payment must be more than zero.": "Платёж должен быть больше нуля.",
    "A package has 0-10,000 hours, a price of 0 or more and lasts 1-36 months.": (
        "В пакете от 0 до 10 000 часов, цена от 0, срок от 1 до 36 месяцев."
    ),
    "No ledger row {entry}.": "Строки журнала {entry} нет.",
    "A reversal cannot be reversed; post the right row instead.": (
        "Сторно нельзя сторнировать; проведите вместо этого правильную строку."
    ),
    "Ledger row {entry} was reversed already.": "Строка журнала {entry} уже сторнирована.",
    "A voided package stays voided; sell the client a new package instead.": (
        "Аннулированный пакет остаётся аннулированным; продайте клиенту новый пакет."
    ),
    "A package purchase is not reversed; void the package instead (with its refund).": (
        "Покупку пакета не сторнируют; аннулируйте пакет (с возвратом)."
    ),
    "Only the engineer on the job revises its estimate.": "Смету пересматривает только инженер на этой заявке.",
    "{ref} is not being worked on; revise the estimate on site, after the diagnosis.": (
        "По {ref} сейчас не идёт работа; пересматривайте смету на месте, после диагностики."
    ),
    "A revised estimate has 0.25 to 100 hours of work and parts of 0 or more.": (
        "В новой смете — от 0,25 до 100 часов работы и запчасти на сумму от 0."
    ),
    "The work on {ref} is not paid by the client; no estimate is needed.": (
        "Работы по {ref} клиент не оплачивает; смета не нужна."
    ),
    "The estimate of {ref} was revised already in this visit.": "Смету по {ref} в этот раз уже пересматривали.",
    "{ref} waits for the client to approve the revised estimate; finish the job after their answer.": (
        "{ref} ждёт, пока клиент согласует новую смету; завершите работу после его ответа."
    ),
    "Client {client} has no package {package}.": "У клиента {client} нет пакета {package}.",
    "Package {package} has no unused hours; there is nothing to void.": (
        "В пакете {package} не осталось неиспользованных часов; аннулировать нечего."
    ),
    "Package {package} expired on {day}; its hours are unusable already.": (
        "Срок пакета {package} истёк {day}; его часами уже нельзя воспользоваться."
    ),
    "A refund is between 0 and the package's price ({price}).": ("Возврат — от 0 до цены пакета ({price})."),
    "A charge cannot be negative; give 0 to waive it.": (
        "Начисление не может быть отрицательным; чтобы списать его, укажите 0."
    ),
    "Only a billable charge line can be adjusted; reverse other rows instead.": (
        "Исправить можно только платное начисление; другие строки сторнируйте."
    ),
    "No such client among yours.": "Среди ваших клиентов такого нет.",
    "Engineers see a client's debt on the job card, not the account.": (
        "Инженер видит долг клиента в карточке работы, а не в его счёте."
    ),
    # acts.py, queries.py
    "'{period}' is not a month; write it as YYYY-MM, e.g. 2026-11.": (
        "«{period}» — не месяц; напишите ГГГГ-ММ, например 2026-11."
    ),
    "Only supervisors and admins read acts and billing reports.": (
        "Акты и отчёты по оплате видят только руководители и администраторы."
    ),
    "Client {client} has no contract with billing terms.": "У клиента {client} нет договора с денежными условиями.",
    # money.py
    "'{text}' is not an amount; write it like 2500 or 2500.50.": (
        "«{text}» — не сумма; напишите, например, 2500 или 2500.50."
    ),
    "The amount must be more than zero.": "Сумма должна быть больше нуля.",
    "The amount is too large; check the number of digits.": "Сумма слишком большая; проверьте количество цифр.",
    # ports.py
    "Billing is off in this installation.": "В этой установке учёт оплаты выключен.",
    # pricing.py
    "At most {max_parts} parts per job.": "Не больше {max_parts} запчастей на работу.",
    "A part needs a name of up to 200 characters.": "Нужно название запчасти, до 200 символов.",
    "A part's cost cannot be negative and its quantity is 1 to 1000.": (
        "Цена запчасти не может быть отрицательной, количество — от 1 до 1000."
    ),
    # terms.py
    "Service {code}: a price or margin cannot be negative.": (
        "Услуга {code}: цена или наценка не может быть отрицательной."
    ),
    "Service {code}: an hour of work needs a level 1-3.": "Услуга {code}: для часа работы нужен уровень 1-3.",
    "Service {code}: a fixed-price job needs a category.": (
        "Услуга {code}: для работы по фиксированной цене нужна категория."
    ),
    "A discount is a percentage from 0 up to (not including) 100.": "Скидка — процент от 0 до 100 (не включая 100).",
    "The out-of-hours multiplier is 1 or more (1.5 means +50 %).": (
        "Множитель за работу вне часов — 1 или больше (1,5 значит +50 %)."
    ),
    "Monthly hours, call-outs and the credit limit cannot be negative.": (
        "Часы и выезды в месяц и кредитный лимит не могут быть отрицательными."
    ),
    "VAT is a percentage from 0 to 99.": "НДС — процент от 0 до 99.",
    "The contract must end after it starts.": "Договор должен заканчиваться после начала.",
    "The contract terms are not valid ({error}); check the numbers and dates.": (
        "Условия договора не приняты ({error}); проверьте числа и даты."
    ),
    "Included categories are a list of category names.": "Включённые категории — это список названий категорий.",
}

# The actions `_staff_only` names, said in Russian as the object of "Это (...) могут".
WORDS_RU_BILLING: dict[str, str] = {
    "record payments": "проводить платежи",
    "sell packages": "продавать пакеты часов",
    "void packages": "аннулировать пакеты часов",
    "reverse ledger rows": "сторнировать строки журнала",
    "adjust charges": "исправлять начисления",
}
