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
