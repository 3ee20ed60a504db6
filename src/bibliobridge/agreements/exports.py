"""The agreement list as a spreadsheet, and its deadlines as an iCalendar feed."""

import datetime as dt
import io
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .enums import DeadlineKind
from .models import Agreement


def xlsx_columns() -> list[str]:
    return [
        _("ID"), _("Title"), _("Type"), _("Status"), _("Version"), _("Parties"),
        _("Countries"), _("Effective date"), _("Expiry date"), _("Notice deadline"),
        _("Renews automatically"), _("Owner"),
    ]  # fmt: skip


def agreements_xlsx(agreements: Iterable[Agreement]) -> bytes:
    """One row per agreement; dates as real dates so Excel can sort and filter them."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Agreements")[:31]
    sheet.append(xlsx_columns())
    for agreement in agreements:
        parties = list(agreement.parties.all())
        sheet.append(
            [
                agreement.pk,
                agreement.title,
                str(agreement.get_type_display()),
                str(agreement.get_status_display()),
                agreement.version,
                "; ".join(str(p.institution) for p in parties),
                ", ".join(sorted({p.institution.country for p in parties})),
                agreement.effective_date,
                agreement.expiry_date,
                agreement.notice_deadline,
                _("yes") if agreement.auto_renew else _("no"),
                str(agreement.owner) if agreement.owner else "",
            ]
        )
    for column in (8, 9, 10):
        for cell in sheet[get_column_letter(column)][1:]:
            cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ical_escape(text: str) -> str:
    """TEXT value escaping of RFC 5545 §3.3.11."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ical_fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets (RFC 5545 §3.1),
    never inside a UTF-8 character; continuation pieces start with a space."""
    pieces: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    pieces.append(current)
    return pieces


def agreements_ical(
    agreements: Iterable[Agreement], base_url: str, host: str, now: dt.datetime
) -> str:
    """A VCALENDAR with one all-day VEVENT per expiry and notice deadline."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bibliobridge//Agreements//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for agreement in agreements:
        for kind, day in agreement.deadlines():
            if kind == DeadlineKind.NOTICE:
                summary = _("Notice deadline: %(title)s") % {"title": agreement.title}
            else:
                summary = _("Agreement expires: %(title)s") % {"title": agreement.title}
            url = base_url.rstrip("/") + reverse("agreements:detail", args=[agreement.pk])
            lines += [
                "BEGIN:VEVENT",
                f"UID:agreement-{agreement.pk}-{kind}-{day:%Y%m%d}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
                f"SUMMARY:{ical_escape(summary)}",
                f"DESCRIPTION:{ical_escape(str(agreement.get_type_display()))}",
                f"URL:{url}",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in ical_fold(line))
