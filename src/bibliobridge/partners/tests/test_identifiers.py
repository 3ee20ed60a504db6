import pytest
from django.core.exceptions import ValidationError

from bibliobridge.partners.identifiers import (
    normalise_calis_code,
    normalise_isil,
    normalise_oclc_symbol,
    normalise_ror,
    ror_checksum,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("US-DLC", "US-DLC"),  # Library of Congress
        ("DE-1", "DE-1"),  # Staatsbibliothek zu Berlin
        ("GB-UkOxU", "GB-UkOxU"),  # Oxford: the local part keeps its case
        ("gb-UkOxU", "GB-UkOxU"),
        (" DE-101 ", "DE-101"),  # Deutsche Nationalbibliothek
        ("CA-OONL-Archives", "CA-OONL-Archives"),  # 16 characters, the maximum
        ("CN-100871", "CN-100871"),
        ("TW-NCL", "TW-NCL"),
        ("HK-HKU", "HK-HKU"),
        ("OCLC-DLC", "OCLC-DLC"),  # a non-country prefix
        ("ZDB-1-DLC", "ZDB-1-DLC"),
        ("DE-Tue120/1:a", "DE-Tue120/1:a"),
    ],
)
def test_valid_isils(value, expected):
    assert normalise_isil(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("CA-OONL-Archives1", "isil_length"),  # 17 characters
        ("", "isil_empty"),
        ("QQ-123", "isil_prefix"),  # not a country
        ("ABC-1", "isil_prefix"),  # not a registered agency prefix
        ("DE-1 2", "isil_chars"),
        ("DE-Bibliothèque", "isil_chars"),
        ("DE_1", "isil_chars"),  # "_" is not allowed
        ("DLC", "isil_format"),
        ("US-", "isil_format"),
        ("-DLC", "isil_format"),
    ],
)
def test_invalid_isils(value, code):
    with pytest.raises(ValidationError) as error:
        normalise_isil(value)
    assert error.value.code == code


def test_isil_message_is_actionable():
    with pytest.raises(ValidationError) as error:
        normalise_isil("QQ-123")
    assert error.value.messages == [
        "“QQ” is not an ISO 3166 country code, so it cannot start an ISIL."
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("03vek6s52", "03vek6s52"),  # Harvard University
        ("https://ror.org/052gg0110", "052gg0110"),  # University of Oxford
        ("ror.org/02v51f717", "02v51f717"),  # Peking University
        ("013MEH722", "013meh722"),  # University of Cambridge
    ],
)
def test_valid_rors(value, expected):
    assert normalise_ror(value) == expected
    assert ror_checksum(expected[:7]) == expected[7:]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("03vek6s53", "ror_checksum"),
        ("052gg0111", "ror_checksum"),
        ("13vek6s52", "ror_format"),  # must start with 0
        ("03vek6s5", "ror_format"),
        ("03vik6s52", "ror_format"),  # i is not in Crockford base32
        ("https://ror.org/", "ror_format"),
    ],
)
def test_invalid_rors(value, code):
    with pytest.raises(ValidationError) as error:
        normalise_ror(value)
    assert error.value.code == code


def test_oclc_and_calis():
    assert normalise_oclc_symbol(" dlc ") == "DLC"
    assert normalise_calis_code("211001") == "211001"
    with pytest.raises(ValidationError):
        normalise_oclc_symbol("TOOLONG")
    with pytest.raises(ValidationError):
        normalise_calis_code("21")
