"""The annual exchange report: per partner and per country, what was sent and received,
its value in one currency (``settings.EXCHANGE_CURRENCY``), the balance, the languages of
the publications, and their commonest subjects; as an XLSX workbook and as a PDF.

Values are the ledgers' (``exchange.ledger``), kept in the one currency. Subjects come
from the union catalogue: the cluster the list item was linked to, else the records
carrying the line's ISBN; a publication the catalogue does not know has no subjects.
"""

import io
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook

from bibliobridge.catalog.models import Record
from bibliobridge.catalog.queries import who_holds
from bibliobridge.core import vocab
from bibliobridge.core.pdf import Document

from . import ledger
from .enums import Direction
from .models import ShipmentItem

TOP_SUBJECTS = 15


@dataclass
class Totals:
    label: str
    partners: int = 0
    items_sent: int = 0
    items_received: int = 0
    value_sent: Decimal = Decimal(0)
    value_received: Decimal = Decimal(0)
    postage_sent: Decimal = Decimal(0)

    @property
    def balance_items(self) -> int:
        return self.items_sent - self.items_received

    @property
    def balance_value(self) -> Decimal:
        return self.value_sent - self.value_received

    def add(self, found: ledger.Ledger) -> None:
        self.partners += 1
        self.items_sent += found.items_sent
        self.items_received += found.items_received
        self.value_sent += found.value_sent
        self.value_received += found.value_received
        self.postage_sent += found.postage_sent


