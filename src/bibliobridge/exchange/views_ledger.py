"""The exchange ledgers (per partner and year) and the annual exchange report."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bibliobridge.core.access import require_perm
from bibliobridge.core.links import url_for_id
from bibliobridge.partners.models import Institution

from . import handover as exports
from . import ledger, report
from .forms_ledger import HandoverForm

VIEW = "exchange.view_shipment"  # the ledger is what the shipments add up to
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(request: HttpRequest) -> int:
    """The year asked for (?year=), else this one; a year that is not one is a 404."""
    text = request.GET.get("year", "")
    if not text:
        return timezone.localdate().year
    if not (text.isdigit() and 1900 <= int(text) <= 2999):
        raise Http404
    return int(text)


def _years(year: int, partner: Institution | None = None) -> list[int]:
    return sorted(
        {year, timezone.localdate().year, *ledger.years_with_shipments(partner)}, reverse=True
    )


@require_perm(VIEW)
def ledger_index(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    detail = url_for_id("exchange:ledger_detail")
    books = sorted(ledger.ledgers(year).values(), key=lambda b: str(b.partner))
    rows = [(book, f"{detail(book.partner.pk)}?year={year}") for book in books]
    context = {"year": year, "years": _years(year), "rows": rows}
    return render(request, "exchange/ledger_index.html", context)


@require_perm(VIEW)
def ledger_detail(request: HttpRequest, partner_pk: int) -> HttpResponse:
    year = _year(request)
    try:
        partner = Institution.objects.get(pk=partner_pk, is_home=False)
    except Institution.DoesNotExist as error:
        raise Http404 from error
    book = ledger.ledger_for(partner, year)
    context = {"year": year, "years": _years(year, partner), "book": book, "partner": partner}
    return render(request, "exchange/ledger_detail.html", context)


@require_perm(VIEW)
def report_page(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    context = {"year": year, "years": _years(year), "report": report.annual(year)}
    return render(request, "exchange/report.html", context)


@require_perm(VIEW)
def report_file(request: HttpRequest, kind: str) -> HttpResponse:
    year = _year(request)
    found = report.annual(year)
    if kind == "xlsx":
        response = HttpResponse(report.xlsx(found), content_type=XLSX)
    elif kind == "pdf":
        response = HttpResponse(report.pdf(found), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="exchange-report-{year}.{kind}"'
    return response


@require_perm(VIEW)
def handover(request: HttpRequest) -> HttpResponse:
    """Received items for the library's own system: a page to choose, then the file."""
    form = HandoverForm(request.GET or None, initial=HandoverForm.initial_values())
    kind = request.GET.get("format", "")
    lines = None
    if form.is_valid():
        data = form.cleaned_data
        partner = data["partner"].pk if data["partner"] else None
        lines = exports.received_lines(data["start"], data["end"], partner)
        name = f"received-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
        if kind == "mrc":
            return _download(exports.iso2709(lines), "application/marc", f"{name}.mrc")
        if kind == "xml":
            return _download(exports.marcxml(lines), "application/marcxml+xml", f"{name}.xml")
        if kind == "csv":
            data_csv = "\ufeff" + exports.csv_text(lines)
            return _download(data_csv.encode(), "text/csv; charset=utf-8", f"{name}.csv")
    context = {"form": form, "lines": lines, "count": sum(c for _l, c in lines or [])}
    return render(request, "exchange/handover.html", context)


def _download(data: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
