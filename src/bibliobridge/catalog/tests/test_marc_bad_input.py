"""Broken and hostile input: a problem for the file or the record, never an exception or a hang."""

import io
import time

import pytest
from django.utils import translation

from bibliobridge.catalog.marc import problems
from bibliobridge.catalog.marc.read import read_records
from bibliobridge.catalog.marc.record import FileProblem, RecordProblem

from .test_marc_mapping import iso_record

GOOD = [
    ("001", b"rec1\x1e"),
    ("008", b"991231s1999    enk           000 0 eng d\x1e"),
    ("245", b"10\x1faA good title.\x1e"),
]


def good(local_id: str = "rec1") -> bytes:
    fields = [("001", local_id.encode() + b"\x1e"), *GOOD[1:]]
    return iso_record("nam ", fields, charset="a")


def read(data: bytes) -> list:
    return list(read_records(io.BytesIO(data)))


def file_problem(data: bytes) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        read(data)
    return caught.value


def test_a_good_record_reads():
    (record,) = read(good())
    assert (record.local_id, record.title, record.year, record.warnings) == (
        "rec1",
        "A good title",
        1999,
        [],
    )


def test_empty_file():
    assert file_problem(b"").code == problems.EMPTY_FILE
    assert file_problem(b"\n\r\n  ").code == problems.EMPTY_FILE


@pytest.mark.parametrize(
    ("head", "looks_like"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "pdf"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip"),
        (b"<!DOCTYPE html><html><body>Not found</body></html>", "html"),
        (b"title,author\nA,B\n", "text"),
    ],
)
def test_foreign_file_says_what_it_looks_like(head, looks_like):
    problem = file_problem(head + b"x" * 100)
    assert (problem.code, problem.params) == (problems.NOT_MARC, {"looks_like": looks_like})


def test_jpeg_message_names_the_format():
    problem = file_problem(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100)
    with translation.override("en"):
        assert "a JPEG image" in problems.message(problem.code, problem.params)


def test_truncated_record():
    data = good("a") + good("b")[:-40]
    first, second = read(data)
    assert first.local_id == "a"
    assert second.code == problems.TRUNCATED_RECORD
    declared = len(good("b"))
    assert second.params == {
        "number": 2,
        "offset": len(good("a")),
        "declared": declared,
        "actual": declared - 40,
    }


def test_wrong_record_length_is_resynced_at_the_terminator():
    wrong = b"%05d" % (len(good("a")) + 7) + good("a")[5:]
    records = read(wrong + good("b"))
    assert [r.local_id for r in records] == ["a", "b"]
    assert records[0].warnings == [
        problems.warning(
            problems.RECORD_LENGTH_MISMATCH, declared=len(good("a")) + 7, actual=len(good("a"))
        )
    ]


def test_non_numeric_record_length():
    broken = b"12x45" + good("a")[5:]
    first, second = read(broken + good("b"))
    assert first.code == problems.BAD_RECORD_LENGTH
    assert first.params["value"] == "12x45"
    assert second.local_id == "b"


def test_directory_not_whole_entries():
    record = bytearray(good("a"))
    record[24 + 5] = ord("x")  # a letter in the first entry's length
    first, second = read(bytes(record) + good("b"))
    assert first.code == problems.BROKEN_DIRECTORY
    assert second.local_id == "b"


def test_directory_entry_outside_the_record():
    record = bytearray(good("a"))
    entry = 24 + 24  # the third entry (245): its start moved far beyond the end
    record[entry + 7 : entry + 12] = b"99999"
    first, second = read(bytes(record) + good("b"))
    assert (first.code, first.params["tag"]) == (problems.DIRECTORY_OUTSIDE_RECORD, "245")
    assert second.local_id == "b"


def test_bad_base_address():
    record = bytearray(good("a"))
    record[12:17] = b"9999x"
    first, second = read(bytes(record) + good("b"))
    assert first.code == problems.BAD_BASE_ADDRESS
    assert second.local_id == "b"


def test_invalid_indicators_keep_the_record():
    data = iso_record("nam ", [("001", b"i1\x1e"), ("245", b"1\x07\x1faTitle\x1e")], charset="a")
    (record,) = read(data)
    assert record.title == "Title"
    assert record.warnings == [
        problems.warning(problems.INVALID_INDICATORS, tag="245", indicators="1\x07")
    ]


