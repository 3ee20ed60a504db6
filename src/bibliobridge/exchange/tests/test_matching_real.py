"""Matching on real records: the Library of Congress's romanised titles (245) against their
vernacular forms (880), as our want list and a partner's offers would carry them."""

import itertools

from bibliobridge.catalog.marc.read import read_records
from bibliobridge.catalog.marc.record import NormalisedRecord
from bibliobridge.catalog.tests.shared import shared_path
from bibliobridge.catalog.text import script_of
from bibliobridge.exchange.matching import Item, match

LOC = "marc/loc/loc_booksall2016_part01_every8th.mrc"


def cjk_records() -> list[NormalisedRecord]:
    """Records among the first 10,000 with a Chinese, Japanese or Korean 880 title."""
    with shared_path(LOC).open("rb") as stream:
        return [
            record
            for record in itertools.islice(read_records(stream), 10_000)
            if isinstance(record, NormalisedRecord)
            and record.title_vernacular
            and record.year
            and script_of(record.title_vernacular) in ("hani", "jpan", "hang")
        ]


def test_romanised_wants_meet_vernacular_offers():
    records = cjk_records()
    assert len(records) == 83
    wants, offers, true = [], [], set()
    for number, record in enumerate(records):
        language = record.languages[0] if record.languages else ""
        author = record.names[0] if record.names else ""
        vernacular_author = record.names_vernacular[0] if record.names_vernacular else author
        wants.append(Item(number, None, record.title, author, year=record.year, language=language))
        offers.append(
            Item(
                10_000 + number,
                1,
                record.title_vernacular,
                vernacular_author,
                year=record.year,
                language=language,
            )  # fmt: skip
        )
        true.add((number, 10_000 + number))
        # Another edition of it, ten years on: never suggested.
        offers.append(
            Item(
                20_000 + number,
                1,
                record.title_vernacular,
                vernacular_author,
                year=record.year + 10,
                language=language,
            )  # fmt: skip
        )

    found = {(s.want, s.offer) for s in match(wants, offers)}

    assert found <= true  # nothing wrong
    assert len(found) >= 0.8 * len(true)  # 68 of 83 when written
