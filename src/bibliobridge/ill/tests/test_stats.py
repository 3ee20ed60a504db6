"""ILL statistics on known data: fill rate, turnaround, satisfaction, balance, the XLSX."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bibliobridge.ill import stats
from bibliobridge.ill.enums import Role, Service, State
from bibliobridge.ill.models import IllRequest

DAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def made(role, partner, language="", days_to_supply=None, days_to_close=None, locally=False,
         reason="", service=Service.LOAN, received_after=None):  # fmt: skip
    """A request created on DAY, supplied and closed so many days later."""
    return IllRequest.objects.create(
        role=role, service=service, our_id=f"T-{IllRequest.objects.count()}", title="T",
        partner=partner, language=language, reason_unfilled=reason, filled_locally=locally,
        state=State.COMPLETED if days_to_close is not None else State.SENT, created_at=DAY,
        supplied_at=DAY + dt.timedelta(days=days_to_supply) if days_to_supply else None,
        received_at=DAY + dt.timedelta(days=received_after) if received_after else None,
        closed_at=DAY + dt.timedelta(days=days_to_close) if days_to_close is not None else None,
    )  # fmt: skip


@pytest.fixture
def known(network):
    de, fr = network.lenders
    made(Role.REQUESTER, de, "ger", days_to_supply=4, received_after=6, days_to_close=30)
    made(Role.REQUESTER, de, "ger", days_to_supply=8, received_after=10, days_to_close=40)
    made(Role.REQUESTER, fr, "fre", days_to_close=5, reason="NotOnShelf")  # closed, not filled
    made(Role.REQUESTER, None, "eng", days_to_close=1, locally=True)  # met from our shelves
    made(Role.REQUESTER, fr, "chi", days_to_supply=2, days_to_close=3, service=Service.COPY)
    made(Role.REQUESTER, fr, "jpn")  # still open
    made(Role.SUPPLIER, fr, "", days_to_supply=1, days_to_close=20)
    made(Role.SUPPLIER, fr, "", days_to_close=1, reason="NotHeld")


def test_figures_on_known_data(known):
    report = stats.report(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    b = report.borrowing
    assert (b.requests, b.closed, b.filled) == (6, 5, 4)
    assert b.fill_rate == pytest.approx(0.8)
    assert (stats.Figures.mean(b.to_shipment), stats.Figures.median(b.to_shipment)) == (4.7, 4.0)
    assert (stats.Figures.mean(b.to_receipt), stats.Figures.median(b.to_receipt)) == (8.0, 8.0)
    assert stats.Figures.median(b.total) == 16.5  # of 1, 3, 30, 40
    assert dict(b.reasons) == {"NotOnShelf": 1}
    # Foreign-language: ger, ger, fre, eng closed (chi is Chinese, jpn still open): 3 of 4.
    s = report.satisfaction
    assert (s.requests, s.closed, s.filled) == (5, 4, 3)
    lending = report.lending
    assert (lending.closed, lending.filled, lending.fill_rate) == (2, 1, 0.5)
    by_partner = report.by[Role.REQUESTER]["partner"]
    assert [v.requests for v in by_partner.values()] == [3, 2, 1]  # FR-2, DE-1, none
    assert by_partner["—"].filled == 1
    assert {(b, lent) for _p, b, lent in report.balance} == {(2, 0), (3, 2)}


def test_a_period_leaves_out_the_rest(known):
    report = stats.report(dt.date(2026, 4, 1), dt.date(2026, 12, 31))
    assert report.borrowing.requests == 0 and report.satisfaction.fill_rate is None


def test_the_page_and_the_workbook(viewer_client, outsider_client, known):
    url = reverse("ill:statistics")
    assert outsider_client.get(url).status_code == 403
    page = viewer_client.get(url, {"start": "2026-01-01", "end": "2026-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="satisfaction">75 %' in html and "NotOnShelf" in html
    book = viewer_client.get(url, {"start": "2026-01-01", "end": "2026-12-31", "format": "xlsx"})
    sheets = load_workbook(io.BytesIO(book.content))
    summary = list(sheets.worksheets[0].iter_rows(values_only=True))
    assert summary[2][:5] == ("Borrowing", 6, 5, 4, 80.0)
    assert summary[4][:5] == ("Foreign-language borrowing", 5, 4, 3, 75.0)
