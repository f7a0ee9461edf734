"""Typed addresses read as towns, offline (dialogue.gazetteer over GeoNames' Russian towns and districts)."""

from __future__ import annotations

import pytest

from dialogue.gazetteer import locate


@pytest.mark.parametrize(
    ("address", "town"),
    [
        ("г. Казань, ул. Баумана, 5", "Казань"),
        ("в Нижнем Новгороде, ул. Покровская 10", "Нижний Новгород"),
        ("в Химках, ул. Победы 2", "Химки"),
        ("ул. Советская 10, Тверь", "Тверь"),  # "Советский" is a town too, but here a street
        ("Тверь, Кирова 5", "Тверь"),  # "Кирова 5" is a street named after a town
        ("Казанская улица 3, Санкт-Петербург", "Санкт-Петербург"),
        ("Петроградская сторона, СПб", "Санкт-Петербург"),
        ("ул. Ленина 3, г. Киров", "Киров"),
        ("екатеринбург малышева 51", "Екатеринбург"),
    ],
)
def test_the_town_of_an_address(address: str, town: str) -> None:
    place = locate(address)
    assert place is not None and place.name == town, (address, place)


@pytest.mark.parametrize(
    "address", ["улица Ленина 5", "Невский проспект 10", "дом 5 кв 3", "офис на Тверской", ""]
)
def test_an_address_without_a_town_names_none(address: str) -> None:
    assert locate(address) is None


def test_the_centre_is_the_towns() -> None:
    kazan = locate("Казань")
    assert kazan is not None and abs(kazan.lat - 55.79) < 0.05 and abs(kazan.lon - 49.12) < 0.05
