"""What the readers produce: one normalised record, or the problem with one record.

This is the contract between reading (``catalog.marc``) and storing (``catalog.services``):
whatever the source format and encoding, a record arrives as a NormalisedRecord.
"""

from dataclasses import dataclass, field


class Flavour:
    """The MARC family a record belongs to."""

    MARC21 = "marc21"
    UNIMARC = "unimarc"
    CNMARC = "cnmarc"
    RUSMARC = "rusmarc"


class Kind:
    """What a record describes (MARC 21 leader/06; UNIMARC leader/06 and /07)."""

    BIBLIOGRAPHIC = "bibliographic"
    HOLDINGS = "holdings"  # MARC 21 holdings (MFHD): leader/06 u, v, x, y
    AUTHORITY = "authority"  # leader/06 z: skipped by the union catalogue, reported as such


@dataclass
class Isbn:
    value: str  # ISBN-13 without hyphens when valid; else the text as catalogued
    valid: bool
    qualifier: str = ""  # "(pbk.)", "v. 2" ...


@dataclass
class Holding:
    """One holding statement: MARC 21 852 / 866-868 (in the record or an MFHD), UNIMARC 995."""

    location: str = ""  # institution / sublocation / shelving location
    call_number: str = ""
    summary: str = ""  # 866-868 $a textual holdings ("v.1-10 (1990-1999)")
    note: str = ""


@dataclass
class NormalisedRecord:
    """One catalogue record, normalised whatever its source format."""

    local_id: str  # the holder's own identifier: 001, else 035 $a, else a content hash
    flavour: str  # Flavour
    kind: str  # Kind
    deleted: bool = False  # leader/05 "d": the holder withdrew it
    title: str = ""  # 245 $a $b $n $p (MARC 21) / 200 $a $e $h $i (UNIMARC), no final punctuation
    title_vernacular: str = ""  # from the 880 linked to 245, when the record is romanised
    title_romanised: str = ""  # the romanised form, when title itself is vernacular
    responsibility: str = ""  # 245 $c / 200 $f
    names: list[str] = field(default_factory=list)  # 1xx, 7xx (MARC 21); 70x-72x (UNIMARC)
    names_vernacular: list[str] = field(default_factory=list)  # 880s linked to 1xx / 7xx
    publisher: str = ""
    place: str = ""
    year: int | None = (
        None  # first four-digit year of publication (008/07-10, 260/264 $c, 210 $d, 100/09-12)
    )
    edition: str = ""
    languages: list[str] = field(
        default_factory=list
    )  # ISO 639-2/B codes, lower case, no duplicates
    isbns: list[Isbn] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)  # "1234-5679"
    oclc_numbers: list[str] = field(default_factory=list)  # digits only
    lccn: str = ""
    material_type: str = (
        ""  # book, serial, map, score, sound, video, image, computer, mixed, object
    )
    subjects: list[str] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    linked_id: str = ""  # for an MFHD: the bibliographic record's 004
    # The original record, byte for byte, and how to read it back for display and export.
    raw: bytes = b""
    raw_syntax: str = "iso2709"  # "iso2709" or "marcxml"
    raw_encoding: str = "utf-8"  # "utf-8", "marc-8", "cp1251", "iso-5426", ...
    warnings: list[str] = field(default_factory=list)  # kept but noteworthy (e.g. invalid ISBN)


@dataclass
class RecordProblem:
    """A record that could not be read: it is skipped and reported; the rest of the file goes on.

    code names a message in ``catalog.marc.problems.MESSAGES`` (translated when shown);
    params fill it. Stored as they are, so a report reads in each viewer's language.
    """

    number: int  # 1-based position in the file
    offset: int  # byte offset of the record's start (ISO 2709); line of its start (XML)
    code: str
    params: dict = field(default_factory=dict)
    local_id: str = ""  # when it could be read


class FileProblem(Exception):
    """The whole file cannot be read (empty, not MARC at all, an XML bomb); code as above."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
