"""ILL figures for a period: fill rate, turnaround, the lending:borrowing balance, reasons
for no, by partner, country, language and material, and the foreign-literature
satisfaction rate (外文文献满足率).

Definitions (also on the page):

- a request counts in the period it was created in;
- *closed*: in a terminal state; *filled*: supplied by a partner (a loan shipped or a copy
  delivered) or, when we borrow, met from our own collection; fill rate = filled / closed;
- turnaround, in days, over the filled requests: to shipment (created → supplied), to
  receipt (created → we recorded it received; loans we borrow), total (created → closed);
- foreign-literature satisfaction rate: of the closed borrowing requests for material in
  a language other than Chinese (ISO 639-2 chi/zho), the share filled — by partners or
  from our own collection.
"""

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .enums import Role
from .models import IllRequest

CHINESE = {"chi", "zho"}


@dataclass
class Figures:
    """The figures of one group of requests."""

    requests: int = 0
    closed: int = 0
    filled: int = 0
    to_shipment: list[float] = field(default_factory=list)
    to_receipt: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)

    @property
    def fill_rate(self) -> float | None:
        return self.filled / self.closed if self.closed else None

    @staticmethod
    def mean(days: list[float]) -> float | None:
        return round(statistics.fmean(days), 1) if days else None

    @staticmethod
    def median(days: list[float]) -> float | None:
        return round(statistics.median(days), 1) if days else None

    def add(self, request: IllRequest) -> None:
        self.requests += 1
        if request.closed_at is None:
            return
        self.closed += 1
        if filled(request):
            self.filled += 1
            if request.supplied_at:
                self.to_shipment.append(_days(request.created_at, request.supplied_at))
            if request.received_at:
                self.to_receipt.append(_days(request.created_at, request.received_at))
            self.total.append(_days(request.created_at, request.closed_at))
        elif request.reason_unfilled:
            self.reasons[request.reason_unfilled] += 1


@dataclass
class Report:
    start: dt.date
    end: dt.date
    borrowing: Figures
    lending: Figures
    satisfaction: Figures  # closed foreign-language borrowing requests
    by: dict[str, dict[str, dict[str, Figures]]]  # role → dimension → value → figures
    balance: list[tuple[str, int, int]]  # partner, we borrowed from it, it borrowed from us


def filled(request: IllRequest) -> bool:
    return request.filled_locally or request.supplied_at is not None


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86400


DIMENSIONS: dict[str, Callable[[IllRequest], str]] = {
    "partner": lambda r: str(r.partner) if r.partner else "—",
    "country": lambda r: r.partner.country if r.partner else "—",
    "language": lambda r: r.language or "—",
    "material": lambda r: r.get_service_display(),
}


def dimension_labels() -> dict[str, str]:
    return {"partner": _("Partner"), "country": _("Country"), "language": _("Language"),
            "material": _("Material")}  # fmt: skip


def report(start: dt.date, end: dt.date) -> Report:
    """The figures of the requests created from start to end (both included)."""
    requests: Iterable[IllRequest] = IllRequest.objects.filter(
        created_at__date__gte=start, created_at__date__lte=end
    ).select_related("partner")
    borrowing, lending, satisfaction = Figures(), Figures(), Figures()
    by: dict[str, dict[str, dict[str, Figures]]] = {
        role: {name: defaultdict(Figures) for name in DIMENSIONS} for role in Role.values
    }
    balance: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for request in requests:
        borrowed = request.role == Role.REQUESTER
        (borrowing if borrowed else lending).add(request)
        for name, key in DIMENSIONS.items():
            by[request.role][name][key(request)].add(request)
        if request.partner is not None:
            balance[str(request.partner)][0 if borrowed else 1] += 1
        if borrowed and request.language and request.language not in CHINESE:
            satisfaction.add(request)
    ordered = {
        role: {name: dict(sorted(groups.items(), key=lambda kv: -kv[1].requests))
               for name, groups in dims.items()}
        for role, dims in by.items()
    }  # fmt: skip
    return Report(
        start, end, borrowing, lending, satisfaction, ordered,
        sorted(((p, b, lent) for p, (b, lent) in balance.items()), key=lambda row: -(row[1] + row[2])),
    )  # fmt: skip


def rows(figures: Figures) -> list:
    """A group's figures as table cells: counts, fill rate, turnaround means and medians."""
    rate = figures.fill_rate
    return [
        figures.requests, figures.closed, figures.filled,
        round(rate * 100, 1) if rate is not None else None,
        Figures.mean(figures.to_shipment), Figures.median(figures.to_shipment),
        Figures.mean(figures.to_receipt), Figures.median(figures.to_receipt),
        Figures.mean(figures.total), Figures.median(figures.total),
    ]  # fmt: skip


def columns() -> list[str]:
    return [
        _("Requests"), _("Closed"), _("Filled"), _("Fill rate (%)"),
        _("Days to shipment, mean"), _("median"), _("Days to receipt, mean"), _("median"),
        _("Days in all, mean"), _("median"),
    ]  # fmt: skip


def xlsx(report: Report) -> bytes:
    """The report as a workbook: a summary sheet and one sheet per side and dimension."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = _("Summary")[:31]
    summary.append([_("From"), report.start, _("To"), report.end])
    summary.append(["", *columns()])
    for label, figures in ((_("Borrowing"), report.borrowing), (_("Lending"), report.lending),
                           (_("Foreign-language borrowing"), report.satisfaction)):  # fmt: skip
        summary.append([label, *rows(figures)])
    labels = dimension_labels()
    for role, role_label in ((Role.REQUESTER, _("Borrowing")), (Role.SUPPLIER, _("Lending"))):
        for name, groups in report.by[role].items():
            sheet = book.create_sheet(f"{role_label} · {labels[name]}"[:31])
            sheet.append([labels[name], *columns()])
            for value, figures in groups.items():
                sheet.append([value, *rows(figures)])
    balance = book.create_sheet(_("Balance")[:31])
    balance.append([_("Partner"), _("We borrowed"), _("It borrowed")])
    for row in report.balance:
        balance.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
