"""Rows of an offer or want list spreadsheet → a checked plan → items, through the services.

The file is read by the partner import's reader (`partners.io.tabular`: CSV in UTF-8 with
or without BOM, GBK/GB18030 or Big5, told apart by the characters they yield, or XLSX with
merged cells reported), so an encoding it cannot tell is reported, never guessed. Every
row is checked before anything is saved and each problem is kept as (row, column,
reason); `import_plan` applies the valid rows only when the file has no errors or the
user chose to import the valid rows, all in one transaction.
"""

import functools
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bibliobridge.catalog.marc import problems as marc_problems
from bibliobridge.catalog.marc.read import read_records
from bibliobridge.catalog.marc.record import FileProblem, Kind, NormalisedRecord, RecordProblem
from bibliobridge.catalog.text import fold
from bibliobridge.core import vocab
from bibliobridge.core.models import User
from bibliobridge.partners.io.rows import (
    ERROR,
    WARNING,
    CheckedRow,
    ImportBlocked,
    MissingColumns,
    Problem,
)
from bibliobridge.partners.io.tabular import (
    EmptyFile,
    ImportFileError,
    Table,
    read_table,
    read_upload,
)

from . import services
from .enums import ItemStatus
from .identifiers import normalise_isbn, normalise_issn
from .models import ExchangeList, ListItem

COLUMNS = (
    "title", "author", "publisher", "place", "year", "edition", "isbn", "issn", "language",
    "quantity", "price", "currency", "note", "status",
)  # fmt: skip
REQUIRED = ("title",)

# Header spellings people use besides the column names (any case, spaces, hyphens):
# simplified and traditional Chinese, and English variants.
ALIASES = {
    "title": ["题名", "題名", "书名", "書名", "刊名", "标题", "標題", "正题名"],
    "author": ["著者", "作者", "责任者", "責任者", "编者", "編者", "creator", "authors"],
    "publisher": ["出版者", "出版社", "出版商"],
    "place": ["出版地", "place of publication"],
    "year": ["出版年", "出版年份", "年份", "年代", "date", "publication year"],
    "edition": ["版本", "版次"],
    "isbn": ["isbn号", "國際標準書號", "国际标准书号"],
    "issn": ["issn号", "國際標準期刊號", "国际标准连续出版物号"],
    "language": ["语种", "語種", "语言", "語言", "lang"],
    "quantity": ["数量", "數量", "册数", "冊數", "复本数", "copies", "qty"],
    "price": ["价格", "價格", "定价", "定價", "单价", "單價"],
    "currency": ["货币", "貨幣", "币种", "幣別"],
    "note": ["备注", "備註", "说明", "說明", "notes", "remark", "remarks"],
    "status": ["状态", "狀態"],
}
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_HEADER_SPACE = re.compile(r"[\s\-_]+")


def _header_key(text: str) -> str:
    return _HEADER_SPACE.sub("_", (text or "").strip().lower())


@functools.cache
def _header_map() -> dict[str, str]:
    mapping = {}
    for column, aliases in ALIASES.items():
        for spelling in (column, *aliases):
            mapping[_header_key(spelling)] = column
    return mapping


def canonical_column(header: str) -> str | None:
    return _header_map().get(_header_key(header))


def looks_like_header(cells: list[str]) -> bool:
    """A title row above the header names at most one known column; the header several."""
    known = sum(1 for c in cells if canonical_column(c))
    return known >= 2 or (known == 1 and sum(1 for c in cells if c) == 1)


@functools.cache
def _statuses() -> dict[str, str]:
    """Item statuses by code and by label in English and Chinese."""
    lookup = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in ItemStatus.choices:
                lookup[_header_key(str(label))] = value
    for value in ItemStatus.values:
        lookup[value] = value
    return lookup


# ---------------------------------------------------------------- the plan


@dataclass
class ItemRow(CheckedRow):
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemPlan:
    rows: list[ItemRow]
    encoding: str = ""  # of a CSV file, as detected; empty for XLSX
    file_format: str = ""
    file_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        found = [*self.file_problems, *(p for row in self.rows for p in row.problems)]
        return sorted(
            found, key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else 99)
        )

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    @property
    def valid_rows(self) -> list[ItemRow]:
        return [r for r in self.rows if r.is_valid]

    @property
    def invalid_rows(self) -> list[ItemRow]:
        return [r for r in self.rows if not r.is_valid]


def plan_file(upload: IO[bytes] | bytes, exchange_list: ExchangeList) -> ItemPlan:
    """Read an uploaded CSV, XLSX or MARC file and check its rows for the list.

    Raises ImportFileError (with a message for the user) when the file cannot be read or
    lacks a required column.
    """
    data = read_upload(upload)
    if is_marc(data):
        return plan_marc(data, exchange_list)
    return plan_rows(read_table(data, is_header=looks_like_header), exchange_list)


