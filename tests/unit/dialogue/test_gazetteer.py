"""Typed addresses read as towns, offline (dialogue.gazetteer over GeoNames' Russian towns and districts)."""

from __future__ import annotations

import math

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


MOSCOW = (55.7520, 37.6178)
SAINT_PETERSBURG = (59.9386, 30.3141)


def _km(place: object, centre: tuple[float, float]) -> float:
    from dialogue.gazetteer import Place

    assert isinstance(place, Place)
    lat, lon = centre
    return math.hypot((place.lat - lat) * 111.2, (place.lon - lon) * 111.2 * math.cos(math.radians(lat)))


@pytest.mark.parametrize(
    ("address", "district", "city"),
    [
        # #18: Moscow's central districts were missing, so "на хамовниках" named no town at all.
        ("на хамовниках", "Хамовники", MOSCOW),
        ("Хамовники", "Хамовники", MOSCOW),
        ("Москва, Хамовники, Комсомольский проспект 5", "Москва", MOSCOW),  # the city named too: the city
        ("в Хамовниках, офис 3", "Хамовники", MOSCOW),
        ("на Арбате", "Арбат", MOSCOW),
        ("в Басманном районе, Покровка 20", "Москва", MOSCOW),  # "районе": the word before is not a town
        ("Якиманка, Большая Полянка 7", "Якиманка", MOSCOW),
        ("Северное Бутово, ул. Грина 1", "Северное Бутово", MOSCOW),
        ("в Бутове", "Бутово", MOSCOW),
        ("на петроградской", "Петроградский", SAINT_PETERSBURG),
        ("Некрасовка, ул. Рождественская 10", "Некрасовка", MOSCOW),  # not the village on the Amur
        ("на Выборгской стороне", "Выборгский", SAINT_PETERSBURG),
        ("Колпинский", "Колпинский", SAINT_PETERSBURG),
    ],
)
def test_city_districts_of_the_big_cities(address: str, district: str, city: tuple[float, float]) -> None:
    place = locate(address)
    assert place is not None, address
    if district != "Москва":
        assert place.name == district, (address, place)
    assert _km(place, city) < 30, (address, place)  # Kolpino is 26 km from Saint Petersburg's centre


def test_every_added_district_lies_within_its_city() -> None:
    from dialogue.gazetteer import DISTRICTS

    for line in DISTRICTS.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        names, lat, lon, *_ = line.split("\t")
        place = locate(names.split("|")[0])
        assert place is not None and (place.lat, place.lon) == (float(lat), float(lon)), names
        assert min(_km(place, MOSCOW), _km(place, SAINT_PETERSBURG)) < 50, names


@pytest.mark.parametrize(
    ("lat", "lon", "ru", "en"),
    [
        (55.75, 37.62, "Москва", "Moscow"),  # not "Муско" or "Москова", other names GeoNames lists
        (59.94, 30.31, "Санкт-Петербург", "Saint Petersburg"),  # not "Ленинград" or "Санкт Петербург"
        (59.96, 30.32, "Петроградский", "Petrogradsky"),  # a district nearer than the city's centre
        (56.33, 44.0, "Нижний Новгород", "Nizhniy Novgorod"),
        (56.84, 60.6, "Екатеринбург", "Yekaterinburg"),  # not "Свердловск"
    ],
)
def test_the_nearest_place_to_a_point_is_named_as_people_write_it(
    lat: float, lon: float, ru: str, en: str
) -> None:
    from dialogue.gazetteer import nearest

    near = nearest(lat, lon)
    assert near is not None and (near.name("ru"), near.name("en")) == (ru, en)
    assert near.km < 3


def test_a_point_far_from_every_town_has_no_name() -> None:
    from dialogue.gazetteer import nearest

    assert nearest(60.5, 100.0) is None  # the Evenk taiga
    far = nearest(55.75, 37.62, within_km=0.1)
    assert far is None  # Moscow's centre is 0.26 km away
