"""What we received by exchange or as gifts, handed to the library's own system: MARC 21
records (ISO 2709 in UTF-8, or MARCXML) with a 541 field naming the source of
acquisition, and a CSV of the same lines.

A line is handed over when its shipment reached us in the period (``received_on``), has
been checked, and the check found copies of it. Partners with exchange terms send by exchange; anyone else
sends gifts. The records are brief (encoding level 7): the cataloguers complete them.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator

import pymarc
from django.utils.translation import gettext as _

from bibliobridge.core import vocab

from . import ledger
from .enums import Direction, ShipmentStatus
from .identifiers import normalise_isbn
from .models import ExchangeTerms, ShipmentItem

# A partner's shipment is handed over once checked: before that, what came is not known.
CHECKED = (ShipmentStatus.CHECKED, ShipmentStatus.ACKNOWLEDGED)
XML_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n'
)
XML_TAIL = b"</collection>\n"


def received_lines(
    start: dt.date, end: dt.date, partner_id: int | None = None
) -> list[tuple[ShipmentItem, int]]:
    """Lines of partners' shipments received from start to end (inclusive), with the copies
    the check found, oldest first."""
    lines = ShipmentItem.objects.filter(
        shipment__direction=Direction.INCOMING,
        shipment__status__in=CHECKED,
        shipment__received_on__range=(start, end),
    ).select_related("shipment", "shipment__partner")
    if partner_id is not None:
        lines = lines.filter(shipment__partner_id=partner_id)
    found = []
    for line in lines.order_by("shipment__received_on", "shipment_id", "id"):
        copies = ledger.counted_copies(
            Direction.INCOMING, line.quantity, line.check_result, line.quantity_received
        )
        if copies:
            found.append((line, copies))
    return found


def _methods(lines: list[tuple[ShipmentItem, int]]) -> dict[int, str]:
    """Per partner, how it sends: by exchange when we have terms with it, else as gifts."""
    partners = {line.shipment.partner_id for line, _copies in lines}
    exchanged = set(
        ExchangeTerms.objects.filter(partner_id__in=partners).values_list("partner_id", flat=True)
    )
    return {pk: ("Exchange" if pk in exchanged else "Gift") for pk in partners}


def _field(tag: str, indicators: str, *pairs: tuple[str, str]) -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=list(indicators),
        subfields=[pymarc.Subfield(code, value) for code, value in pairs if value],
    )


def marc_record(line: ShipmentItem, copies: int, method: str) -> pymarc.Record:
    """A brief MARC 21 record of the line, with 541 (source: the partner; method; date;
    shipment number as accession; copies; value)."""
    shipment = line.shipment
    serial = bool(line.issn or line.issue)
    record = pymarc.Record(
        force_utf8=True, leader=f"     n{'as' if serial else 'am'} a22     7a 4500"
    )
    record.add_field(pymarc.Field(tag="001", data=f"bb-exchange-{line.pk}"))
    received = shipment.received_on
    year = f"{line.year:04d}" if line.year else "uuuu"
    language = vocab.marc_language(line.language) or "und"
    record.add_field(
        pymarc.Field(
            tag="008", data=f"{received:%y%m%d}s{year}    xx            000 0 {language} d"
        )
    )
    if line.isbn:
        isbn, valid = normalise_isbn(line.isbn)
        record.add_field(_field("020", "  ", ("a" if valid else "z", isbn)))
    if line.issn:
        record.add_field(_field("022", "  ", ("a", line.issn)))
    if line.author:
        record.add_field(_field("100", "1 ", ("a", line.author)))
    record.add_field(_field("245", "10" if line.author else "00", ("a", line.title)))
    if line.edition:
        record.add_field(_field("250", "  ", ("a", line.edition)))
    if line.place or line.publisher or line.year:
        record.add_field(
            _field(
                "264", " 1", ("a", line.place), ("b", line.publisher), ("c", str(line.year or ""))
            )
        )
    if line.issue:
        record.add_field(_field("362", "0 ", ("a", line.issue)))
    value = f"{line.value} {line.currency}".strip() if line.value is not None else ""
    record.add_field(
        _field(
            "541", "1 ",
            ("a", str(shipment.partner)),
            ("c", method),
            ("d", f"{received:%Y%m%d}"),
            ("e", shipment.number),
            ("h", value),
            ("n", str(copies)),
            ("o", "copies" if copies != 1 else "copy"),
        )
    )  # fmt: skip
    return record


def records(lines: list[tuple[ShipmentItem, int]]) -> Iterator[pymarc.Record]:
    methods = _methods(lines)
    for line, copies in lines:
        yield marc_record(line, copies, methods[line.shipment.partner_id])


def iso2709(lines: list[tuple[ShipmentItem, int]]) -> bytes:
    return b"".join(record.as_marc() for record in records(lines))


def marcxml(lines: list[tuple[ShipmentItem, int]]) -> bytes:
    body = b"".join(pymarc.record_to_xml(r, namespace=False) + b"\n" for r in records(lines))
    return XML_HEAD + body + XML_TAIL


def csv_columns() -> list[str]:
    return [
        _("Shipment"), _("Partner"), _("Received on"), _("Method of acquisition"), _("Title"),
        _("Author"), _("Publisher"), _("Place"), _("Year"), _("Edition"), _("ISBN"), _("ISSN"),
        _("Volume / issue"), _("Language"), _("Copies"), _("Value"), _("Currency"),
    ]  # fmt: skip


def csv_text(lines: list[tuple[ShipmentItem, int]]) -> str:
    """UTF-8 with a BOM when written, so Excel opens names in any script."""
    methods = _methods(lines)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_columns())
    labels = {"Exchange": _("Exchange"), "Gift": _("Gift")}
    for line, copies in lines:
        shipment = line.shipment
        writer.writerow(
            [
                shipment.number,
                str(shipment.partner),
                shipment.received_on.isoformat(),
                labels[methods[shipment.partner_id]],
                line.title,
                line.author,
                line.publisher,
                line.place,
                line.year or "",
                line.edition,
                line.isbn,
                line.issn,
                line.issue,
                line.language,
                copies,
                "" if line.value is None else line.value,
                line.currency,
            ]  # fmt: skip
        )
    return out.getvalue()
