"""Texts of billing in staff cards and warnings (Russian, English), merged into `dialogue.texts.TEXTS`."""

from __future__ import annotations

BILLING_TEXTS: dict[str, tuple[str, str]] = {
    "bill_included": (
        "\n📄 По договору: осталось {hours} ч в этом месяце",
        "\n📄 Included in the contract: {hours} h left this month",
    ),
    "bill_package": (
        "\n📦 Из пакета клиента: осталось {hours} ч",
        "\n📦 From the client's prepaid package: {hours} h left",
    ),
    "bill_paid": ("\n💰 Платная работа: клиент платит {rate}/ч", "\n💰 Paid work: client pays {rate}/h"),
    "bill_fixed": ("\n💰 Платная работа: фиксированная цена {price}", "\n💰 Paid work: fixed price {price}"),
    "bill_debt": ("\n⚠️ Долг клиента: {debt}", "\n⚠️ The client owes {debt}"),
}
BILLING_TEXTS.update(
    {
        "bill_package_80": (
            "📦 {client}: пакет часов использован на 80 % ({ref}), осталось {left} ч из {hours}.",
            "📦 {client}: the prepaid package is 80 % used ({ref}); {left} h of {hours} left.",
        ),
        "bill_package_100": (
            "📦 {client}: пакет часов израсходован ({ref}). Дальше работа платная, пока клиент не купит новый.",
            "📦 {client}: the prepaid package is used up ({ref}). Further work is billable until a new one is bought.",
        ),
    }
)
BILLING_TEXTS.update(
    {
        # The client's estimate (dialogue.billing_holds)
        "est_q": (
            "💰 Работы по заявке {ref} платные по вашему договору: {prices}.\nНачинать работу?",
            "💰 The work on {ref} is paid for under your contract: {prices}.\nShall we start?",
        ),
        "est_hourly": ("работа инженера {rate}/ч", "engineer's work {rate}/h"),
        "est_fixed": ("фиксированная цена {price}", "a fixed price of {price}"),
        "est_callout": ("выезд {price}", "call-out {price}"),
        "est_parts": ("запчасти по закупочной цене + {margin} %", "parts at cost + {margin} %"),
        "est_vat": (" (цены без НДС {vat} %)", " (prices without {vat} % VAT)"),
        "est_total_hourly": (
            "; ориентировочно {hours} ч работы, всего около {total}",
            "; about {hours} h of work, about {total} in all",
        ),
        "est_total_hourly_vat": (
            "; ориентировочно {hours} ч работы, всего около {total} с НДС",
            "; about {hours} h of work, about {total} in all with VAT",
        ),
        "est_total_fixed": ("; всего {total}", "; {total} in all"),
        "est_total_fixed_vat": ("; всего {total} с НДС", "; {total} in all with VAT"),
        "btn_est_yes": ("✅ Согласен", "✅ Approve"),
        "btn_est_no": ("✖ Отказаться", "✖ Decline"),
        "est_approved": (
            "Спасибо! Смета по {ref} согласована, ищу инженера.",
            "Thank you! The estimate for {ref} is approved; I am finding an engineer.",
        ),
        "est_declined": (
            "Хорошо, платные работы по {ref} не начинаем: заявка отменена. Если захотите обсудить цену, напишите нам здесь.",
            "OK, no paid work on {ref}: the request is cancelled. To talk about the price, write to us here.",
        ),
        "est_on_behalf": (
            "Смета по {ref} согласована от вашего имени: {name} ({reason}). Ищу инженера; если это ошибка, напишите нам здесь.",
            "The estimate for {ref} was approved on your behalf by {name} ({reason}). I am finding an engineer; if this is a mistake, write to us here.",
        ),
        "est_declined_staff": (
            "💰 {client} отказался от сметы по {ref}: заявка отменена.",
            "💰 {client} declined the estimate for {ref}: the request is cancelled.",
        ),
        "est_line_ok": (
            "\n✅ Смета согласована клиентом: {prices}",
            "\n✅ Estimate approved by the client: {prices}",
        ),
        "est_line_wait": (
            "\n⏳ Ждём согласия клиента со сметой: принять работу можно после него",
            "\n⏳ Waiting for the client to approve the estimate: accept once they have",
        ),
        # A debtor's job held for a supervisor
        "debt_hold_q": (
            "⏸ {ref} ({client}) ждёт вашего решения: долг клиента {debt}.\n{description}\nОтдать заявку инженеру?",
            "⏸ {ref} ({client}) waits for your decision: the client owes {debt}.\n{description}\nSend it to an engineer?",
        ),
        "btn_debt_release": ("▶ Отдать инженеру", "▶ Send to an engineer"),
        "btn_debt_cancel": ("✖ Отменить заявку", "✖ Cancel the request"),
        "debt_hold_client": (
            "По договору есть задолженность {debt}. Заявку {ref} передадим инженеру после решения менеджера.",
            "Your account shows {debt} owed. {ref} goes to an engineer once a manager has looked at it.",
        ),
        "debt_released": (
            "▶ {ref} ({client}): отдана инженеру ({name}).",
            "▶ {ref} ({client}): sent to an engineer by {name}.",
        ),
        "debt_cancelled": (
            "✖ {ref} ({client}): отменена ({name}).",
            "✖ {ref} ({client}): cancelled by {name}.",
        ),
        "debt_line_released": (
            "\n▶ Отдана в работу несмотря на долг: {name}",
            "\n▶ Sent to work despite the debt by {name}",
        ),
        "debt_line_wait": (
            "\n⏸ Ждёт решения руководителя из-за долга клиента",
            "\n⏸ Waits for a supervisor because the client is in debt",
        ),
        "hold_answered": ("{ref}: ответ уже получен.", "{ref}: that was answered already."),
    }
)
BILLING_TEXTS.update(
    {
        # The Done flow's parts step (dialogue.job_parts)
        "parts_q": (
            "🔩 Запчасти по {ref}: нажмите запчасть из прайс-листа (каждое нажатие +1 шт) или напишите, например, "
            "«ремень x2 350» (название, количество, цена за штуку). Потом «Готово».",
            "🔩 Parts used on {ref}: tap a part from the price list (each tap adds one) or type them, e.g. "
            '"belt x2 350" (name, quantity, cost each). Then "Done".',
        ),
        "parts_no_price": ("нет цены: напишите её", "no price: type it"),
        "btn_parts_done": ("✅ Готово", "✅ Done"),
        "btn_parts_none": ("Без запчастей", "No parts"),
        "btn_parts_clear": ("↺ Сначала", "↺ Start again"),
        "parts_need_cost": (
            "«{name}» нет в прайс-листе: напишите и цену, например «{name} x{qty} 350».",
            '"{name}" is not in the price list: add its cost, e.g. "{name} x{qty} 350".',
        ),
        "parts_bad": (
            "Не понял запчасти. Напишите, например: «ремень x2 350, фильтр».",
            'I could not read the parts. Write them like: "belt x2 350, filter".',
        ),
        "parts_gone": (
            "Этой запчасти больше нет в прайс-листе. Напишите её с ценой.",
            "That part is no longer in the price list. Type it with its cost.",
        ),
        "parts_unpriced": (
            "У «{name}» нет цены: напишите её, например «{name} x{qty} 350», или нажмите «Сначала».",
            '"{name}" has no cost: type it, e.g. "{name} x{qty} 350", or press "Start again".',
        ),
        "time_bad": (
            "Не понял время. Нажмите кнопку или напишите, например, «1,5 ч», «1:30» или «90 мин».",
            'I could not read the time. Press a button or write e.g. "1.5 h", "1:30" or "90 min".',
        ),
    }
)
BILLING_TEXTS.update(
    {
        # Notices no event causes (dialogue.billing_notices)
        "bill_contract_ends": (
            "📅 {client}: договор «{contract}» заканчивается {date} (через {days} дн.). Пора продлевать.",
            '📅 {client}: the contract "{contract}" ends on {date} (in {days} days). Time to renew it.',
        ),
        "bill_debtors": (
            "💸 Должники на неделю {week} ({n}):\n{lines}",
            "💸 Clients in debt, week {week} ({n}):\n{lines}",
        ),
        "bill_debtor_line": ("• {client}: {debt}", "• {client}: {debt}"),
        "bill_debtors_more": ("… и ещё {n}", "… and {n} more"),
    }
)
