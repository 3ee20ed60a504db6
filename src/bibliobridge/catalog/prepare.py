"""From file bytes to staged rows: pure work (no database), so worker processes can do it.

A big ISO 2709 file is cut at record terminators into chunks that worker processes read
in parallel (``prepare_chunk``); the import keeps them in file order, so numbering and
"the last copy of a record wins" are as if read in one pass. Everything else (MARCXML,
small files) is read in the importing process with ``prepare``.
"""

import hashlib
import io
import json
from collections.abc import Callable, Iterator, Set
from dataclasses import asdict
from operator import attrgetter
from typing import Any

from bibliobridge.core.memory import collector_paused

from .marc.iso2709 import Reader
from .marc.record import Kind, NormalisedRecord, RecordProblem
from .matching import match_keys
from .terms import DESCRIPTION, description_terms, joined
from .text import share_kanji_readings

# The columns a reader fills, shared by Record and StagedRecord.
RECORD_FIELDS = [
    "local_id", "flavour", "title", "title_vernacular", "title_romanised", "responsibility",
    "names", "names_vernacular", "publisher", "place", "year", "edition", "languages", "isbns",
    "issns", "oclc_numbers", "lccn", "material_type", "subjects", "holdings", "warnings", "raw",
    "raw_syntax", "raw_encoding", "checksum",
]  # fmt: skip
JSON_FIELDS = {
    "names", "names_vernacular", "languages", "isbns", "issns", "oclc_numbers", "subjects",
    "holdings", "warnings",
}  # fmt: skip

# What reading one record gives: a row to stage (deleted, keys, terms, *RECORD_FIELDS), the
# holdings of an MFHD for its bibliographic record, or the problem that kept it out.
Row = tuple[Any, ...]
Item = tuple[str, Any]
ROW, HOLDINGS, PROBLEM = "row", "holdings", "problem"


# As json.dumps(value, ensure_ascii=False) writes it, without making an encoder per call
# (nine columns a record); most lists are empty.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: list) -> str:
    return _encode(value) if value else "[]"


# How each column is filled from a NormalisedRecord (dataclasses.asdict is slow for this).
_COLUMN: dict[str, Callable[[NormalisedRecord], Any]] = {
    name: (lambda record, name=name: _json(getattr(record, name)))
    if name in JSON_FIELDS
    else attrgetter(name)
    for name in RECORD_FIELDS
}
_COLUMN["isbns"] = lambda record: _json([vars(isbn) for isbn in record.isbns])
_COLUMN["holdings"] = lambda record: _json([vars(holding) for holding in record.holdings])
_COLUMN["local_id"] = lambda record: record.local_id[:200]
_COLUMN["checksum"] = lambda record: hashlib.sha1(record.raw, usedforsecurity=False).hexdigest()


def _described(record: NormalisedRecord) -> tuple:
    """A record's DESCRIPTION values as description_terms reads them once stored."""
    return tuple(
        [vars(isbn) for isbn in record.isbns] if name == "isbns" else getattr(record, name)
        for name in DESCRIPTION
    )


_CHECKSUM = RECORD_FIELDS.index("checksum")


def prepare(item: NormalisedRecord | RecordProblem, known: Set[str] = frozenset()) -> Item:
    """``known``: checksums of the holder's records as stored. A record among them is
    unchanged and will not be indexed for itself: its terms are not made (None; were its
    cluster indexed again, the index reads them from the stored record)."""
    if isinstance(item, RecordProblem):
        return PROBLEM, item
    if item.kind == Kind.HOLDINGS:
        return HOLDINGS, (item.linked_id, [asdict(h) for h in item.holdings])
    keys = "\n".join(sorted(key[:255] for key in match_keys(item)))
    columns = [_COLUMN[name](item) for name in RECORD_FIELDS]
    unchanged = columns[_CHECKSUM] in known
    terms = None if unchanged else joined(description_terms(_described(item)))
    return ROW, (item.deleted, keys, terms, *columns)


# What an import worker was given when it started (start_worker).
_known: Set[str] = frozenset()


def start_worker(kanji: Any, known: Set[str]) -> None:
    """A worker's start: the kanji readings to use, the holder's stored checksums."""
    global _known  # noqa: PLW0603
    share_kanji_readings(kanji)
    _known = known


def prepare_chunk(data: bytes, number: int, offset: int) -> list[Item]:
    """The records of a chunk of an ISO 2709 file that starts at record number + 1, byte
    offset: problems carry their place in the whole file."""
    reader = Reader(io.BytesIO(b""), data)
    reader.number, reader.base = number, offset
    with collector_paused():  # core.memory
        return [prepare(item, _known) for item in reader]


def chunks(stream: io.BufferedIOBase, head: bytes, size: int) -> Iterator[tuple[bytes, int, int]]:
    """(chunk, records before it, its byte offset): cut after record terminators (0x1D)."""
    buffer, offset, number = head, 0, 0
    while True:
        more = stream.read(size)
        buffer += more
        end = buffer.rfind(b"\x1d") + 1 if more else len(buffer)
        if end <= 0 and more:
            continue  # no terminator yet: a record longer than a chunk
        if end:
            chunk = buffer[:end]
            yield chunk, number, offset
            number += chunk.count(b"\x1d") or 1
            offset += end
            buffer = buffer[end:]
        if not more:
            return
