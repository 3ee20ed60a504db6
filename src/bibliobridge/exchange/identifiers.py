"""ISBN and ISSN as list items carry them: the forms the union catalogue matches on.

An ISBN that does not check is kept as typed and flagged rather than refused: partners'
lists are copied from printed catalogues and old spreadsheets, and a librarian can still
find the book by a mistyped number. An ISSN is short enough to be typed again, so a wrong
one is refused.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn
from stdnum.exceptions import ValidationError as StdnumError


def normalise_isbn(value: str) -> tuple[str, bool]:
    """(ISBN-13 without hyphens, True), or (the value as typed, trimmed, False)."""
    text = (value or "").strip()
    if not text:
        return "", True
    try:
        return stdnum_isbn.to_isbn13(stdnum_isbn.validate(text)), True
    except StdnumError:
        return text, False


def normalise_issn(value: str) -> str:
    """The ISSN as NNNN-NNNC, or ValidationError."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return stdnum_issn.format(stdnum_issn.validate(text))
    except StdnumError as error:
        raise ValidationError(
            _("“%(value)s” is not a valid ISSN (eight characters, such as 0317-8471)."),
            code="invalid_issn",
            params={"value": value},
        ) from error
