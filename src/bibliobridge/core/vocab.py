"""Standard code lists (ISO 3166, ISO 639, ISO 4217, IANA zones) and their names.

Codes are checked against pycountry and zoneinfo; names come from Babel's CLDR data in the
active language, so a country reads 日本 in Chinese and Japan in English.
"""

import functools
import zoneinfo

import pycountry
from babel import Locale, UnknownLocaleError
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# A few codes that ISO 3166 users meet in practice but pycountry's alpha_2 list lacks.
EXTRA_COUNTRIES = {"XK"}  # Kosovo, user-assigned but used by the EU and many agencies


@functools.cache
def _babel_locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language or "en"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _locale() -> Locale:
    return _babel_locale(translation.get_language() or "en")


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset({c.alpha_2 for c in pycountry.countries} | EXTRA_COUNTRIES)


@functools.cache
def currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


@functools.cache
def language_codes() -> frozenset[str]:
    codes = set()
    for lang in pycountry.languages:
        codes.add(lang.alpha_3)
        if hasattr(lang, "alpha_2"):
            codes.add(lang.alpha_2)
    return frozenset(codes)


@functools.cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def country_name(code: str) -> str:
    if not code:
        return ""
    name = _locale().territories.get(code.upper())
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code.upper())
    return country.name if country else code


def language_name(code: str) -> str:
    if not code:
        return ""
    name = _locale().languages.get(code)
    if not name:
        lang = None
        if len(code) == 3:
            # ISO 639-2/T ("zho") or, as MARC records give it, 639-2/B ("chi").
            lang = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
                bibliographic=code
            )
        if lang is not None and hasattr(lang, "alpha_2"):
            name = _locale().languages.get(lang.alpha_2)
        if not name and lang is not None:
            name = lang.name
    return name or code


def currency_name(code: str) -> str:
    return _locale().currencies.get(code.upper(), code) if code else ""


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c, country_name(c)) for c in country_codes()), key=lambda item: item[1])


def currency_choices() -> list[tuple[str, str]]:
    return sorted((c, f"{c} · {currency_name(c)}") for c in currency_codes())


def time_zone_choices() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(time_zones())]


def normalise_country(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in country_codes():
        raise ValidationError(
            _("“%(value)s” is not an ISO 3166 country code (two letters, such as CN or DE)."),
            code="invalid_country",
            params={"value": value},
        )
    return code


@functools.cache
def bibliographic_language_codes() -> dict[str, str]:
    """ISO 639-2/B codes, as MARC records carry them (chi, ger, fre), → ISO 639-2/T (zho,
    deu, fra), for the twenty languages where the two differ."""
    return {
        lang.bibliographic: lang.alpha_3
        for lang in pycountry.languages
        if getattr(lang, "bibliographic", None)
    }


def marc_language(code: str) -> str:
    """The MARC (ISO 639-2/B) code of a language we store as ISO 639-1 or -3: zh → chi,
    de → ger, ja → jpn; empty when it has no three-letter code."""
    lang = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    lang = lang or pycountry.languages.get(alpha_3=code)
    if lang is None:
        return ""
    return getattr(lang, "bibliographic", None) or lang.alpha_3


def normalise_language(value: str) -> str:
    """An ISO 639-1 or 639-3 code in lower case; a MARC (639-2/B) code becomes its
    639-2/T twin, so chi is zho and ger is deu."""
    code = (value or "").strip().lower()
    code = bibliographic_language_codes().get(code, code)
    if code not in language_codes():
        raise ValidationError(
            _("“%(value)s” is not an ISO 639 language code (such as zh, en or rus)."),
            code="invalid_language",
            params={"value": value},
        )
    return code


def normalise_currency(value: str) -> str:
    code = (value or "").strip().upper()
    if code not in currency_codes():
        raise ValidationError(
            _("“%(value)s” is not an ISO 4217 currency code (such as CNY, USD or EUR)."),
            code="invalid_currency",
            params={"value": value},
        )
    return code


def normalise_time_zone(value: str) -> str:
    zone = (value or "").strip()
    if zone not in time_zones():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone (such as Asia/Shanghai or Europe/Berlin)."),
            code="invalid_time_zone",
            params={"value": value},
        )
    return zone


def validate_country(value: str) -> None:
    normalise_country(value)


def validate_time_zone(value: str) -> None:
    normalise_time_zone(value)


def validate_currency(value: str) -> None:
    normalise_currency(value)


def validate_language_list(values: list[str]) -> None:
    for value in values or []:
        normalise_language(value)


def validate_currency_list(values: list[str]) -> None:
    for value in values or []:
        normalise_currency(value)


def validate_country_list(values: list[str]) -> None:
    for value in values or []:
        normalise_country(value)
