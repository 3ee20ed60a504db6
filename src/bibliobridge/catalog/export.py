"""Records out as MARC: ISO 2709 in UTF-8 and MARCXML, streamed, read back by pymarc and YAZ."""

from collections.abc import Iterable, Iterator

import pymarc

from .models import Record
from .original import as_pymarc, read_original

XML_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
)
XML_TAIL = b"</collection>\n"


def _records(records: Iterable[Record]) -> Iterator[pymarc.Record]:
    for record in records:
        try:
            original = read_original(bytes(record.raw), record.raw_syntax, record.raw_encoding)
        except ValueError:
            continue  # the reader accepted it, so this does not happen; never break a download
        yield as_pymarc(original)


def iso2709_stream(records: Iterable[Record]) -> Iterator[bytes]:
    for record in _records(records):
        yield record.as_marc()


def marcxml_stream(records: Iterable[Record]) -> Iterator[bytes]:
    yield XML_HEAD
    for record in _records(records):
        yield pymarc.record_to_xml(record, namespace=False) + b"\n"
    yield XML_TAIL
