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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dialogue.russian import morph

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
    lines = [line for path in (DATA, DISTRICTS) for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if not line or line.startswith("#"):
            continue
        names, lat, lon, population, _id, _latin = line.split("\t")
        for name in names.split("|"):
            place = Place(name, float(lat), float(lon), int(population))
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
