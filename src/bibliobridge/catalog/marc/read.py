"""The one entry point: a file of catalogue records in, normalised records out.

The syntax is told from the content, never the file name: ISO 2709 starts with five
digits, MARCXML with ``<``; anything else is named (a JPEG, a PDF, a ZIP ...) in a
FileProblem.
"""

from collections.abc import Iterator
from typing import BinaryIO

from . import problems
from .iso2709 import Reader
from .marcxml import read_xml
from .record import FileProblem, NormalisedRecord, RecordProblem

_MAGIC = [
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!", "rar"),
    (b"\xd0\xcf\x11\xe0", "ole"),
    (b"{", "json"),
    (b"[", "json"),
]

SYNTAX_ISO2709 = "iso2709"
SYNTAX_MARCXML = "marcxml"


def sniff(head: bytes) -> str:
    """``iso2709`` or ``marcxml``; raises FileProblem for an empty or foreign file."""
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    stripped = text.lstrip(b" \t\r\n\x00")
    if not stripped:
        raise FileProblem(problems.EMPTY_FILE)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return SYNTAX_MARCXML
    if stripped[:1] == b"<":
        lower = stripped[:200].lower()
        if lower.startswith(b"<!doctype html") or lower.startswith(b"<html"):
            raise FileProblem(problems.NOT_MARC, looks_like="html")
        return SYNTAX_MARCXML
    if stripped[:5].isdigit() or (stripped[20:22] == b"45" and b"\x1d" in head):
        # Five digits, or a leader whose length is broken but whose entry map is there.
        return SYNTAX_ISO2709
    for magic, name in _MAGIC:
        if head.startswith(magic):
            raise FileProblem(problems.NOT_MARC, looks_like=name)
    sample = head[:4096]
    try:
        sample.decode("utf-8")
        looks_like = "text"
    except UnicodeDecodeError:
        looks_like = "binary"
    raise FileProblem(problems.NOT_MARC, looks_like=looks_like)


def read_records(
    stream: BinaryIO, flavour: str | None = None
) -> Iterator[NormalisedRecord | RecordProblem]:
    """Every record in the stream, normalised, or the problem that kept it out.

    ``flavour`` (a ``Flavour`` value) overrides what the content suggests. A FileProblem
    is raised for a file that cannot be read at all; for a MARCXML file that breaks off
    part-way it is raised after the records before the break, which are sound.
    """
    head = stream.read(1 << 16)
    syntax = sniff(head)
    if syntax == SYNTAX_MARCXML:
        yield from read_xml(stream, head, flavour)
    else:
        yield from Reader(stream, head, flavour)
