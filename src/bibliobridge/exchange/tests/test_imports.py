"""List imports: good and bad files in every encoding, built here byte by byte."""

import io

import openpyxl
import pytest

from bibliobridge.core.models import ActivityLog
from bibliobridge.exchange import imports, services
from bibliobridge.exchange.models import ListItem
from bibliobridge.partners.io.rows import ImportBlocked, MissingColumns
from bibliobridge.partners.io.tabular import UnknownEncoding

from .conftest import HELD_ISBN

pytestmark = pytest.mark.django_db

SIMPLIFIED = (
    "题名,著者,出版者,出版年,ISBN,数量\n"
    "红楼梦,曹雪芹,人民文学出版社,1982,7-02-000220-X,2\n"
    "鲁迅全集,鲁迅,人民文学出版社,2005年,,1\n"
)
TRADITIONAL = (
    "題名,著者,出版者,出版年,ISBN,數量\n"
    "紅樓夢,曹雪芹,聯經出版公司,1991,,1\n"
    "臺灣文學史綱,葉石濤,春暉出版社,1987,,3\n"
)


def plan(data, exchange_list):
    return imports.plan_file(data, exchange_list)


def problems(item_plan):
    return [(p.row, p.column, p.level) for p in item_plan.problems]


@pytest.mark.parametrize(
    ("data", "encoding", "titles"),
    [
        (SIMPLIFIED.encode("utf-8"), "utf-8", ["红楼梦", "鲁迅全集"]),
        (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "utf-8-sig", ["红楼梦", "鲁迅全集"]),
        (SIMPLIFIED.encode("gbk"), "gb18030", ["红楼梦", "鲁迅全集"]),
        (TRADITIONAL.encode("big5"), "big5", ["紅樓夢", "臺灣文學史綱"]),
        (TRADITIONAL.encode("utf-8"), "utf-8", ["紅樓夢", "臺灣文學史綱"]),
    ],
)
def test_csv_in_each_encoding_is_read_and_imported(
    exchange_staff, offer_list, data, encoding, titles
):
    item_plan = plan(data, offer_list)
    assert (item_plan.encoding, item_plan.problems, item_plan.has_errors) == (encoding, [], False)
    items = imports.import_plan(exchange_staff, offer_list, item_plan, "list.csv", valid_only=False)
    assert [i.title for i in items] == titles
    stored = list(
        ListItem.objects.order_by("id").values_list("title", "author", "year", "quantity", "status")
    )
    assert [row[0] for row in stored] == titles
    assert {row[4] for row in stored} == {"available"}
    if titles[0] == "红楼梦":
        assert stored[0] == ("红楼梦", "曹雪芹", 1982, 2, "available")
        assert stored[1][2] == 2005  # “2005年”
        assert ListItem.objects.get(title="红楼梦").isbn == HELD_ISBN
    entry = ActivityLog.objects.get(action="imported")
    assert entry.changes == {"file": "list.csv", "items": 2}


def test_undecidable_bytes_are_reported_not_garbled(offer_list):
    with pytest.raises(UnknownEncoding) as error:
        plan(b"title,author\n" + bytes(range(0x80, 0x100)) * 2, offer_list)
    assert "CSV UTF-8" in str(error.value)