def test_undecodable_utf8_is_replaced_and_flagged():
    data = iso_record(
        "nam ", [("001", b"u1\x1e"), ("245", b"10\x1faCaf\xc3\xa9 \xff\x1e")], charset="a"
    )
    (record,) = read(data)
    assert record.title == "Café \ufffd"
    assert record.warnings == [
        problems.warning(problems.UNDECODABLE_BYTES, tag="245", encoding="utf-8")
    ]


def test_utf8_record_whose_leader_says_marc8():
    data = iso_record("nam ", [("001", b"m1\x1e"), ("245", b"10\x1faCaf\xc3\xa9\x1e")], charset=" ")
    (record,) = read(data)
    assert (record.title, record.raw_encoding) == ("Café", "utf-8")
    assert record.warnings == [problems.LEADER_SAYS_MARC8_DATA_IS_UTF8]


def test_marc8_record_whose_leader_says_utf8():
    data = iso_record("nam ", [("001", b"m2\x1e"), ("245", b"10\x1faCaf\xe2e\x1e")], charset="a")
    (record,) = read(data)
    assert (record.title, record.raw_encoding) == ("Café", "marc-8")
    assert record.warnings == [problems.LEADER_SAYS_UTF8_DATA_IS_MARC8]


def test_record_without_title():
    data = iso_record("nam ", [("001", b"t1\x1e"), ("100", b"1 \x1faSomeone\x1e")], charset="a")
    (record,) = read(data)
    assert record.warnings == [problems.NO_TITLE]


def test_garbage_after_the_last_record():
    items = read(good("a") + b"garbage that is not a record")
    assert items[0].local_id == "a"
    assert items[1].code == problems.TRAILING_GARBAGE


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">&lol9;</subfield></datafield></record></collection>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- an innocent comment first -->
<!DOCTYPE collection [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">&xxe;</subfield></datafield></record></collection>
"""


@pytest.mark.parametrize(("data", "line"), [(BILLION_LAUGHS, 2), (EXTERNAL_ENTITY, 3)])
def test_dtds_and_entities_are_refused(data, line):
    started = time.monotonic()
    problem = file_problem(data)
    assert (problem.code, problem.params) == (problems.XML_DTD_REFUSED, {"line": line})
    assert time.monotonic() - started < 1


def test_undeclared_entity_is_not_resolved():
    data = b"""<collection><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">&xxe;</subfield></datafield></record></collection>"""
    problem = file_problem(data)
    assert problem.code in (problems.XML_NOT_WELL_FORMED, problems.XML_DTD_REFUSED)


def test_xml_not_well_formed_reports_the_line_after_good_records():
    data = b"""<?xml version="1.0"?>
<collection>
<record><leader>00000nam a2200000 a 4500</leader><controlfield tag="001">x1</controlfield>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">First</subfield></datafield></record>
<record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Broken</datafield></record>
</collection>"""
    items = []
    with pytest.raises(FileProblem) as caught:
        for item in read_records(io.BytesIO(data)):
            items.append(item)
    assert [r.title for r in items] == ["First"]
    assert caught.value.code == problems.XML_NOT_WELL_FORMED
    assert caught.value.params["line"] == 6


def test_xml_record_nested_anywhere_without_namespace():
    data = b"""<response><hits><hit><metadata><record>
<leader>00000nam a2200000 a 4500</leader><controlfield tag="001">n1</controlfield>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Nested</subfield></datafield>
</record></metadata></hit></hits></response>"""
    (record,) = read(data)
    assert (record.local_id, record.title, record.raw_syntax) == ("n1", "Nested", "marcxml")


def test_xml_authority_record_is_skipped():
    data = b"""<collection xmlns="http://www.loc.gov/MARC21/slim"><record>
<leader>00000nz  a2200000n  4500</leader><controlfield tag="001">a1</controlfield>
</record></collection>"""
    (problem,) = read(data)
    assert isinstance(problem, RecordProblem)
    assert (problem.code, problem.local_id, problem.offset) == (
        problems.AUTHORITY_RECORD_SKIPPED,
        "a1",
        1,
    )


@pytest.mark.parametrize("code", sorted(problems.MESSAGES))
def test_every_message_renders_in_english_and_chinese(code):
    params = {
        "number": 3, "offset": 1024, "declared": 900, "actual": 800, "value": "12x45",
        "resync": 2048, "leader": "00000", "length": 13, "tag": "245", "local_id": "a1",
        "indicators": "1\x07", "encoding": "utf-8", "isbn": "123", "issn": "1234",
        "line": 7, "error": "boom", "root": "OAI-PMH", "looks_like": "jpeg",
    }  # fmt: skip
    for language in ("en", "zh-hans"):
        with translation.override(language):
            text = problems.message(code, params)
        assert "%(" not in text
