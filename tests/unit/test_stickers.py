"""Sticker links per channel and the A4 sheets (10 labels a page), read back from the PDF."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
import zxingcpp

from helpdesk.settings import Settings
from helpdesk.stickers import Sticker, StickerLinks, links_from_settings, sticker_pdf
from tests.support.pdf_pages import page_images
from ticket_core.equipment.model import EquipmentType, Unit, new_code

NOW = datetime(2026, 12, 6, tzinfo=UTC)
AC = EquipmentType("ac", "Кондиционер", "Air conditioner", "hvac")


def test_links_for_each_channel_and_the_one_the_qr_holds() -> None:
    links = StickerLinks("@HelpBot", "+79001234567", "https://help.example/chat?x=1")
    assert links.all("abcdefghijkl") == {
        "telegram": "https://t.me/HelpBot?start=eq-abcdefghijkl",
        "whatsapp": "https://wa.me/79001234567?text="
        + links.all("abcdefghijkl")["whatsapp"].split("=", 1)[1],
        "webchat": "https://help.example/chat?x=1&eq=abcdefghijkl",
    }
    assert unquote(links.all("abcdefghijkl")["whatsapp"]).endswith("Report a fault eq-abcdefghijkl")
    assert links.primary("c") == "https://t.me/HelpBot?start=eq-c"
    assert StickerLinks(None, None, "https://h.example/").primary("c") == "https://h.example/?eq=c"
    with pytest.raises(ValueError, match="CLIENT_BOT_USERNAME"):
        StickerLinks().primary("c")
    plain = links_from_settings(Settings(_env_file=None, port=8090))
    assert plain.primary("c") == "http://127.0.0.1:8090/?eq=c"


def test_eleven_units_make_two_pages_whose_codes_all_scan() -> None:
    units = [
        Unit(
            f"u{i}",
            new_code(),
            "romashka",
            "rom-nevsky",
            "ac",
            f"Кондиционер №{i} " + "очень длинное имя " * (i % 3),
            NOW,
            NOW,
        )
        for i in range(11)
    ]
    pdf = sticker_pdf(
        [Sticker(u, AC, None) for u in units], StickerLinks(webchat_url="https://h.example/"), "+7 800"
    )
    pages = page_images(pdf)
    assert len(pages) == 2
    found = [r.text for page in pages for r in zxingcpp.read_barcodes(page)]
    assert sorted(found) == sorted(f"https://h.example/?eq={u.code}" for u in units)
    with pytest.raises(ValueError, match="no units"):
        sticker_pdf([], StickerLinks(webchat_url="https://h.example/"))
