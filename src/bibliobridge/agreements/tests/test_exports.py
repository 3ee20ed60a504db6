import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bibliobridge.agreements.exports import agreements_ical, ical_fold

from .factories import AgreementFactory, InstitutionFactory


@pytest.fixture
def agreements(db, officer):
    leiden = InstitutionFactory(name_en="Leiden University Libraries", country="NL")
    kyoto = InstitutionFactory(name_en="Kyoto University Library", country="JP")
    first = AgreementFactory(
        title="Exchange with Leiden; books, journals",
        type="publication_exchange",
        status="in_effect",
        effective_date=dt.date(2025, 1, 1),
        expiry_date=dt.date(2027, 12, 31),
        notice_days=90,
        auto_renew=True,
        renewal_months=12,
        owner=officer,
        parties=[leiden, kyoto],
    )
    second = AgreementFactory(
        title="京都大学图书馆馆际互借与文献传递合作协议（互惠）——二〇二六年度至二〇二八年度",
        status="draft",
        expiry_date=dt.date(2028, 6, 30),
        parties=[kyoto],
    )
    return first, second


def test_xlsx_read_back(officer_client, agreements):
    first, second = agreements
    response = officer_client.get(
        reverse("agreements:export_xlsx"), {"type": "publication_exchange"}
    )
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["ID", "Title", "Type", "Status", "Version", "Parties", "Countries", "Effective date",
         "Expiry date", "Notice deadline", "Renews automatically", "Owner"],
        [first.pk, "Exchange with Leiden; books, journals", "Publication exchange", "In effect", 1,
         "Leiden University Libraries; Kyoto University Library", "JP, NL",
         dt.datetime(2025, 1, 1), dt.datetime(2027, 12, 31), dt.datetime(2027, 10, 2), "yes", "Li Wei"],
    ]  # fmt: skip


def test_xlsx_unfiltered_has_every_row(officer_client, agreements):
    response = officer_client.get(reverse("agreements:export_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3


def test_ical_line_by_line(officer_client, agreements):
    first, _second = agreements
    response = officer_client.get(reverse("agreements:export_ical"), {"status": "in_effect"})
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    stamp = next(line for line in lines if line.startswith("DTSTAMP:"))
    assert len(stamp) == len("DTSTAMP:20260101T000000Z") and stamp.endswith("Z")
    url = f"http://127.0.0.1:8000/agreements/{first.pk}/"
    assert lines == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bibliobridge//Agreements//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:agreement-{first.pk}-expiry-20271231@127.0.0.1",
        stamp,
        "DTSTART;VALUE=DATE:20271231",
        "DTEND;VALUE=DATE:20280101",
        "SUMMARY:Agreement expires: Exchange with Leiden\\; books\\, journals",
        "DESCRIPTION:Publication exchange",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"UID:agreement-{first.pk}-notice-20271002@127.0.0.1",
        stamp,
        "DTSTART;VALUE=DATE:20271002",
        "DTEND;VALUE=DATE:20271003",
        "SUMMARY:Notice deadline: Exchange with Leiden\\; books\\, journals",
        "DESCRIPTION:Publication exchange",
        f"URL:{url}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


def test_ical_folds_long_lines_at_75_octets_without_splitting_characters(agreements):
    _first, second = agreements
    text = agreements_ical(
        [second], "https://bb.example.org", "bb.example.org", dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    )
    lines = text.split("\r\n")[:-1]
    summary_start = next(i for i, line in enumerate(lines) if line.startswith("SUMMARY:"))
    folded = [lines[summary_start]]
    for line in lines[summary_start + 1 :]:
        if not line.startswith(" "):
            break
        folded.append(line)
    assert len(folded) == 2
    assert all(len(line.encode()) <= 75 for line in lines)
    assert all(len(line.encode()) >= 73 for line in folded[:-1])  # filled up to a whole character
    unfolded = folded[0] + "".join(line[1:] for line in folded[1:])
    assert unfolded == f"SUMMARY:Agreement expires: {second.title}"
    assert "DTSTAMP:20260501T000000Z" in lines


def test_fold_ascii():
    assert ical_fold("X" * 160) == ["X" * 75, " " + "X" * 74, " " + "X" * 11]
