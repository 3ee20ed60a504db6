"""Institutions → CSV or XLSX with the import columns, so an export re-imports cleanly.

The CSV is UTF-8 with a byte-order mark: without it Excel reads UTF-8 as the local ANSI
code page and Chinese names turn to mojibake. Several identifiers of one scheme, and lists,
are joined with "; ", which the import splits again.
"""

import csv
import io
from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from ..models import Contact, Institution
from .rows import COLUMNS, IDENTIFIER_COLUMNS


def export_queryset(queryset: QuerySet[Institution] | None = None) -> QuerySet[Institution]:
    """The queryset with everything an export row reads, in a constant number of queries."""
    queryset = Institution.objects.all() if queryset is None else queryset
    return queryset.prefetch_related(
        "identifiers",
        "tags",
        Prefetch("contacts", queryset=Contact.objects.order_by("role", "name", "pk")),
    )


def filter_institutions(
    params: dict[str, str], queryset: QuerySet[Institution] | None = None
) -> QuerySet[Institution]:
    """The list's filters (?country=&kind=&tag=&q=), for exports."""
    queryset = Institution.objects.all() if queryset is None else queryset
    if params.get("country"):
        queryset = queryset.filter(country=params["country"].strip().upper())
    if params.get("kind"):
        queryset = queryset.filter(kind=params["kind"].strip())
    if params.get("tag"):
        queryset = queryset.filter(tags__name=params["tag"].strip())
    if params.get("q"):
        from ..search import search_terms

        for term in search_terms(params["q"]):
            queryset = queryset.filter(Q(search_text__contains=term))
    return queryset.distinct()


def institution_row(institution: Institution) -> dict[str, str]:
    identifiers: dict[str, list[str]] = {}
    for identifier in institution.identifiers.all():
        identifiers.setdefault(identifier.scheme, []).append(identifier.value)
    contacts = list(institution.contacts.all())
    contact = next(
        (c for c in contacts if c.role == "cooperation"), contacts[0] if contacts else None
    )
    row = {
        "kind": institution.kind,
        "name": institution.name,
        "name_zh": institution.name_zh,
        "name_en": institution.name_en,
        "country": institution.country,
        "region": institution.region,
        "city": institution.city,
        "time_zone": institution.time_zone,
        "languages": "; ".join(institution.languages or []),
        "currencies": "; ".join(institution.currencies or []),
        "website": institution.website,
        "tags": "; ".join(sorted(t.name for t in institution.tags.all())),
        "notes": institution.notes,
        "contact_name": contact.name if contact else "",
        "contact_email": contact.email if contact else "",
        "contact_role": contact.role if contact else "",
    }
    for scheme in IDENTIFIER_COLUMNS:
        row[scheme] = "; ".join(sorted(identifiers.get(scheme, [])))
    return {column: row[column] for column in COLUMNS}


def export_rows(queryset: QuerySet[Institution] | None = None) -> Iterable[dict[str, str]]:
    for institution in export_queryset(queryset).iterator(chunk_size=500):
        yield institution_row(institution)


def export_csv(queryset: QuerySet[Institution] | None = None) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in export_rows(queryset):
        writer.writerow({k: _defuse(v) for k, v in row.items()})
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _defuse(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection).
    # Identifiers never start so, and the import strips the quote from names again.
    if value and value[0] in "=+-@" and not value[1:2].isdigit():
        return "'" + value
    return value


def export_xlsx(queryset: QuerySet[Institution] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("partners")
    sheet.append(list(COLUMNS))
    for row in export_rows(queryset):
        cells = []
        for column in COLUMNS:
            cell = WriteOnlyCell(sheet, value=row[column])
            if row[column].startswith("="):
                cell.data_type = "s"  # text, not a formula
            # Text format, so codes typed later into the sheet stay text.
            cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
