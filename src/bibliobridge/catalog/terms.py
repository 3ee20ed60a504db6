"""The search terms a held record gives its cluster's document: pure work (no database),
so import workers compute them while reading (``prepare``) and ``searching`` indexes them.

Namespaces (see ``searching``): a any word, t title, n name, s subject words; i ISBN-13,
x ISSN, o OCLC number, y year, l language; h holder, c holder's country.
"""

from .enums import ANY, COUNTRY, HOLDER, ISBN, ISSN, LANGUAGE, NAME, OCLC, SUBJECT, TITLE, YEAR
from .text import tokens

# What description_terms reads of a record, in this order.
DESCRIPTION = ("title", "title_vernacular", "title_romanised", "names", "names_vernacular",
               "subjects", "isbns", "issns", "oclc_numbers", "languages", "year")  # fmt: skip
# How a record's terms travel from the worker to the index: one line each. A term is made
# of words split at white space and of normalised numbers and codes, so none has a line
# break; were one to have it, the record's terms would not be sent (joined is None).
SEPARATOR = "\n"


def description_terms(values: tuple) -> set[str]:
    """The terms a held record's DESCRIPTION values (ISBNs as dicts, as stored) give its
    cluster's document (its holder gives holder_terms)."""
    (title, vernacular, romanised, names, names_vernacular, subjects, isbns, issns,
     oclc_numbers, languages, year) = values  # fmt: skip
    found: set[str] = set()
    for namespace, text in (
        (TITLE, " ".join(filter(None, (title, vernacular, romanised)))),
        (NAME, " ".join(names + names_vernacular)),
        (SUBJECT, " ".join(subjects)),
    ):
        for word in tokens(text):
            found.add(f"{namespace}:{word}")
            found.add(f"{ANY}:{word}")
    found.update(f"{ISBN}:{isbn['value']}" for isbn in isbns)
    found.update(f"{ISSN}:{issn}" for issn in issns)
    found.update(f"{OCLC}:{number}" for number in oclc_numbers)
    found.update(f"{LANGUAGE}:{language}" for language in languages)
    if year:
        found.add(f"{YEAR}:{year}")
    return found


def holder_terms(holder_id: int, holder_country: str) -> set[str]:
    found = {f"{HOLDER}:{holder_id}"}
    if holder_country:
        found.add(f"{COUNTRY}:{holder_country.lower()}")
    return found


def joined(terms: set[str]) -> str | None:
    """The terms as one text (sorted, one a line), or None if a term has a line break."""
    if any(SEPARATOR in term for term in terms):
        return None
    return SEPARATOR.join(sorted(terms))


def split(text: str) -> set[str]:
    """The terms ``joined`` gave this text."""
    return set(text.split(SEPARATOR)) if text else set()
