"""The PDFs that go to partners: packing list and cover letter with our shipments, the
acknowledgement of theirs, claims for missing issues. Each is in the language the
partner is written to (`letters.letter_language`), headings and columns included, with
the wording of `letters`; names and titles in any script (`core.pdf`).
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Case, Sum, When
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.units import mm

from bibliobridge.core.pdf import Document
from bibliobridge.partners.enums import AddressKind
from bibliobridge.partners.models import Institution

from . import letters
from .enums import LetterKind
from .models import Box, Claim, ExchangeTerms, Shipment, ShipmentItem


def partner_language(partner: Institution) -> str:
    """The language we write to partner in (its terms' language of letters, else English)."""
    terms = ExchangeTerms.objects.filter(partner=partner).select_related("contact").first()
    return letters.letter_language(terms.language if terms else "")


def _terms(partner: Institution) -> ExchangeTerms | None:
    return ExchangeTerms.objects.filter(partner=partner).select_related("contact").first()


def _home() -> Institution | None:
    return Institution.objects.filter(is_home=True).first()


def common_values(partner: Institution, language: str) -> dict[str, str]:
    home = _home()
    terms = _terms(partner)
    return {
        "partner": partner.display_name(language),
        "contact": terms.contact.name if terms and terms.contact else "",
        "our_library": home.display_name(language) if home else "",
        "date": letters.format_date(timezone.localdate(), language),
    }


def _total_weight(shipment: Shipment) -> Decimal:
    return shipment.boxes.aggregate(total=Sum("weight_kg"))["total"] or Decimal(0)


def shipment_values(shipment: Shipment, language: str) -> dict[str, str]:
    lines = list(shipment.items.all())
    tracking = " ".join(filter(None, (shipment.courier, shipment.tracking_number)))
    return {
        **common_values(shipment.partner, language),
        "number": shipment.number,
        "reference": shipment.partner_reference or shipment.number,
        "items": str(sum(line.quantity for line in lines)),
        "titles": str(len(lines)),
        "boxes": str(shipment.boxes.count()),
        "weight": f"{_total_weight(shipment).normalize():f}",
        "shipped_on": letters.format_date(shipment.shipped_on or timezone.localdate(), language),
        "received_on": letters.format_date(shipment.received_on, language),
        "tracking": tracking,
    }


def claim_values(claim: Claim, language: str) -> dict[str, str]:
    return {
        **common_values(claim.partner, language),
        "title": claim.title,
        "issn": claim.issn or "—",
        "issue": claim.issue,
    }


def _letterhead(doc: Document, partner: Institution, language: str) -> None:
    home = _home()
    if home is not None:
        doc.paragraph(home.display_name(language), 13, bold=True)
        if home.name != home.display_name(language):
            doc.paragraph(home.name, 9)
    doc.rule()
    doc.draw_right(
        doc.width - doc.margin,
        doc.y - 4 * mm,
        letters.format_date(timezone.localdate(), language),
    )
    doc.gap(2 * mm)
    terms = _terms(partner)
    doc.paragraph(partner.display_name(language), 11)
    if partner.name != partner.display_name(language):
        doc.paragraph(partner.name, 10)
    if terms and terms.contact:
        doc.paragraph(terms.contact.name, 10)
    # Where parcels go first, then the postal address.
    address = (
        partner.addresses.filter(kind__in=(AddressKind.SHIPPING, AddressKind.POSTAL))
        .order_by(Case(When(kind=AddressKind.SHIPPING, then=0), default=1), "id")
        .first()
    )
    if address is not None:
        doc.paragraph(address.native, 9)
    doc.gap(8 * mm)


def _letter(kind: str, partner: Institution, language: str, values: dict[str, str]) -> bytes:
    letter = letters.render(kind, language, values)
    with translation.override(letters.django_language(language)):
        doc = Document(letter.subject)
        _letterhead(doc, partner, language)
        doc.paragraph(letter.subject, 12, bold=True)
        doc.gap(4 * mm)
        doc.paragraph(letter.body, 10.5)
        return doc.finish()


def cover_letter_pdf(shipment: Shipment, language: str) -> bytes:
    return _letter(
        LetterKind.COVER, shipment.partner, language, shipment_values(shipment, language)
    )


def acknowledgement_pdf(shipment: Shipment, language: str) -> bytes:
    values = shipment_values(shipment, language)
    return _letter(LetterKind.ACKNOWLEDGEMENT, shipment.partner, language, values)


def claim_pdf(claim: Claim, language: str) -> bytes:
    return _letter(LetterKind.CLAIM, claim.partner, language, claim_values(claim, language))


def _identifiers(line: ShipmentItem) -> str:
    return " ".join(filter(None, (line.isbn, line.issn and f"ISSN {line.issn}", line.issue)))


def _money(value: Decimal | None, currency: str) -> str:
    return f"{value:,.2f} {currency}" if value is not None else "—"


def packing_list_pdf(shipment: Shipment, language: str) -> bytes:
    """Boxes and their items, each line with its quantity and value, and the totals."""
    values = shipment_values(shipment, language)
    heading = letters.render(LetterKind.PACKING_LIST, language, values)
    boxes = list(shipment.boxes.all())
    lines = list(shipment.items.all())
    with translation.override(letters.django_language(language)):
        doc = Document(heading.subject)
        doc.page_footer = f"{shipment.number} · {shipment.partner.display_name(language)}"
        _letterhead(doc, shipment.partner, language)
        doc.paragraph(heading.subject, 13, bold=True)
        doc.paragraph(heading.body, 10)
        doc.gap(3 * mm)
        facts = [
            (_("Shipment number"), shipment.number),
            (_("Shipped on"), values["shipped_on"]),
            (_("Courier"), shipment.courier),
            (_("Tracking number"), shipment.tracking_number),
        ]
        for label, value in facts:
            if value:
                doc.row([label, value], [(0, 40 * mm), (42 * mm, 120 * mm)], 9.5)
        columns = [
            (0, 8 * mm), (9 * mm, 78 * mm), (88 * mm, 38 * mm), (127 * mm, 16 * mm),
            (144 * mm, 26 * mm),
        ]  # fmt: skip
        head = ["#", _("Title"), _("ISBN / ISSN"), _("Quantity"), _("Value")]
        groups: dict[int | None, list[ShipmentItem]] = defaultdict(list)
        for line in lines:
            groups[line.box_id].append(line)
        sections: list[tuple[Box | None, list[ShipmentItem]]] = [
            (box, groups.get(box.pk, [])) for box in boxes
        ]
        if groups.get(None):
            sections.append((None, groups[None]))
        count = 0
        for box, box_lines in sections:
            doc.gap(4 * mm)
            if box is None:
                title = _("Not in a box")
            elif box.weight_kg is not None:
                title = _("Box %(number)s · %(weight)s kg") % {
                    "number": box.number,
                    "weight": f"{box.weight_kg.normalize():f}",
                }
            else:
                title = _("Box %(number)s") % {"number": box.number}
            doc.row([title], [(0, doc.text_width)], 10.5, bold=True)
            doc.row(head, columns, 8.5, bold=True)
            for line in box_lines:
                count += 1
                described = " / ".join(filter(None, (line.title, line.author)))
                publication = ", ".join(
                    filter(None, (line.place, line.publisher, str(line.year or "")))
                )
                if publication:
                    described += f" — {publication}"
                doc.row(
                    [str(count), described, _identifiers(line), str(line.quantity),
                     _money(line.value, line.currency)],
                    columns, 9,
                )  # fmt: skip
        doc.rule()
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            if line.value is not None:
                totals[line.currency] += line.value
        summary = [
            (_("Boxes"), values["boxes"]),
            (_("Titles"), values["titles"]),
            (_("Copies"), values["items"]),
            (_("Total weight"), f"{values['weight']} kg"),
            (_("Total value"), "; ".join(_money(v, c) for c, v in sorted(totals.items())) or "—"),
        ]
        if shipment.postage is not None:
            summary.append((_("Postage"), _money(shipment.postage, shipment.postage_currency)))
        for label, value in summary:
            doc.row([label, value], [(0, 40 * mm), (42 * mm, 120 * mm)], 9.5, bold=False)
        return doc.finish()
