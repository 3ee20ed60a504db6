"""A likely time zone for an institution from its country (and its position, if known).

Babel's CLDR data lists each territory's zones; tzdata's zone.tab gives each zone's
principal location, so with coordinates (as in ROR records) the nearest zone of the
country wins, and without them the first zone zone.tab lists for the country (its most
populous region, e.g. America/New_York for US).
"""

import functools
import math
from importlib import resources

from babel.core import get_global

from bibliobridge.core.vocab import time_zones


@functools.cache
def _zone_tab() -> dict[str, list[tuple[str, float, float]]]:
    """country → [(zone, latitude, longitude)] in zone.tab order."""
    table: dict[str, list[tuple[str, float, float]]] = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        country, coordinates, zone = line.split("\t")[:3]
        table.setdefault(country, []).append((zone, *_parse_iso6709(coordinates)))
    return table


def _parse_iso6709(value: str) -> tuple[float, float]:
    # ±DDMM±DDDMM or ±DDMMSS±DDDMMSS
    split = max(value.rfind("+"), value.rfind("-"))
    return _dms(value[:split], 2), _dms(value[split:], 3)


def _dms(value: str, degree_digits: int) -> float:
    sign = -1 if value[0] == "-" else 1
    digits = value[1:]
    degrees = int(digits[:degree_digits])
    minutes = int(digits[degree_digits : degree_digits + 2])
    seconds = int(digits[degree_digits + 2 :] or 0)
    return sign * (degrees + minutes / 60 + seconds / 3600)


# Without coordinates, zone.tab's first zone is an odd choice for these countries.
_USUAL_ZONE = {
    "AU": "Australia/Sydney", "BR": "America/Sao_Paulo", "CA": "America/Toronto",
    "ID": "Asia/Jakarta", "KZ": "Asia/Almaty", "MX": "America/Mexico_City",
    "RU": "Europe/Moscow", "XK": "Europe/Belgrade", "CL": "America/Santiago",
    "AR": "America/Argentina/Buenos_Aires", "ES": "Europe/Madrid", "PT": "Europe/Lisbon",
    "MN": "Asia/Ulaanbaatar", "CD": "Africa/Kinshasa", "UA": "Europe/Kyiv",
}  # fmt: skip


def guess_time_zone(country: str, lat: float | None = None, lng: float | None = None) -> str:
    """An IANA zone for the country, or "" when the country is unknown."""
    country = (country or "").upper()
    known = time_zones()
    located = [z for z in _zone_tab().get(country, []) if z[0] in known]
    if located:
        if lat is not None and lng is not None:
            return min(located, key=lambda z: _distance(lat, lng, z[1], z[2]))[0]
        usual = _USUAL_ZONE.get(country)
        return usual if usual in known else located[0][0]
    if _USUAL_ZONE.get(country) in known:
        return _USUAL_ZONE[country]
    zones = [z for z in get_global("territory_zones").get(country, []) if z in known]
    return zones[0] if zones else ""


def _distance(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    # Haversine, in radians of arc; only the ordering matters.
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * math.asin(min(1.0, math.sqrt(a)))