def xlsx(rows, merges=(), number_cells=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for ref in merges:
        sheet.merge_cells(ref)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_good_xlsx_with_prices_and_english_headers(exchange_staff, offer_list):
    data = xlsx([
        ["Title", "Author", "Year", "ISBN", "Price", "Currency", "Language", "Status"],
        ["Der Zauberberg", "Thomas Mann", 1924, "9780140449136", 12.5, "eur", "deu", "reserved"],
        ["源氏物語", "紫式部", 2001, "", 3000, "JPY", "ja", "可提供"],
    ])  # fmt: skip
    item_plan = plan(data, offer_list)
    assert (item_plan.file_format, item_plan.encoding, item_plan.problems) == ("xlsx", "", [])
    imports.import_plan(exchange_staff, offer_list, item_plan, "list.xlsx", valid_only=False)
    stored = list(
        ListItem.objects.order_by("id").values_list(
            "title", "year", "price", "currency", "language", "status"
        )
    )
    assert [(t, y, str(p), c, lang, s) for t, y, p, c, lang, s in stored] == [
        ("Der Zauberberg", 1924, "12.50", "EUR", "deu", "reserved"),
        ("源氏物語", 2001, "3000.00", "JPY", "ja", "available"),
    ]


def test_bad_xlsx_is_reported_by_row_and_column_and_nothing_is_applied(exchange_staff, offer_list):
    services.add_item(exchange_staff, offer_list, {"title": "Already there", "isbn": "0140449132"})
    data = xlsx(
        [
            ["Exchange duplicates, spring 2026"],  # a title row above the header
            ["题名", "出版年", "ISBN", "数量", "价格", "货币", "语种", "Shelf"],
            ["红楼梦", 1982, "978-7-02-000220-8", 1, None, None, None, "A1"],  # invalid ISBN: kept
            ["Merged A", "nineteen", None, "two", None, None, None, "A2"],  # wrong types
            [None, 1990, None, 1, 10, None, "xx", "A3"],  # no title, price without currency
            ["鲁迅全集", 2005, None, 1, None, None, "zh", "A4"],
            ["魯迅全集", 2005, None, 1, None, None, "zh", "A5"],  # the same, in Traditional
            ["Penguin Mann", 1999, "0140449132", 1, None, None, None, "A6"],  # on the list
            ["Short", 2000, None, 1, None, None, None, "B1"],
            [None, 2000, None, 1, None, None, None, "B2"],  # merged title from the row above
        ],
        merges=["A9:A10"],
    )
    item_plan = plan(data, offer_list)
    assert problems(item_plan) == [
        (2, "Shelf", "warning"),  # unknown column
        (3, "isbn", "warning"),
        (4, "year", "error"),
        (4, "quantity", "error"),
        (5, "title", "error"),
        (5, "language", "error"),
        (5, "currency", "error"),
        (7, "title", "error"),
        (8, "isbn", "error"),
        (9, "title", "warning"),  # merged cells
        (10, "title", "error"),  # the merged value repeats row 9
    ]
    reasons = {(p.row, p.column): p.message for p in item_plan.problems}
    assert reasons[(7, "title")] == "This row repeats row 6."
    assert reasons[(8, "isbn")] == "This publication is already on the list."
    assert "not a year" in reasons[(4, "year")]
    assert "kept as typed" in reasons[(3, "isbn")]
    with pytest.raises(ImportBlocked):
        imports.import_plan(exchange_staff, offer_list, item_plan, "bad.xlsx", valid_only=False)
    assert ListItem.objects.count() == 1
    imports.import_plan(exchange_staff, offer_list, item_plan, "bad.xlsx", valid_only=True)
    assert list(ListItem.objects.order_by("id").values_list("title", "isbn", "isbn_valid")) == [
        ("Already there", "9780140449136", True),
        ("红楼梦", "978-7-02-000220-8", False),
        ("鲁迅全集", "", True),
        ("Short", "", True),
    ]


def test_a_file_without_a_title_column_is_refused(offer_list):
    with pytest.raises(MissingColumns) as error:
        plan("著者,出版年\n曹雪芹,1982\n".encode("gbk"), offer_list)
    assert "题名" in str(error.value)


def test_isbn_typed_as_a_number_is_warned(offer_list):
    # Excel dropped the leading zero of 0140449132; python-stdnum still reads it as the
    # nine-digit SBN it was before ISBNs, but the user is told to format the column as text.
    item_plan = plan(xlsx([["title", "isbn"], ["Penguin", 140449132]]), offer_list)
    assert problems(item_plan) == [(2, "isbn", "warning")]
    assert item_plan.rows[0].fields["isbn"] == "9780140449136"


def test_status_on_a_want_list_is_ignored_with_a_warning(exchange_staff, want_list):
    item_plan = plan(b"title,status\nKokoro,sent\n", want_list)
    assert problems(item_plan) == [(2, "status", "warning")]
    (item,) = imports.import_plan(exchange_staff, want_list, item_plan, "w.csv", valid_only=False)
    assert item.status == ""


def test_imported_items_link_to_the_catalogue(exchange_staff, want_list, held_cluster):
    item_plan = plan(
        f"title,isbn\n紅樓夢,{HELD_ISBN}\n鲁迅全集,\n".encode("big5", "replace"), want_list
    )
    imports.import_plan(exchange_staff, want_list, item_plan, "w.csv", valid_only=False)
    assert list(ListItem.objects.order_by("id").values_list("cluster_id", flat=True)) == [
        held_cluster.pk,
        None,
    ]
