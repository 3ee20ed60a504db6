"""What a record normalises to: MARC 21, 880 scripts, ISBNs, UNIMARC, CNMARC, RUSMARC, SUDOC."""

import dataclasses
import io

from bibliobridge.catalog.marc import problems
from bibliobridge.catalog.marc.charsets import decode_iso5426
from bibliobridge.catalog.marc.normalise import parse_isbn
from bibliobridge.catalog.marc.read import read_records
from bibliobridge.catalog.marc.record import Flavour, Holding, Isbn, Kind, RecordProblem

from .shared import shared_path

RAW_FIELDS = {"raw", "raw_syntax", "raw_encoding"}


def read(relative: str):
    with shared_path(relative).open("rb") as stream:
        return [r for r in read_records(stream) if not isinstance(r, RecordProblem)]


def marcxml(*fields: str, leader: str = "00000nam a2200000 a 4500") -> bytes:
    body = "".join(fields)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<collection xmlns="http://www.loc.gov/MARC21/slim">'
        f"<record><leader>{leader}</leader>{body}</record></collection>"
    ).encode()


def datafield(tag: str, *subfields: tuple[str, str], ind: str = "  ") -> str:
    subs = "".join(f'<subfield code="{c}">{v}</subfield>' for c, v in subfields)
    return f'<datafield tag="{tag}" ind1="{ind[0]}" ind2="{ind[1]}">{subs}</datafield>'


def test_marc8_and_marcxml_twins_normalise_identically():
    binary = read("marc/solrmarc/specTestRecs.mrc")
    xml = read("marc/solrmarc/specTestRecs.xml")
    assert len(binary) == len(xml) == 76
    for a, b in zip(binary, xml, strict=True):
        for field in dataclasses.fields(a):
            if field.name not in RAW_FIELDS:
                assert getattr(a, field.name) == getattr(b, field.name), (a.local_id, field.name)
    assert {r.raw_encoding for r in binary} == {"marc-8"}
    assert {(r.raw_syntax, r.raw_encoding) for r in xml} == {("marcxml", "utf-8")}


def test_marc8_and_utf8_twins_normalise_identically():
    marc8 = read("marc/marc4j/brkrtest.mrc")
    utf8 = read("marc/marc4j/brkrtest_UTF8.mrc")
    for a, b in zip(marc8, utf8, strict=True):
        assert dataclasses.replace(a, raw=b"", raw_encoding="") == dataclasses.replace(
            b, raw=b"", raw_encoding=""
        )


def test_russian_marc8_with_tie_bar_matches_its_xml():
    binary = {r.local_id: r for r in read("marc/solrmarc/specTestRecs.mrc")}
    record = binary["testRussian1"]
    assert record.title == "90-e : kino, kotoroe my poteri\u0361ali"
    assert record.names[0] == "Mali\u0361ukova, Larisa"


def test_loc_record_in_full():
    records = read("marc/loc/loc_booksall2016_part01_every64th.mrc")
    chinese = next(r for r in records if r.local_id == "00050513")
    assert chinese.title == "Taiwan chuan tong ban yin"
    assert chinese.title_vernacular == "臺灣傳統版印"
    assert chinese.title_romanised == ""
    assert chinese.names == ["Wang, Xinggong"]
    assert chinese.names_vernacular == ["王行恭"]
    assert chinese.isbns == [Isbn(value="9789576293221", valid=True, qualifier="")]
    assert chinese.languages == ["chi"]
    assert (chinese.flavour, chinese.kind, chinese.material_type) == (
        "marc21",
        "bibliographic",
        "book",
    )
    assert chinese.raw_encoding == "utf-8"


def test_880_japanese_and_korean():
    records = {r.local_id: r for r in read("marc/loc/loc_booksall2016_part01_every64th.mrc")}
    japanese = records["00271362"]
    assert japanese.title == "Vēbā no Nihon kindaikaron to shūkyō : shūkyō to seiji no shiza kara"
    assert japanese.title_vernacular == "ヴェーバーの日本近代化論と宗教 : 宗教と政治の視座から"
    assert japanese.names_vernacular == ["池田昭"]
    korean = records["00272174"]
    assert korean.names == ["Sin, Chʻŏn-ho"]
    assert korean.title_vernacular.startswith("알기\u3000쉬운")


def test_vernacular_245_with_romanised_880():
    data = marcxml(
        '<controlfield tag="001">v1</controlfield>',
        datafield("245", ("6", "880-01"), ("a", "Война и мир /"), ("c", "Лев Толстой."), ind="10"),
        datafield("880", ("6", "245-01"), ("a", "Voĭna i mir /"), ("c", "Lev Tolstoĭ."), ind="10"),
    )
    (record,) = read_records(io.BytesIO(data))
    assert record.title == "Война и мир"
    assert record.title_romanised == "Voĭna i mir"
    assert record.title_vernacular == ""
    assert record.responsibility == "Лев Толстой"
    assert record.warnings == []


