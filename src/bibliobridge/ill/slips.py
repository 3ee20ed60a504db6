"""Pull slips: one page per partner's request, for staff to fetch the item from the shelf.

Each slip names the request (our ID as text and as a Code 128 barcode to scan at the
desk), the partner and its ID for the request, what is asked for, and — when our own
catalogue is loaded in the union catalogue — where we hold it. Text in any script, drawn
as every PDF of ours is (core.pdf.draw_text).
"""

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.barcode import code128
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from bibliobridge.catalog.queries import who_holds
from bibliobridge.core.pdf import draw_text

from .models import IllRequest


def shelf_marks(request: IllRequest) -> list[str]:
    """Where our own catalogue says we hold the item (call numbers and locations)."""
    held = who_holds(isbn=request.isbn, issn=request.issn, oclc=request.oclc_number,
                     title="" if (request.isbn or request.issn) else request.title,
                     name=request.author)  # fmt: skip
    marks = []
    for match in held:
        for holder in match.holders:
            if holder.institution.is_home:
                for record in holder.records:
                    for holding in record.holdings:
                        mark = " ".join(
                            filter(None, (holding.get("location"), holding.get("call_number")))
                        )
                        if mark and mark not in marks:
                            marks.append(mark)
    return marks


def pull_slips(requests: Iterable[IllRequest]) -> bytes:
    """A PDF with a slip per request (A5 pages)."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A5)
    pdf.setTitle(_("Pull slips"))
    width, height = A5
    for request in requests:
        y = height - 18 * mm

        def line(label: str, value: str, size: int = 10) -> None:
            nonlocal y
            if not value:
                return
            draw_text(pdf, 14 * mm, y, label, 8)
            for chunk in [value[i : i + 60] for i in range(0, len(value), 60)][:3]:
                draw_text(pdf, 48 * mm, y, chunk, size)
                y -= (size + 4) * 0.3528 * mm * 1.2 + 1 * mm
            y -= 1 * mm

        draw_text(pdf, 14 * mm, y, _("Pull slip"), 16)
        y -= 12 * mm
        barcode = code128.Code128(request.our_id, barHeight=12 * mm, barWidth=0.3 * mm)
        barcode.drawOn(pdf, 10 * mm, y)
        y -= 6 * mm
        line(_("Request ID"), request.our_id)
        line(_("Partner"), str(request.partner or ""))
        line(_("Partner's request ID"), request.their_id)
        line(_("Service"), str(request.get_service_display()))
        line(_("Title"), request.title, 12)
        line(_("Author"), request.author)
        line(_("Article or chapter title"), request.article_title)
        line(
            _("Publication"),
            " ".join(filter(None, (request.place, request.publisher, request.date))),
        )
        line(
            _("Volume, issue, pages"),
            " / ".join(filter(None, (request.volume, request.issue, request.pages))),
        )
        line("ISBN", request.isbn)
        line("ISSN", request.issn)
        line(_("Shelf marks"), "; ".join(shelf_marks(request)) or "—")
        line(_("Needed before"), request.need_before.isoformat() if request.need_before else "")
        draw_text(pdf, 14 * mm, 10 * mm, timezone.localtime().strftime("%Y-%m-%d %H:%M"), 7)
        pdf.showPage()
    pdf.save()
    return out.getvalue()
