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