def test_fields_of_a_marc21_record():
    data = marcxml(
        '<controlfield tag="001"> 42 </controlfield>',
        '<controlfield tag="008">991231s1999    enk           000 0 engxd</controlfield>',
        datafield("010", ("a", "  99012345 ")),
        datafield("020", ("a", "0-19-853453-1 (pbk.) :"), ("c", "£10.00")),
        datafield("020", ("z", "0198534532")),
        datafield("022", ("a", "0378-5955")),
        datafield("022", ("a", "0378-5954")),
        datafield("035", ("a", "(OCoLC)ocm00012345")),
        datafield("035", ("a", "(DLC)99012345")),
        datafield("041", ("a", "engfre"), ind="1 "),
        datafield("100", ("a", "Smith, J."), ("d", "1900-1980."), ind="1 "),
        datafield(
            "245", ("a", "A title :"), ("b", "the subtitle /"), ("c", "by J. Smith."), ind="12"
        ),
        datafield("250", ("a", "2nd ed.")),
        datafield("264", ("a", "London :"), ("b", "Copyright House,"), ("c", "©1998"), ind=" 4"),
        datafield("264", ("a", "Oxford :"), ("b", "Clarendon Press,"), ("c", "[1999]"), ind=" 1"),
        datafield("650", ("a", "Libraries"), ("x", "History."), ind=" 0"),
        datafield("710", ("a", "British Library."), ("b", "Reference Division."), ind="2 "),
        datafield("852", ("a", "DE-1"), ("b", "Main"), ("h", "Z 675"), ("i", ".U5")),
        datafield("866", ("a", "v.1-10 (1990-1999)"), ind=" 0"),
    )
    (record,) = read_records(io.BytesIO(data))
    assert record.local_id == "42"
    assert record.title == "A title : the subtitle"
    assert record.responsibility == "by J. Smith"
    assert record.names == ["Smith, J.", "British Library. Reference Division"]
    assert (record.place, record.publisher, record.year) == ("Oxford", "Clarendon Press", 1999)
    assert record.edition == "2nd ed"
    assert record.languages == ["eng", "fre"]
    assert record.isbns == [
        Isbn(value="9780198534532", valid=True, qualifier="(pbk.)"),
        Isbn(value="0198534532", valid=False, qualifier=""),
    ]
    assert record.issns == ["0378-5955"]
    assert record.oclc_numbers == ["12345"]
    assert record.lccn == "99012345"
    assert record.subjects == ["Libraries -- History"]
    assert record.holdings == [
        Holding(location="DE-1 / Main", call_number="Z 675 .U5"),
        Holding(summary="v.1-10 (1990-1999)"),
    ]
    assert record.warnings == [problems.warning(problems.INVALID_ISSN, issn="0378-5954")]


def test_isbn_10_becomes_13_and_invalid_ones_are_flagged():
    assert parse_isbn("0-19-853453-1") == (Isbn("9780198534532", True, ""), False)
    assert parse_isbn("184533213X (hbk.)") == (Isbn("9781845332136", True, "(hbk.)"), False)
    assert parse_isbn("8901452100503") == (Isbn("8901452100503", False, ""), True)
    records = read("marc/evergreen/badisbns.xml")
    flagged = [w for r in records for w in r.warnings if w.startswith(problems.INVALID_ISBN)]
    assert flagged == [problems.warning(problems.INVALID_ISBN, isbn="8901452100503")]
    le_guin = next(r for r in records if r.local_id == "ocm25104511")
    assert le_guin.isbns == [
        Isbn("0553101315175", False, ""),
        Isbn("9780553204308", True, ""),
        Isbn("9780553268478", True, "(pbk.)"),
    ]


def test_mfhd_holdings_records():
    records = read("marc/evergreen/serials_mfhd.xml")
    assert {r.kind for r in records} == {Kind.HOLDINGS}
    assert records[0].holdings == [Holding(location="HRSRH / HRSRHL-PER")]