@dataclass
class Report:
    year: int
    currency: str
    partners: list[Totals] = field(default_factory=list)
    countries: list[Totals] = field(default_factory=list)
    total: Totals = field(default_factory=lambda: Totals(""))
    # (language name, items sent, items received)
    languages: list[tuple[str, int, int]] = field(default_factory=list)
    subjects: list[tuple[str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def annual(year: int) -> Report:
    currency = settings.EXCHANGE_CURRENCY
    found = ledger.ledgers(year, currency=currency)
    report = Report(year, currency, total=Totals(_("All partners")))
    countries: dict[str, Totals] = {}
    for book in sorted(found.values(), key=lambda b: str(b.partner)):
        if not (book.sent or book.received):
            continue
        row = Totals(str(book.partner))
        row.add(book)
        report.partners.append(row)
        code = book.partner.country
        countries.setdefault(code, Totals(vocab.country_name(code) if code else "—")).add(book)
        report.total.add(book)
        report.problems.extend(f"{book.partner}: {p}" for p in book.problems)
    report.countries = sorted(countries.values(), key=lambda t: t.label)
    lines = _counted_lines(found)
    report.languages = _languages(lines)
    report.subjects = _subjects(lines)
    return report


def _counted_lines(found: dict[int, ledger.Ledger]) -> list[tuple[ShipmentItem, int]]:
    """Every line that counts in the ledgers, with the copies it counts."""
    ids = [e.shipment_id for book in found.values() for e in (*book.sent, *book.received)]
    lines = ShipmentItem.objects.filter(shipment_id__in=ids).select_related("shipment", "list_item")
    counted = []
    for line in lines:
        copies = ledger.counted_copies(
            line.shipment.direction, line.quantity, line.check_result, line.quantity_received
        )
        if copies:
            counted.append((line, copies))
    return counted


def _languages(lines: list[tuple[ShipmentItem, int]]) -> list[tuple[str, int, int]]:
    sent: Counter[str] = Counter()
    received: Counter[str] = Counter()
    for line, copies in lines:
        side = sent if line.shipment.direction == Direction.OUTGOING else received
        side[line.language] += copies
    rows = [
        (vocab.language_name(code) if code else _("Not recorded"), sent[code], received[code])
        for code in set(sent) | set(received)
    ]
    return sorted(rows, key=lambda row: (-(row[1] + row[2]), row[0]))


def _subjects(lines: list[tuple[ShipmentItem, int]]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for line, copies in lines:
        for subject in _subjects_of(line):
            counts[subject] += copies
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:TOP_SUBJECTS]


def _subjects_of(line: ShipmentItem) -> set[str]:
    cluster_id = line.list_item.cluster_id if line.list_item else None
    if cluster_id is None and line.isbn:
        held = who_holds(isbn=line.isbn)
        cluster_id = held[0].cluster.pk if held else None
    if cluster_id is None:
        return set()
    subjects: set[str] = set()
    for values in Record.objects.filter(cluster_id=cluster_id).values_list("subjects", flat=True):
        subjects.update(s.strip().rstrip(".") for s in values or [] if s and s.strip())
    return subjects


# ---------------------------------------------------------------- files


def _totals_header() -> list[str]:
    return [
        _("Partners"), _("Items sent"), _("Items received"), _("Balance (items)"),
        _("Value sent"), _("Value received"), _("Balance (value)"), _("Postage paid"),
    ]  # fmt: skip


def _totals_cells(row: Totals) -> list:
    return [
        row.partners, row.items_sent, row.items_received, row.balance_items,
        row.value_sent, row.value_received, row.balance_value, row.postage_sent,
    ]  # fmt: skip


def xlsx(report: Report) -> bytes:
    book = Workbook()
    sheets = [
        (_("Partners"), [_("Partner"), *_totals_header()[1:]], [[r.label, *_totals_cells(r)[1:]] for r in [*report.partners, report.total]]),
        (_("Countries"), [_("Country"), *_totals_header()], [[r.label, *_totals_cells(r)] for r in [*report.countries, report.total]]),
        (_("Languages"), [_("Language"), _("Items sent"), _("Items received")], [list(r) for r in report.languages]),
        (_("Subjects"), [_("Subject"), _("Items")], [list(r) for r in report.subjects]),
    ]  # fmt: skip
    first = True
    for title, header, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title[:31]
        sheet.append(
            [
                _("Exchange report %(year)d, values in %(currency)s")
                % {"year": report.year, "currency": report.currency}
            ]
        )
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    if report.problems:
        sheet = book.create_sheet(_("Problems")[:31])
        for problem in report.problems:
            sheet.append([problem])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf(report: Report) -> bytes:
    title = _("Exchange report %(year)d") % {"year": report.year}
    doc = Document(title)
    doc.page_footer = title
    doc.paragraph(title, 16, bold=True)
    doc.paragraph(_("Values in %(currency)s.") % {"currency": report.currency}, 9)
    width = doc.text_width
    first = width * 0.28
    rest = (width - first) / 7
    columns = [(0.0, first)] + [(first + i * rest, rest) for i in range(7)]
    for heading, label, rows in (
        (_("By partner"), _("Partner"), report.partners),
        (_("By country"), _("Country"), report.countries),
    ):
        doc.gap(4)
        doc.paragraph(heading, 12, bold=True)
        doc.row([label, *_totals_header()[1:]], columns, 8, bold=True)
        doc.rule()
        for row in [*rows, report.total]:
            doc.row(
                [row.label, *map(str, _totals_cells(row)[1:])], columns, 8, bold=row is report.total
            )
    doc.gap(4)
    doc.paragraph(_("Languages"), 12, bold=True)
    three = [(0.0, width * 0.5), (width * 0.5, width * 0.25), (width * 0.75, width * 0.25)]
    doc.row([_("Language"), _("Items sent"), _("Items received")], three, 8, bold=True)
    for name, sent, received in report.languages:
        doc.row([name, str(sent), str(received)], three, 8)
    doc.gap(4)
    doc.paragraph(_("Commonest subjects"), 12, bold=True)
    two = [(0.0, width * 0.75), (width * 0.75, width * 0.25)]
    for subject, count in report.subjects or [(_("No subjects are known."), "")]:
        doc.row([subject, str(count)], two, 8)
    if report.problems:
        doc.gap(4)
        doc.paragraph(_("Values left out (no rate recorded)"), 12, bold=True)
        for problem in report.problems:
            doc.paragraph(problem, 8)
    return doc.finish()
