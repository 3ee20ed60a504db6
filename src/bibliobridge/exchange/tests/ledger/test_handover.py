"""Received items handed to the library's own system: MARC with 541, MARCXML, CSV."""

import csv
import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pymarc
import pytest
from django.urls import reverse

from bibliobridge.exchange import handover, services
from bibliobridge.exchange.enums import CheckResult, ShipmentStatus
from bibliobridge.partners.tests.factories import InstitutionFactory

from .test_ledger import DAY, received

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


@pytest.fixture
def parcels(exchange_staff, partner):
    services.save_terms(exchange_staff, partner, {"kind": "piece_for_piece"})
    donor = InstitutionFactory(name="Музей книги", name_en="Book Museum", country="RU")
    received(partner, lines=[
        {"title": "吾輩は猫である", "author": "夏目漱石", "publisher": "岩波書店", "place": "東京",
         "year": 1990, "isbn": "4-00-310101-4", "language": "ja", "quantity": 2,
         "value": Decimal("1200"), "currency": "JPY",
         "check_result": CheckResult.RECEIVED, "quantity_received": 2},
        {"title": "Lost", "quantity": 1, "check_result": CheckResult.MISSING, "quantity_received": 0},
    ])  # fmt: skip
    received(donor, lines=[
        {"title": "Книжное дело", "issn": "0023-1932", "issue": "Vol. 3, No. 2 (2026)",
         "language": "rus", "check_result": CheckResult.RECEIVED, "quantity_received": 1},
    ])  # fmt: skip
    received(donor, day=dt.date(2025, 12, 30), lines=[{"title": "Last year"}])
    received(donor, status=ShipmentStatus.RECEIVED, lines=[{"title": "Not checked yet"}])
    return donor


def test_lines_received_in_the_period_with_copies_found(parcels, partner):
    lines = handover.received_lines(START, END)
    assert [(line.title, copies) for line, copies in lines] == [
        ("吾輩は猫である", 2),
        ("Книжное дело", 1),
    ]
    assert [line.title for line, _c in handover.received_lines(START, END, parcels.pk)] == [
        "Книжное дело"
    ]


def test_marc_records_carry_541_and_read_back(parcels, tmp_path):
    data = handover.iso2709(handover.received_lines(START, END))
    records = list(pymarc.MARCReader(data, to_unicode=True, force_utf8=True))
    assert len(records) == 2
    book, serial = records
    assert book["245"]["a"] == "吾輩は猫である" and book["020"]["a"] == "9784003101018"
    assert book["008"].data[35:38] == "jpn" and book["008"].data[7:11] == "1990"
    source = book["541"]
    assert (source["c"], source["d"], source["n"], source["h"]) == (
        "Exchange",
        f"{DAY:%Y%m%d}",
        "2",
        "1200.00 JPY",
    )
    assert source["a"] and source["e"].startswith("IN-")
    assert serial.leader[7] == "s" and serial["022"]["a"] == "0023-1932"
    assert serial["541"]["c"] == "Gift" and serial["362"]["a"].startswith("Vol. 3")
    assert serial["008"].data[35:38] == "rus"
    if shutil.which("yaz-marcdump"):
        path = tmp_path / "received.mrc"
        path.write_bytes(data)
        done = subprocess.run(["yaz-marcdump", "-i", "marc", "-o", "line", str(path)],  # noqa: S603, S607
                              capture_output=True, check=False)  # fmt: skip
        assert done.returncode == 0 and "541" in done.stdout.decode("utf-8", "replace")
    xml = handover.marcxml(handover.received_lines(START, END))
    assert [r["245"]["a"] for r in pymarc.parse_xml_to_array(io.BytesIO(xml))] == [
        "吾輩は猫である",
        "Книжное дело",
    ]


def test_the_csv_opens_with_every_script(parcels):
    rows = list(csv.reader(io.StringIO(handover.csv_text(handover.received_lines(START, END)))))
    assert rows[0][0] == "Shipment" and len(rows) == 3
    assert rows[1][4] == "吾輩は猫である" and rows[1][14] == "2" and rows[2][4] == "Книжное дело"


def test_the_page_downloads_each_format(viewer_client, outsider_client, parcels):
    url = reverse("exchange:handover")
    period = {"start": "2026-01-01", "end": "2026-12-31"}
    page = viewer_client.get(url, period)
    assert page.status_code == 200 and page.context["count"] == 3
    marc = viewer_client.get(url, {**period, "format": "mrc"})
    assert (
        marc["Content-Disposition"].endswith('.mrc"')
        and len(list(pymarc.MARCReader(marc.content))) == 2
    )
    text = viewer_client.get(url, {**period, "format": "csv"}).content
    assert text.startswith("\ufeff".encode()) and "吾輩は猫である" in text.decode("utf-8-sig")
    bad = viewer_client.get(url, {"start": "2026-12-31", "end": "2026-01-01", "format": "mrc"})
    assert bad.status_code == 200 and "end" in bad.context["form"].errors
    assert outsider_client.get(url).status_code == 403
