"""Read an uploaded CSV or XLSX file into rows of header → text.

CSV files from Chinese offices come in UTF-8 (with or without the byte-order mark Excel
writes), GBK/GB18030 or Big5. Strict UTF-8 is tried first, since it almost never decodes
anything else by accident. GB18030 and Big5 both accept most byte sequences of the other,
and charset detectors guess poorly on the few dozen characters of a short partner list,
so the two are told apart by which decoding yields common Chinese characters (see
`_gb_score` and `_big5_score`). Anything else must be a strict, clean decoding offered by
charset-normalizer, or the user is asked to save the file as UTF-8: a file is never read
with a guessed encoding that garbles names.

XLSX is read with openpyxl in read-only mode. Merged cells are filled from their first
cell and reported; numbers typed where text is meant (an ISIL or code that Excel turned
into a number) are turned back into text and recorded, so `rows` can warn about them.
"""

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from lxml import etree

# A note on one cell: (row as the user sees it, column header, message).
Note = tuple[int, str, Any]


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message tells the user what to do."""

    def __init__(self, message: str | Promise):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class FileTooLarge(ImportFileError):
    pass


class UnknownEncoding(ImportFileError):
    pass


class UnsupportedFileType(ImportFileError):
    pass


class EmptyFile(ImportFileError):
    pass


class UnreadableWorkbook(ImportFileError):
    pass


@dataclass
class Row:
    number: int  # as the user sees it: the spreadsheet row, the header being row 1 in a CSV
    values: dict[str, str]


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    format: str  # "csv" or "xlsx"
    header_row: int = 1
    encoding: str = ""
    delimiter: str = ""
    notes: list[Note] = field(default_factory=list)
    # Cells that held a number (or date) and were turned into text.
    numeric_cells: set[tuple[int, str]] = field(default_factory=set)


def read_upload(upload: IO[bytes] | bytes, max_bytes: int | None = None) -> bytes:
    """The uploaded file's bytes, refusing files over settings.MAX_IMPORT_BYTES."""
    limit = max_bytes if max_bytes is not None else settings.MAX_IMPORT_BYTES
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise _too_large(limit)
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(
        _("The file is larger than %(size)d MB; please split it into smaller files.")
        % {"size": max(1, limit // (1024 * 1024))}
    )


def read_table(upload: IO[bytes] | bytes, is_header: Any = None) -> Table:
    """Rows of the file's first sheet.

    The header is the first non-empty row, or with `is_header` (a function of the row's
    cells) the first row it accepts, so a title row above the header is skipped.
    """
    data = read_upload(upload)
    if not data.strip():
        raise EmptyFile(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, is_header)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnsupportedFileType(
            _(
                "This is an old Excel (.xls) file. Please save it as .xlsx or as CSV (UTF-8) and try again."
            )
        )
    text, encoding = decode_text(data)
    return _read_csv(text, encoding, is_header)


# ---------------------------------------------------------------- encodings

# Encodings charset-normalizer may propose that we accept, after a strict, clean decoding.
_ACCEPTED_GUESSES = {
    "cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "cp1251", "koi8_r",
    "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949",
}  # fmt: skip
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}
# The winner must average this much per non-ASCII character (2 is all common characters).
_CJK_THRESHOLD = 1.5


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text file, or UnknownEncoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", "utf-16")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[: 256 * 1024]
    candidates = {}
    for encoding, score in (("gb18030", _gb_score), ("big5", _big5_score)):
        text = _clean_decode(sample, encoding)
        if text is not None:
            candidates[encoding] = score(text)
    if candidates:
        # GB18030 wins a tie: the common characters of both sets coincide only on very
        # short texts, and simplified Chinese is what most of our users write.
        best = max(candidates, key=lambda e: (candidates[e], e == "gb18030"))
        if candidates[best] >= _CJK_THRESHOLD:
            full = _clean_decode(data, best)
            if full is not None:
                return full, best
    guess = _charset_normalizer_guess(data)
    if guess is not None:
        return guess
    raise UnknownEncoding(
        _(
            "The character encoding of this file could not be determined. Please open it in "
            "your spreadsheet program and save it as “CSV UTF-8”, then upload it again."
        )
    )


def _strict(data: bytes, codec: str, name: str) -> tuple[str, str]:
    try:
        return data.decode(codec), name
    except UnicodeDecodeError as error:
        raise UnknownEncoding(
            _(
                "The file says it is %(encoding)s but contains bytes that are not; please save "
                "it again as “CSV UTF-8”."
            )
            % {"encoding": name.upper()}
        ) from error


def _is_clean(text: str) -> bool:
    """No control characters, replacement characters or private-use characters."""
    for char in text:
        code = ord(char)
        if (code < 32 and char not in _ALLOWED_CONTROLS) or 0x7F <= code <= 0x9F:
            return False
        if char == "\ufffd" or 0xE000 <= code <= 0xF8FF:
            return False
    return True


def _clean_decode(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        # A sample cut in the middle of a character: retry without the last bytes.
        if len(data) < 256 * 1024:
            return None
        try:
            text = data[:-3].decode(encoding, errors="strict")
        except UnicodeDecodeError:
            return None
    return text if _is_clean(text) else None


def _gb_score(text: str) -> float:
    """Average per non-ASCII character: 2 for GB2312 level-1 hanzi (the 3,755 common ones),
    1 for level-2 hanzi and punctuation, 0 for GBK extensions, -1 for kana, Greek,
    Cyrillic, box drawing — what Big5 bytes read as GBK turn into."""
    total = count = 0
    for char in text:
        if ord(char) < 128:
            continue
        count += 1
        try:
            encoded = char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        lead = encoded[0]
        if 0xB0 <= lead <= 0xD7:
            total += 2
        elif 0xD8 <= lead <= 0xF7 or lead in (0xA1, 0xA3):
            total += 1
        else:
            total -= 1
    return total / count if count else 0.0


def _big5_score(text: str) -> float:
    """As `_gb_score`, for Big5: level-1 (5,401 common characters) 2, level-2 and
    punctuation 1, anything else (bopomofo, kana, Greek) -1."""
    total = count = 0
    for char in text:
        if ord(char) < 128:
            continue
        count += 1
        try:
            encoded = char.encode("big5")
        except UnicodeEncodeError:
            continue
        code = encoded[0] << 8 | encoded[1] if len(encoded) == 2 else 0
        if 0xA440 <= code <= 0xC67E:
            total += 2
        elif 0xC940 <= code <= 0xF9D5 or 0xA140 <= code <= 0xA2FF:
            total += 1
        else:
            total -= 1
    return total / count if count else 0.0


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's answer, when every plausible encoding it finds reads the same.

    On a short file, code pages such as cp1250 and cp1252 both pass and read “è” as “è” or
    “č”; rather than pick one, the user is asked for UTF-8.
    """
    from charset_normalizer import from_bytes

    sample = data[: 256 * 1024]
    readings: dict[str, str] = {}
    for match in from_bytes(sample):
        if match.encoding in _ACCEPTED_GUESSES:
            text = _clean_decode(sample, match.encoding)
            if text is not None:
                readings.setdefault(text, match.encoding)
    if len(readings) != 1:
        return None
    encoding = next(iter(readings.values()))
    text = _clean_decode(data, encoding)
    return (text, encoding) if text is not None else None


# ---------------------------------------------------------------- CSV

_DELIMITERS = (",", ";", "\t")


def detect_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most cells (comma on a tie)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def _read_csv(text: str, encoding: str, is_header: Any) -> Table:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = detect_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file is malformed near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error
    table = _table_from_records(
        (
            (number, [cell.strip() for cell in record])
            for number, record in enumerate(records, start=1)
        ),
        "csv",
        is_header,
    )
    table.encoding = encoding
    table.delimiter = delimiter
    return table


def _table_from_records(records: Any, file_format: str, is_header: Any) -> Table:
    headers: list[str] | None = None
    header_row = 1
    rows: list[Row] = []
    records = list(records)
    if is_header is not None and not any(is_header(cells) for _n, cells in records if any(cells)):
        is_header = None  # no row looks like a header: take the first, and let the caller say why
    for number, cells in records:
        if not any(cells):
            continue
        if headers is None:
            if is_header is None or is_header(cells):
                headers = [c.strip() for c in cells]
                header_row = number
            continue
        values = {}
        for index, header in enumerate(headers):
            if header:
                values[header] = cells[index] if index < len(cells) else ""
        rows.append(Row(number, values))
    if headers is None:
        raise EmptyFile(_("No header row was found; the first row must name the columns."))
    return Table(headers=headers, rows=rows, format=file_format, header_row=header_row)


# ---------------------------------------------------------------- XLSX


def _read_xlsx(data: bytes, is_header: Any) -> Table:
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import range_boundaries

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise UnreadableWorkbook(
            _(
                "This file could not be read as an Excel workbook (.xlsx). Please save it again as .xlsx or CSV."
            )
        ) from error
    try:
        sheet = workbook.worksheets[0]
        merged = [range_boundaries(ref) for ref in _merged_ranges(sheet)]
        # Some programs write a wrong <dimension>; read what is there instead.
        sheet.reset_dimensions()
        grid: list[list[Any]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()

    notes: list[Note] = []
    merged_cells: dict[tuple[int, int], tuple[int, int]] = {}
    for min_col, min_row, max_col, max_row in merged:
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if (r, c) != (min_row, min_col):
                    merged_cells[(r, c)] = (min_row, min_col)

    def value_at(r: int, c: int) -> Any:
        row = grid[r - 1] if r - 1 < len(grid) else []
        return row[c - 1] if c - 1 < len(row) else None

    numeric: set[tuple[int, int]] = set()
    text_grid: list[list[str]] = []
    for r, row in enumerate(grid, start=1):
        width = max([len(row)] + [c for (mr, c) in merged_cells if mr == r])
        cells = []
        for c in range(1, width + 1):
            value = value_at(*merged_cells[(r, c)]) if (r, c) in merged_cells else value_at(r, c)
            text, was_number = cell_text(value)
            if was_number:
                numeric.add((r, c))
            cells.append(text)
        text_grid.append(cells)

    table = _table_from_records(enumerate(text_grid, start=1), "xlsx", is_header)
    header_row = table.header_row
    reported: set[tuple[int, int]] = set()
    for (r, c), origin in sorted(merged_cells.items()):
        if r <= header_row or origin in reported or c > len(table.headers):
            continue
        reported.add(origin)
        notes.append(
            (
                origin[0],
                table.headers[origin[1] - 1],
                _("Merged cells starting at %(cell)s: the value was copied into every merged row.")
                % {"cell": f"{get_column_letter(origin[1])}{origin[0]}"},
            )
        )
    table.notes = notes
    table.numeric_cells = {
        (r, table.headers[c - 1]) for r, c in numeric if r > header_row and c <= len(table.headers)
    }
    return table


def _merged_ranges(sheet: Any) -> list[str]:
    """The merged ranges of a read-only sheet, which openpyxl does not parse in that mode."""
    refs = []
    with sheet._get_source() as source:
        for _event, element in etree.iterparse(
            source, resolve_entities=False, no_network=True, huge_tree=False
        ):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell" and element.get("ref"):
                refs.append(element.get("ref"))
            elif tag == "row":
                element.clear()
    return refs


def cell_text(value: Any) -> tuple[str, bool]:
    """(text, whether the cell held a number or date rather than text)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("true" if value else "false"), True
    if isinstance(value, int):
        return str(value), True
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value)), True
        return repr(value), True
    if isinstance(value, dt.datetime):
        return (value.date().isoformat() if value.time() == dt.time() else value.isoformat()), True
    if isinstance(value, dt.date | dt.time):
        return value.isoformat(), True
    return str(value).strip(), False