_MARCXML_ROOT = re.compile(rb"<(?:[\w.-]+:)?(?:collection|record)[\s>/]")


def is_marc(data: bytes) -> bool:
    """ISO 2709 (a leader: five digits of length, then "45" at 20-21 as MARC 21, UNIMARC and
    CNMARC all have) or MARCXML (a collection or record element near the start). A CSV whose
    first cell is a number is neither."""
    head = data[:4096].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head[:5].isdigit() and head[20:22] == b"45":
        return True
    return head[:1] == b"<" and _MARCXML_ROOT.search(head) is not None


# Records read but not about a publication: noted, not errors.
_NOT_PUBLICATIONS = {marc_problems.AUTHORITY_RECORD_SKIPPED}


def plan_marc(data: bytes, exchange_list: ExchangeList) -> ItemPlan:
    """One row per bibliographic record, in the order of the file, checked as a
    spreadsheet's rows are. A record that cannot be read is a row with its reason; holdings
    and authority records and records marked deleted are left out."""
    plan = ItemPlan(rows=[], file_format="marc")
    try:
        for number, found in enumerate(read_records(io.BytesIO(data)), start=1):
            if isinstance(found, RecordProblem) and found.code in _NOT_PUBLICATIONS:
                reason = marc_problems.message(found.code, found.params)
                plan.file_problems.append(Problem(found.number, "", reason, WARNING))
            elif isinstance(found, RecordProblem):
                # The reader's message names the record and its byte offset.
                row = ItemRow(number=found.number, values={})
                row.error("title", marc_problems.message(found.code, found.params))
                plan.rows.append(row)
            elif found.kind == Kind.BIBLIOGRAPHIC and not found.deleted:
                row = ItemRow(number=number, values=_marc_values(found))
                _check_row(row, exchange_list)
                plan.rows.append(row)
    except FileProblem as problem:
        raise ImportFileError(marc_problems.message(problem.code, problem.params)) from problem
    if not plan.rows:
        raise EmptyFile(_("The file has no bibliographic records."))
    _check_duplicates(plan, exchange_list)
    return plan


def _marc_values(record: NormalisedRecord) -> dict[str, str]:
    """A record as the cells of a row: the title and name in the script of the book when the
    record gives it (880), the first valid ISBN, the first language."""
    isbns = sorted(record.isbns, key=lambda isbn: not isbn.valid)
    names = record.names_vernacular or record.names
    return {
        "title": record.title_vernacular or record.title,
        "author": names[0] if names else record.responsibility,
        "publisher": record.publisher,
        "place": record.place,
        "year": str(record.year or ""),
        "edition": record.edition,
        "isbn": isbns[0].value if isbns else "",
        "issn": record.issns[0] if record.issns else "",
        "language": record.languages[0] if record.languages else "",
    }


def plan_rows(table: Table, exchange_list: ExchangeList) -> ItemPlan:
    columns = {h: canonical_column(h) for h in table.headers if h}
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        raise MissingColumns(
            _(
                "The first row must name the columns, and a “title” (or 题名) column is needed. "
                "See the list of columns on the import page."
            )
        )
    plan = ItemPlan(rows=[], encoding=table.encoding, file_format=table.format)
    for header, column in columns.items():
        if column is None:
            plan.file_problems.append(
                Problem(
                    table.header_row,
                    header,
                    str(_("This column is not known and was ignored.")),
                    WARNING,
                )
            )
    for note_row, header, message in table.notes:
        plan.file_problems.append(
            Problem(note_row, columns.get(header) or header, str(message), WARNING)
        )
    for row in table.rows:
        values = {}
        for header, value in row.values.items():
            column = columns.get(header)
            if column and (value or column not in values):
                values[column] = value
        item_row = ItemRow(number=row.number, values=values)
        _check_row(item_row, exchange_list)
        header = next((h for h, c in columns.items() if c == "isbn"), None)
        if header and (row.number, header) in table.numeric_cells:
            item_row.warn(
                "isbn",
                _(
                    "This cell was a number in the spreadsheet, so a leading zero or a final X "
                    "may have been lost; format the column as text."
                ),
            )
        plan.rows.append(item_row)
    _check_duplicates(plan, exchange_list)
    return plan


