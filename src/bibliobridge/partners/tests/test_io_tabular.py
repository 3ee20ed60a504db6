import io

import openpyxl
import pytest

from bibliobridge.partners.io.rows import looks_like_header
from bibliobridge.partners.io.tabular import (
    EmptyFile,
    FileTooLarge,
    UnknownEncoding,
    UnsupportedFileType,
    decode_text,
    read_table,
)

SIMPLIFIED = "name,country,city\n北京大学图书馆,CN,北京\n复旦大学图书馆,CN,上海\n"
TRADITIONAL = "name,country,city\n國立臺灣大學圖書館,TW,臺北\n香港大學圖書館,HK,香港\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
        (SIMPLIFIED.encode("gbk"), "gb18030"),
        (SIMPLIFIED.encode("gb18030"), "gb18030"),
        (TRADITIONAL.encode("big5"), "big5"),
        (TRADITIONAL.encode("utf-8"), "utf-8"),
        (SIMPLIFIED.encode("utf-16"), "utf-16"),
    ],
)
def test_csv_encodings_are_detected(data, encoding):
    table = read_table(data)
    assert table.encoding == encoding
    assert table.headers == ["name", "country", "city"]
    assert [r.values["name"] for r in table.rows] in (
        ["北京大学图书馆", "复旦大学图书馆"],
        ["國立臺灣大學圖書館", "香港大學圖書館"],
    )
    assert [r.number for r in table.rows] == [2, 3]


# Short Chinese names, where GB18030 and Big5 both decode the other's bytes.
@pytest.mark.parametrize(
    "name",
    ["北京大学", "清华大学图书馆", "国家图书馆", "中山大学", "上海图书馆", "武汉大学", "东京大学"],
)
def test_short_gbk_names_are_read_as_gb(name):
    assert decode_text(name.encode("gbk")) == (name, "gb18030")


@pytest.mark.parametrize(
    "name",
    ["國立臺灣大學", "國家圖書館", "臺灣", "中央研究院", "香港中文大學", "淡江大學", "澳門大學"],
)
def test_short_big5_names_are_read_as_big5(name):
    assert decode_text(name.encode("big5")) == (name, "big5")


def test_byte_soup_asks_for_utf8():
    soup = bytes(range(0x80, 0x100)) * 3 + b"\x00\x01\x02" + bytes(range(0xFF, 0x7F, -1))
    with pytest.raises(UnknownEncoding) as error:
        read_table(b"name,country\n" + soup)
    assert "CSV UTF-8" in str(error.value)


def test_broken_utf8_with_bom_is_refused():
    with pytest.raises(UnknownEncoding):
        read_table(b"\xef\xbb\xbfname\n\xff\xfe\xfd")


def test_latin_code_page_is_not_guessed():
    # cp1250 and cp1252 both read these bytes, as “è” and as “č”: ask rather than garble.
    data = "name;country\nUniversität Wien;AT\nBibliothèque nationale de France;FR\n".encode(
        "cp1252"
    )
    with pytest.raises(UnknownEncoding):
        read_table(data)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_detected(delimiter):
    text = delimiter.join(["name", "country", "languages"]) + "\n"
    text += delimiter.join(["Staatsbibliothek zu Berlin", "DE", '"de, en"']) + "\n"
    table = read_table(text.encode())
    assert table.delimiter == delimiter
    assert table.rows[0].values == {
        "name": "Staatsbibliothek zu Berlin",
        "country": "DE",
        "languages": "de, en",
    }


def test_blank_lines_keep_row_numbers():
    table = read_table(b"name,country\n\nBritish Library,GB\n,\nDNB,DE\n")
    assert [(r.number, r.values["name"]) for r in table.rows] == [
        (3, "British Library"),
        (5, "DNB"),
    ]


def test_size_limit(settings):
    settings.MAX_IMPORT_BYTES = 100
    with pytest.raises(FileTooLarge):
        read_table(b"name,country\n" + b"x,CN\n" * 30)


def test_empty_and_xls_files():
    with pytest.raises(EmptyFile):
        read_table(b"  \n")
    with pytest.raises(UnsupportedFileType):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)


def xlsx(rows, merges=(), number_cells=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_with_title_row_merged_cells_and_numbers():
    data = xlsx(
        [
            ["合作馆名单 2026", None, None, None],
            [None, None, None, None],
            ["名称", "国家", "calis", "城市"],
            ["北京大学图书馆", "CN", 211001, "北京"],
            ["清华大学图书馆", None, 211002.0, None],
            ["Library of Congress", "US", None, "Washington"],
        ],
        merges=["A1:D1", "B4:B5", "D4:D5"],
    )
    table = read_table(data, is_header=looks_like_header)
    assert table.format == "xlsx"
    assert table.header_row == 3
    assert table.headers == ["名称", "国家", "calis", "城市"]
    assert [(r.number, r.values) for r in table.rows] == [
        (4, {"名称": "北京大学图书馆", "国家": "CN", "calis": "211001", "城市": "北京"}),
        (5, {"名称": "清华大学图书馆", "国家": "CN", "calis": "211002", "城市": "北京"}),
        (6, {"名称": "Library of Congress", "国家": "US", "calis": "", "城市": "Washington"}),
    ]
    assert table.numeric_cells == {(4, "calis"), (5, "calis")}
    assert [(row, column) for row, column, _message in table.notes] == [(4, "国家"), (4, "城市")]
    assert "B4" in str(table.notes[0][2])


def test_damaged_xlsx():
    from bibliobridge.partners.io.tabular import UnreadableWorkbook

    with pytest.raises(UnreadableWorkbook):
        read_table(b"PK\x03\x04not really a zip")