def test_cnmarc_in_an_sru_response():
    records = read("unimarc/dp2_sample_cnmarcxml_sru12.xml")
    first = records[0]
    assert first.flavour == Flavour.CNMARC
    assert first.local_id == "990002180740203961"
    assert first.title == "'94中国发展报告"
    assert first.title_romanised == "'94Zhong Guo Fa Zhan Bao Gao"
    assert first.responsibility == "国家统计局编"
    assert first.names == ["叶震", "李强", "国家统计局"]
    assert (first.place, first.publisher, first.year) == ("北京", "中国统计出版社", 1994)
    assert first.isbns == [Isbn("9787503717444", True, "")]
    assert first.languages == ["chi"]
    assert first.subjects == ["经济发展 -- 概况 -- 中国 -- 1994"]
    assert first.holdings == [Holding(location="BNU", call_number="F124/26")]
    assert all(r.flavour == Flavour.CNMARC and r.languages == ["chi"] for r in records)
    assert all(r.isbns for r in records)


def test_unimarc_twin_of_the_cnmarc_records():
    cnmarc = read("unimarc/dp2_sample_cnmarcxml_sru12.xml")
    twin = read("unimarc/dp2_sample_unimarcxml_sru12.xml")
    assert [r.title for r in twin] == [r.title for r in cnmarc]
    assert [r.isbns for r in twin] == [r.isbns for r in cnmarc]


def test_unimarc_in_utf8():
    (record,) = read("unimarc/pymarc_testunimarc.dat")
    assert record.flavour == Flavour.UNIMARC
    assert record.title == "L'altra faccia della spirale"  # non-filing marks dropped
    assert record.names == [
        "Asimov, Isaac",
        "Fruttero, Carlo",
        "Lucentini, Franco",
        "Scaglia, Cesare",
    ]
    assert record.isbns == [Isbn("9788804406822", True, "")]
    assert (record.place, record.publisher, record.year) == ("Milano", "A. Mondadori", 1996)
    assert record.languages == ["ita"]


def test_rusmarc_in_cp1251_reads_as_cyrillic():
    records = read("unimarc/irbis_TEST1_rusmarc_cp1251.iso")
    assert {r.flavour for r in records} == {Flavour.RUSMARC}
    assert {r.raw_encoding for r in records} == {"cp1251"}
    assert records[0].title == "Вып. 13"
    assert records[0].local_id == "RU\\NLR\\bibl\\3415"
    assert records[1].title == "Задачи и этюды : Сб"
    assert records[1].names == ["Барсуков, В. Н."]
    assert sum(1 for r in records if "rus" in r.languages) == 80


def test_marc21_in_cp1251_is_recognised():
    records = read("marc/pymarc/1251.dat")
    assert records[0].title.startswith("Основы гидравлического расчета")
    assert records[0].warnings == [problems.warning(problems.CHARSET_GUESSED, encoding="cp1251")]


def test_sudoc_latin_with_diacritics_in_nfc():
    records = read("unimarc/sudoc_short.bnr.1993.mrc")
    assert records[0].title == "3 numarali mühimme defteri (966-968) - (1558-1560) : Tîpkîbasîm"
    assert records[1].title == "The sweetest fig"
    assert records[2].place == "Bucureşti"
    assert "Stăniloae, Dumitru" in records[2].names
    assert all(r.title == __import__("unicodedata").normalize("NFC", r.title) for r in records)
    assert problems.DOUBLE_ENCODED_UTF8 in records[0].warnings


def test_iso5426_marks_precede_their_letter():
    assert decode_iso5426(b"\xc2ecole fran\xd0caise") == "école française"
    assert decode_iso5426(b"Dvo\xcfr\xc2ak") == "Dvořák"
    assert decode_iso5426(b"\xe8\xf3d\xfb") == "Łðdß"
    assert decode_iso5426(b"\x88Le \x89monde") == "\u0098Le \u009cmonde"


def test_iso5426_record(tmp_path):
    # A UNIMARC record whose 100 $a/26-29 declares ISO 646 + ISO 5426.
    general = b"20200101d1993    km y0frey0103    ba"
    fields = [
        ("001", b"x1\x1e"),
        ("100", b"  \x1fa" + general + b"\x1e"),
        ("200", b"1 \x1faL'\xc2ecole\x1fbTexte imprim\xc2e\x1e"),
    ]
    data = iso_record("nam0", fields, leader_tail="450 ")
    (record,) = read_records(io.BytesIO(data))
    assert record.raw_encoding == "iso-5426"
    assert record.title == "L'école"
    assert record.flavour == Flavour.UNIMARC


def iso_record(kind: str, fields, leader_tail: str = "4500", charset: str = " ") -> bytes:
    directory = b""
    body = b""
    for tag, data in fields:
        directory += tag.encode() + b"%04d%05d" % (len(data), len(body))
        body += data
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = b"%05d" % length + kind[:4].encode() + charset.encode() + b"22" + b"%05d" % base
    leader += b"   " + leader_tail.encode()
    return leader + directory + b"\x1e" + body + b"\x1d"
