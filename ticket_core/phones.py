"""Phone numbers in one form (E.164, "+79161234501"), read by `phonenumbers` (Google's libphonenumber rules).

Contacts are found by phone, whichever way it arrived: a WhatsApp sender id and a shared Telegram contact
come in international form without "+"; people type "+7 916 123-45-01" or the Russian "8 916 123 45 01".
Everything goes through `to_e164`, so the same number is stored and looked up the same way everywhere.
"""

from __future__ import annotations

import re

import phonenumbers

DEFAULT_REGION = "RU"
"""Where a number typed without a country code is from (a national "8 ..." number of the demo company)."""
_DIGITS_ONLY = re.compile(r"^\d+$")


def to_e164(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """The number as E.164, or None when `raw` is not a possible phone number."""
    text = (raw or "").strip()
    if not text:
        return None
    digits = re.sub(r"[\s().-]", "", text)
    if _DIGITS_ONLY.match(digits) and not (len(digits) == 11 and digits.startswith("8")):
        # A platform's id (WhatsApp, a shared Telegram contact) is international without the "+".
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
