"""Institution identifiers: ISIL (ISO 15511), ROR, OCLC symbol, CALIS code, local code.

Each `normalise_*` returns the canonical form or raises ValidationError with a message
a librarian can act on.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bibliobridge.core.vocab import country_codes

# Non-country ISIL prefixes registered with the ISIL agency (ISO 15511 annex).
# Country prefixes are any ISO 3166-1 alpha-2 code, so CN, TW and HK are valid too.
ISIL_AGENCY_PREFIXES = {"O", "OCLC", "ZDB", "EUR", "GTB", "WLD", "X", "DNB"}
_ISIL_CHARS = re.compile(r"^[A-Za-z0-9\-/:]+$")


def normalise_isil(value: str) -> str:
    """ISO 15511:2019 — prefix, hyphen, local part; at most 16 characters.

    The country prefix is upper case; the local part keeps its case (it is significant
    to some agencies, as in GB-UkOxU).
    """
    isil = (value or "").strip()
    if not isil:
        raise ValidationError(_("The ISIL is empty."), code="isil_empty")
    if len(isil) > 16:
        raise ValidationError(
            _("An ISIL has at most 16 characters; “%(value)s” has %(count)d."),
            code="isil_length",
            params={"value": isil, "count": len(isil)},
        )
    if not _ISIL_CHARS.match(isil):
        raise ValidationError(
            _("An ISIL may contain only Latin letters, digits, “-”, “/” and “:”: “%(value)s”."),
            code="isil_chars",
            params={"value": isil},
        )
    prefix, sep, local = isil.partition("-")
    if not sep or not prefix or not local:
        raise ValidationError(
            _(
                "An ISIL is a prefix, a hyphen and a library code, such as DE-1 or US-DLC: “%(value)s”."
            ),
            code="isil_format",
            params={"value": isil},
        )
    prefix = prefix.upper()
    if len(prefix) == 2:
        if prefix not in country_codes():
            raise ValidationError(
                _("“%(prefix)s” is not an ISO 3166 country code, so it cannot start an ISIL."),
                code="isil_prefix",
                params={"prefix": prefix},
            )
    elif prefix not in ISIL_AGENCY_PREFIXES:
        raise ValidationError(
            _(
                "“%(prefix)s” is not a registered ISIL prefix (a country code such as CN, or OCLC, ZDB)."
            ),
            code="isil_prefix",
            params={"prefix": prefix},
        )
    return f"{prefix}-{local}"


ROR_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_ROR_RE = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$")


def ror_checksum(base: str) -> str:
    """ISO 7064 MOD 97-10 over the base32 value of the first seven characters."""
    number = 0
    for char in base:
        number = number * 32 + ROR_ALPHABET.index(char)
    return f"{98 - (number * 100) % 97:02d}"


def normalise_ror(value: str) -> str:
    """The nine-character ROR ID; accepts the https://ror.org/ form."""
    raw = (value or "").strip()
    ror = raw.lower()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror.org/"):
        if ror.startswith(prefix):
            ror = ror[len(prefix) :]
    if not _ROR_RE.match(ror):
        raise ValidationError(
            _("“%(value)s” is not a ROR ID: nine characters, starting with 0, such as 03vek6s52."),
            code="ror_format",
            params={"value": raw},
        )
    if ror_checksum(ror[:7]) != ror[7:]:
        raise ValidationError(
            _("The check digits of ROR ID “%(value)s” are wrong; please check for a typing error."),
            code="ror_checksum",
            params={"value": raw},
        )
    return ror


_OCLC_RE = re.compile(r"^[A-Z0-9]{3,5}$")


def normalise_oclc_symbol(value: str) -> str:
    symbol = (value or "").strip().upper()
    if not _OCLC_RE.match(symbol):
        raise ValidationError(
            _("An OCLC symbol has 3 to 5 letters or digits, such as DLC or YUS: “%(value)s”."),
            code="oclc_format",
            params={"value": value},
        )
    return symbol


_CALIS_RE = re.compile(r"^[0-9A-Za-z]{4,12}$")


def normalise_calis_code(value: str) -> str:
    code = (value or "").strip()
    if not _CALIS_RE.match(code):
        raise ValidationError(
            _("A CALIS member code has 4 to 12 letters or digits: “%(value)s”."),
            code="calis_format",
            params={"value": value},
        )
    return code


def normalise_local_code(value: str) -> str:
    code = (value or "").strip()
    if not code or len(code) > 64:
        raise ValidationError(_("A local code has 1 to 64 characters."), code="local_format")
    return code
