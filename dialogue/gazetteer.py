"""Where a typed address is, offline: the town (or city district) it names, from a gazetteer of Russia.

The data is `data/ru_places.tsv` (GeoNames, CC BY 4.0; made by scripts/make_gazetteer.py): about 3,900 towns
and districts with their Russian names and centres; and `data/ru_districts.tsv`, the districts of Moscow and
Saint Petersburg GeoNames lacks (Хамовники, Арбат, Якиманка, Выборгский...; kept by hand, its source and
accuracy in its header). A typed address ("г. Казань, ул. Баумана, 5", "Химки,
Ленинградская 1", "в Нижнем Новгороде") is read word by word, as written and in dictionary form (pymorphy3:
"Казани" -> "казань"), one to three words at a time; a name right after a street word or before one
("ул. Советская", "Казанская улица") is a street, not a town. Among several places that match, the one
after "г." / "город" wins, then one that is a whole part of the address between commas, then the longer
name, then the larger town; a name before a house number ("Кирова 5") is a street. The centre is approximate (a town,
not a house): enough to keep a job in another city from engineers far away and to say how far it is.

The other way round, `nearest(lat, lon)` names the town or district whose centre is nearest a point (an engineer's
home on the admin's pages): in Russian the name among a place's alternatives that the dictionary knows as a
place and that reads most like its Latin name ("Москва", not the dialect "Муско"), in English that Latin name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from pathlib import Path

from dialogue.names import latin
from dialogue.russian import morph
from ticket_core.routing import haversine_km

DATA = Path(__file__).resolve().parent / "data" / "ru_places.tsv"
DISTRICTS = DATA.with_name("ru_districts.tsv")
STREET_WORDS = frozenset(
    {
        "улица", "ул", "проспект", "пр", "просп", "переулок", "пер", "шоссе", "ш", "бульвар", "бул", "площадь",
        "пл", "набережная", "наб", "проезд", "тупик", "аллея", "линия", "мкр", "микрорайон", "станция", "метро",
        "м", "район", "р", "рн", "область", "обл", "край", "станица", "поселок", "пос", "деревня", "дер", "село",
    }
)  # fmt: skip
"""Words around a street, a metro station or a wider area: a town's name next to them names something else."""
CITY_MARKERS = frozenset({"г", "город", "гор"})
ABBREVIATIONS = {"спб": "санкт петербург", "мск": "москва", "екб": "екатеринбург", "нск": "новосибирск"}
"""What people write for the largest cities."""
MAX_WORDS = 3
NEAR_KM = 20.0
"""How far from a town's or district's centre a point may be and still be named after it."""
_KM_PER_DEGREE = 111.2
_WORD = re.compile(r"[a-zа-яё0-9]+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Place:
    """A town or city district: its Russian name (as the address named it), centre and population."""

    name: str
    lat: float
    lon: float
    population: int


def name_key(text: str) -> str:
    """A name folded for comparing: lower case, ё as е, words only."""
    return " ".join(_WORD.findall(text.casefold().replace("ё", "е")))


@cache
def _index() -> dict[str, list[Place]]:
    """Every Russian name of every place, folded (lower case, ё as е, hyphens as spaces)."""
    index: dict[str, list[Place]] = {}
    for centre in _centres():
        for name in centre.names:
            place = Place(name, centre.lat, centre.lon, centre.population)
            same = index.setdefault(name_key(name), [])
            twin = next((i for i, p in enumerate(same) if (p.lat, p.lon) == (place.lat, place.lon)), None)
            if twin is None:
                same.append(place)
            elif "-" in name:  # "Санкт-Петербург" rather than "Санкт Петербург"
                same[twin] = place
    return index


def _forms(word: str) -> set[str]:
    """A word as written and its dictionary forms ("химках" -> "химки", "казани" -> "казань")."""
    if word.isdigit():
        return {word}
    found = {word, ABBREVIATIONS.get(word, word)}
    if re.search("[а-я]", word):
        found.update(str(p.normal_form).replace("ё", "е") for p in morph().parse(word)[:4])
    return found


def locate(address: str) -> Place | None:
    """The town or district a typed address names, or None when it names none the gazetteer knows."""
    best: tuple[bool, bool, int, int, Place] | None = None
    for part in re.split(r"[,;()]", address):  # a street word only counts within its part of the address
        words = [w.casefold().replace("ё", "е") for w in _WORD.findall(part)]
        forms = [_forms(w) for w in words]
        for size in range(MAX_WORDS, 0, -1):
            for start in range(len(words) - size + 1):
                end = start + size
                before = words[start - 1] if start else ""
                after = words[end] if end < len(words) else ""
                if before in STREET_WORDS or after in STREET_WORDS or after.isdigit():
                    continue  # "ул. Советская", "Казанская улица", "Кирова 5": a street named after a town
                whole = size == len(words) or (start == 1 and before in CITY_MARKERS and end == len(words))
                for place in _matches(forms[start:end]):
                    score = (before in CITY_MARKERS, whole, size, place.population, place)
                    if best is None or score[:4] > best[:4]:
                        best = score
    return best[4] if best else None


def _matches(forms: list[set[str]]) -> list[Place]:
    """The places named by consecutive words (each in any of its forms)."""
    texts = [""]
    for options in forms:
        texts = [f"{t} {o}".strip() for t in texts for o in options][:64]
    index = _index()
    return [place for text in dict.fromkeys(texts) for place in index.get(name_key(text), ())]


@dataclass(frozen=True, slots=True)
class Centre:
    """A place's centre with every Russian name it has, its population and its Latin name (one line of the
    data)."""

    names: tuple[str, ...]
    lat: float
    lon: float
    population: int
    latin: str


@dataclass(frozen=True, slots=True)
class Nearby:
    """The place nearest a point: its name in Russian and in English, and how far its centre is."""

    ru: str
    en: str
    km: float

    def name(self, lang: str) -> str:
        """The name in `lang` (Russian for "ru", English otherwise)."""
        return self.ru if lang[:2].lower() == "ru" else self.en


@cache
def _centres() -> tuple[Centre, ...]:
    """Every line of the towns' and the districts' data, read once (`_index` and `nearest` both use them)."""
    lines = [line for path in (DATA, DISTRICTS) for line in path.read_text(encoding="utf-8").splitlines()]
    centres = []
    for line in lines:
        if line and not line.startswith("#"):
            names, lat, lon, population, _id, latin_name = line.split("\t")
            centres.append(
                Centre(tuple(names.split("|")), float(lat), float(lon), int(population), latin_name)
            )
    return tuple(centres)


@lru_cache(maxsize=4096)
def nearest(lat: float, lon: float, within_km: float = NEAR_KM) -> Nearby | None:
    """The town or city district whose centre is nearest (lat, lon), within `within_km`; None farther out."""
    best: tuple[float, Centre] | None = None
    span = within_km / _KM_PER_DEGREE  # a cheap box first: a degree of latitude is about 111 km everywhere
    for centre in _centres():
        if abs(centre.lat - lat) > span:
            continue
        km = haversine_km(lat, lon, centre.lat, centre.lon)
        if km <= within_km and (best is None or km < best[0]):
            best = (km, centre)
    if best is None:
        return None
    km, centre = best
    return Nearby(_russian_name(centre.names, centre.latin), centre.latin, km)


def _russian_name(names: tuple[str, ...], latin_name: str) -> str:
    """The name people write among a place's alternatives (GeoNames lists old and dialect names too): one the
    dictionary knows as a place ("Москва"), else the one that reads most like the Latin name; hyphenated over
    spaced."""

    def score(name: str) -> tuple[float, float, bool]:
        last = name.casefold().split()[-1]
        known = morph().word_is_known(last)  # a guess for an unknown word ("Муско") may say Geox too
        place = sum(p.score for p in morph().parse(last) if "Geox" in p.tag) if known else 0.0
        alike = SequenceMatcher(
            None, latin(name).lower().replace("-", " "), latin_name.lower().replace("-", " ")
        )
        return round(place, 2), alike.ratio(), "-" in name

    return max(names, key=score)