def _check_row(row: ItemRow, exchange_list: ExchangeList) -> None:
    values, fields = row.values, row.fields
    for column in ("title", "author", "publisher", "place", "edition", "note"):
        fields[column] = values.get(column, "")
    if not fields["title"]:
        row.error("title", _("Each row needs a title."))
    if values.get("year"):
        match = _YEAR.match(values["year"])
        if match:
            fields["year"] = int(match.group(1))
        else:
            row.error(
                "year",
                _("“%(value)s” is not a year (four digits, such as 1998).")
                % {"value": values["year"]},
            )
    if values.get("quantity"):
        if values["quantity"].isdigit() and int(values["quantity"]) > 0:
            fields["quantity"] = int(values["quantity"])
        else:
            row.error(
                "quantity",
                _("“%(value)s” is not a number of copies (a whole number, 1 or more).")
                % {"value": values["quantity"]},
            )
    _check_price(row)
    _check_identifiers(row)
    if values.get("language"):
        _normalise_into(row, "language", vocab.normalise_language)
    if values.get("status"):
        if exchange_list.is_offer:
            status = _statuses().get(_header_key(values["status"]))
            if status:
                fields["status"] = status
            else:
                row.error(
                    "status",
                    _("“%(value)s” is not a status; use one of: %(choices)s.")
                    % {"value": values["status"], "choices": ", ".join(ItemStatus.values)},
                )
        else:
            row.warn("status", _("Wanted items have no status; the value was ignored."))
    if row.is_valid:
        _check_model(row, exchange_list)


def _check_price(row: ItemRow) -> None:
    values, fields = row.values, row.fields
    if values.get("currency"):
        _normalise_into(row, "currency", vocab.normalise_currency)
    if not values.get("price"):
        return
    try:
        price = Decimal(values["price"])
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        row.error(
            "price",
            _("“%(value)s” is not a price (a number such as 25.50).") % {"value": values["price"]},
        )
        return
    fields["price"] = price
    if not values.get("currency"):
        row.error("currency", _("A price needs a currency (ISO 4217 code, such as USD)."))


def _check_identifiers(row: ItemRow) -> None:
    values, fields = row.values, row.fields
    if values.get("isbn"):
        isbn, valid = normalise_isbn(values["isbn"])
        if not valid:
            row.warn(
                "isbn",
                _("“%(value)s” is not a valid ISBN; it is kept as typed and flagged.")
                % {"value": values["isbn"]},
            )
        fields["isbn"], fields["isbn_valid"] = isbn, valid
    if values.get("issn"):
        _normalise_into(row, "issn", normalise_issn)


def _normalise_into(row: ItemRow, column: str, normalise: Any) -> None:
    try:
        row.fields[column] = normalise(row.values[column])
    except ValidationError as error:
        row.error(column, " ".join(error.messages))


def _check_model(row: ItemRow, exchange_list: ExchangeList) -> None:
    """The model's own checks (lengths above all) on what the row would save."""
    fields = dict(row.fields)
    if exchange_list.is_offer:
        fields.setdefault("status", ItemStatus.AVAILABLE)
    candidate = ListItem(exchange_list=exchange_list, **fields)
    try:
        candidate.full_clean(exclude=["exchange_list", "cluster"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            row.error(name if name in COLUMNS else "title", " ".join(messages))


def duplicate_key(fields: dict[str, Any]) -> tuple:
    """What makes two rows the same publication: a valid ISBN alone, else the title (folded
    across scripts, so 紅樓夢 = 红楼梦), author, year, edition and ISSN."""
    if fields.get("isbn") and fields.get("isbn_valid", True):
        return ("isbn", fields["isbn"])
    return (
        "title",
        fold(fields.get("title", "")),
        fold(fields.get("author", "")),
        fields.get("year"),
        fold(fields.get("edition", "")),
        fields.get("issn", ""),
    )


def _check_duplicates(plan: ItemPlan, exchange_list: ExchangeList) -> None:
    on_list = {
        duplicate_key(item)
        for item in exchange_list.items.values(
            "title", "author", "year", "edition", "isbn", "isbn_valid", "issn"
        )
    }
    seen: dict[tuple, int] = {}
    for row in plan.rows:
        if not row.is_valid:
            continue
        key = duplicate_key(row.fields)
        column = "isbn" if key[0] == "isbn" else "title"
        if key in seen:
            row.error(column, _("This row repeats row %(row)d.") % {"row": seen[key]})
        elif key in on_list:
            row.error(column, _("This publication is already on the list."))
        else:
            seen[key] = row.number


def import_plan(
    actor: User, exchange_list: ExchangeList, plan: ItemPlan, file_name: str, valid_only: bool
) -> list[ListItem]:
    """Add the plan's valid rows to the list, all or nothing.

    With errors in the plan this raises ImportBlocked unless valid_only, which imports the
    valid rows and skips the others.
    """
    if plan.has_errors and not valid_only:
        raise ImportBlocked(_("The file has errors; nothing was imported."))
    return services.import_items(
        actor, exchange_list, [row.fields for row in plan.valid_rows], file_name
    )
