"""Every MARC file of ../shared/data reads end to end, with the records its SOURCES.txt counts."""

from collections import Counter

import pytest

from bibliobridge.catalog.marc import problems
from bibliobridge.catalog.marc.read import read_records
from bibliobridge.catalog.marc.record import FileProblem, Flavour, Kind, RecordProblem

from .shared import SHARED_DATA, shared_path

# file: (records, {problem code: count}). Counts from data/*/SOURCES.txt; where we read
# more than pymarc did, the note says why.
EXPECTED = {
    "marc/evergreen/jazz_1k.mrc": (1000, {}),
    "marc/evergreen/lul_fre_500.mrc": (500, {}),
    "marc/evergreen/FSL.marc": (52, {}),
    "marc/evergreen/nepali.marc": (96, {}),
    "marc/evergreen/hebrew.marc": (20, {}),
    # pymarc: 41 and one unreadable chunk; the 42nd record is sound, only its length is odd.
    "marc/evergreen/oss.marc": (42, {}),
    "marc/evergreen/map_data.mrc": (3, {}),
    "marc/evergreen/auth-1066.mrc": (0, {problems.AUTHORITY_RECORD_SKIPPED: 1066}),
    # Seven top-level <record>s without a collection: read all the same.
    "marc/evergreen/serials_marc21.xml": (7, {}),
    "marc/evergreen/serials_mfhd.xml": (7, {}),
    "marc/evergreen/badisbns.xml": (10, {}),
    "marc/solrmarc/uva_001_2000.mrc": (2000, {}),
    "marc/solrmarc/specTestRecs.mrc": (76, {}),
    "marc/solrmarc/specTestRecs.xml": (76, {}),
    "marc/marc4j/pride-and-prejudice-fixed.mrc": (383, {}),
    "marc/marc4j/brkrtest.mrc": (8, {}),
    "marc/marc4j/brkrtest_UTF8.mrc": (8, {}),
    "marc/marc4j/chinese_mangled_multibyte.mrc": (4, {}),
    "marc/marc4j/oclc_63111280_export_as_UTF8_from_connexion.mrc": (1, {}),
    "marc/marc4j/cyrillic_capital_e.mrc": (2, {}),
    "marc/marc4j/greekmissingcharsetchange.mrc": (3, {}),
    "marc/marc4j/loongboonmee.mrc": (2, {}),
    "marc/marc4j/selectedRecs.mrc": (11, {}),
    "marc/traject/test_data.utf8.mrc": (30, {}),
    "marc/traject/test_data.utf8.marc.xml": (30, {}),
    "marc/qa-catalogue/BooksAll.2014.part01-0001.mrc": (100, {}),
    "marc/pymarc/marc.dat": (20, {}),
    "marc/pymarc/test.dat": (10, {}),
    "marc/pymarc/diacritic.dat": (1, {}),
    "marc/pymarc/regression45.dat": (12, {}),
    "marc/pymarc/utf8.xml": (1, {}),
    "marc/pymarc/batch.xml": (2, {}),
    "marc/pymarc/1251.dat": (6, {}),
    "marc/ruby-marc/utf8_multirecord.marc": (2, {}),
    "marc/loc/loc_booksall2016_part01_every64th.mrc": (3907, {}),
    "marc/koha/koha_misc4dev_marc21_biblios.xml": (435, {}),
    "marc/openlibrary/ol_marc_tests_xml_input_collection.xml": (22, {}),
    "unimarc/pymarc_testunimarc.dat": (1, {}),
    "unimarc/dp2_sample_cnmarcxml_sru12.xml": (10, {}),
    "unimarc/dp2_sample_unimarcxml_sru12.xml": (10, {}),
    "unimarc/sudoc_short.bnr.1993.mrc": (10, {}),
    "unimarc/sudoc_short.firenze.1977.mrc": (10, {}),
    "unimarc/irbis_TEST1_rusmarc_cp1251.iso": (81, {}),
    # pymarc reads none: lengths one byte off, no subfield codes; read up to each terminator.
    "unimarc/rubymarc_cp866_multirecord.marc": (2, {}),
}


def read_all(relative: str):
    with shared_path(relative).open("rb") as stream:
        return list(read_records(stream))


def split(items):
    records = [item for item in items if not isinstance(item, RecordProblem)]
    found = Counter(item.code for item in items if isinstance(item, RecordProblem))
    return records, dict(found)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_file_reads_end_to_end(relative):
    records, found = split(read_all(relative))
    assert (len(records), found) == EXPECTED[relative]
    for record in records:
        assert record.local_id
        assert record.raw
        for warning in record.warnings:
            assert problems.parse_warning(warning)[0] in problems.MESSAGES


def test_every_shared_marc_file_is_listed():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not present: {SHARED_DATA}")
    present = {
        str(path.relative_to(SHARED_DATA))
        for folder in ("marc", "unimarc")
        for path in (SHARED_DATA / folder).rglob("*")
        if path.is_file() and path.suffix not in (".txt",) and "bin_input" not in path.parts
    }
    expected = set(EXPECTED) | {
        "marc/loc/loc_booksall2016_part01_every8th.mrc",  # the benchmark file (bench/marc_read.py)
        "marc/traject/sample-oai-pmh.xml",  # oai_dc, no MARC: test_oai_dc_without_marc
    }
    assert present <= expected


def test_openlibrary_single_record_files():
    folder = SHARED_DATA / "marc/openlibrary/bin_input"
    if not folder.is_dir():
        pytest.skip(f"shared test data not present: {folder}")
    files = sorted(folder.glob("*.mrc"))
    assert len(files) == 60
    for path in files:
        with path.open("rb") as stream:
            records, found = split(list(read_records(stream)))
        assert (len(records), found) == (1, {}), path.name


def test_oai_dc_without_marc():
    with pytest.raises(FileProblem) as caught:
        read_all("marc/traject/sample-oai-pmh.xml")
    assert caught.value.code == problems.XML_NO_MARC_RECORDS
    assert caught.value.params == {"root": "OAI-PMH"}


def test_authority_records_are_reported_with_their_id():
    items = read_all("marc/evergreen/auth-1066.mrc")
    assert items[0].code == problems.AUTHORITY_RECORD_SKIPPED
    assert items[0].number == 1
    assert items[0].offset == 0
    assert items[0].local_id == items[0].params["local_id"] != ""


def test_koha_invalid_leaders_are_kept_with_a_warning():
    records, _ = split(read_all("marc/koha/koha_misc4dev_marc21_biblios.xml"))
    flagged = [
        r for r in records if any(w.startswith(problems.INVALID_LEADER_KEPT) for w in r.warnings)
    ]
    assert len(flagged) == 43
    assert all(r.kind == Kind.BIBLIOGRAPHIC and r.flavour == Flavour.MARC21 for r in records)


def test_mangled_chinese_is_read_and_flagged():
    records, _ = split(read_all("marc/marc4j/chinese_mangled_multibyte.mrc"))
    assert [r.title for r in records] == ["Che lun gun gun"] * 4
    assert records[1].title_vernacular == "車輪滾滾"
    assert records[3].title_vernacular == "車輪滾滾"
    assert any(w.startswith(problems.UNDECODABLE_BYTES) for w in records[0].warnings)
