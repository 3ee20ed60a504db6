"""The annual report on known data: totals by partner and country, languages, subjects,
and the same figures in the XLSX and the PDF."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pymarc
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from bibliobridge.catalog import imports as catalog_imports
from bibliobridge.core.models import CurrencyRate
from bibliobridge.exchange import report
from bibliobridge.exchange.enums import CheckResult, ShipmentStatus
from bibliobridge.exchange.tests.shipments.pdftext import pdf_text
from bibliobridge.partners.tests.factories import InstitutionFactory

from .test_ledger import received, sent

pytestmark = pytest.mark.django_db

HISTORY_ISBN = "9787020002207"


@pytest.fixture
def catalogued(partner, tmp_path):
    """A record in the union catalogue with the ISBN and two subjects."""
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="s-1"))
    record.add_field(
        pymarc.Field(
            tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", HISTORY_ISBN)]
        )
    )
    record.add_field(
        pymarc.Field(tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", "红楼梦")])
    )
    for subject in ("Chinese fiction", "Qing dynasty"):
        record.add_field(
            pymarc.Field(
                tag="650", indicators=[" ", "0"], subfields=[pymarc.Subfield("a", subject)]
            )
        )
    path = tmp_path / "s.mrc"
    path.write_bytes(record.as_marc())
    catalog_imports.run_import(catalog_imports.start_run(partner, "command", path.name), [path])


@pytest.fixture
def year_of_exchange(partner, catalogued):
    """Known data: a Japanese partner and a German one, values in three currencies."""
    german = InstitutionFactory(
        name="Bayerische Staatsbibliothek", name_en="Bavarian State Library", country="DE"
    )
    CurrencyRate.objects.create(currency="EUR", quote_currency="CNY", rate=Decimal("7.8"),
                                valid_from=dt.date(2026, 1, 1))  # fmt: skip
    CurrencyRate.objects.create(currency="JPY", quote_currency="CNY", rate=Decimal("0.05"),
                                valid_from=dt.date(2026, 1, 1))  # fmt: skip
    sent(partner, postage=Decimal("100"), postage_currency="CNY", lines=[
        {"quantity": 2, "value": Decimal("45.50"), "currency": "CNY", "language": "zh", "isbn": HISTORY_ISBN},
        {"quantity": 1, "language": "zh"},
    ])  # fmt: skip
    received(partner, lines=[
        {"quantity": 3, "value": Decimal("3000"), "currency": "JPY", "language": "ja",
         "check_result": CheckResult.RECEIVED, "quantity_received": 3},
    ])  # fmt: skip
    received(german, lines=[
        {"quantity": 1, "value": Decimal("20"), "currency": "EUR", "language": "ger",
         "check_result": CheckResult.RECEIVED, "quantity_received": 1},
        {"quantity": 1, "value": Decimal("20"), "currency": "USD", "language": "ger",
         "check_result": CheckResult.RECEIVED, "quantity_received": 1},  # no USD rate
    ])  # fmt: skip
    sent(german, day=dt.date(2025, 6, 1), lines=[{"quantity": 9}])  # another year
    sent(german, status=ShipmentStatus.CANCELLED, lines=[{"quantity": 9}])
    return german


@override_settings(EXCHANGE_CURRENCY="CNY")
def test_the_report_adds_up_known_data(partner, year_of_exchange):
    found = report.annual(2026)
    rows = {row.label: row for row in found.partners}
    japan = rows[str(partner)]
    assert (japan.items_sent, japan.items_received, japan.balance_items) == (3, 3, 0)
    assert (japan.value_sent, japan.value_received) == (Decimal("45.50"), Decimal("150.00"))
    assert japan.postage_sent == Decimal("100.00")
    germany = rows[str(year_of_exchange)]
    assert (germany.items_sent, germany.items_received, germany.value_received) == (
        0,
        2,
        Decimal("156.00"),
    )
    assert found.total.items_received == 5 and found.total.value_sent == Decimal("45.50")
    assert {c.label: c.items_received for c in found.countries} == {"Germany": 2, "Japan": 3}
    assert [(name, s, r) for name, s, r in found.languages] == [
        ("Chinese", 3, 0),
        ("Japanese", 0, 3),
        ("German", 0, 2),
    ]
    assert found.subjects == [("Chinese fiction", 2), ("Qing dynasty", 2)]
    assert len(found.problems) == 1 and "USD" in found.problems[0]


@override_settings(EXCHANGE_CURRENCY="CNY")
def test_the_workbook_and_the_pdf_carry_the_same_figures(partner, year_of_exchange):
    found = report.annual(2026)
    book = openpyxl.load_workbook(io.BytesIO(report.xlsx(found)))
    partners = list(book.worksheets[0].iter_rows(values_only=True))
    assert partners[1][0] == "Partner"
    by_name = {row[0]: row for row in partners[2:]}
    assert by_name[str(partner)][1:4] == (3, 3, 0)
    assert Decimal(str(by_name[str(partner)][5])) == Decimal("150")
    assert [s.title for s in book.worksheets] == [
        "Partners",
        "Countries",
        "Languages",
        "Subjects",
        "Problems",
    ]
    with translation.override("zh-hans"):
        text = pdf_text(report.pdf(report.annual(2026)))
        names = [str(year_of_exchange), str(partner)]  # as the reader's language shows them
    assert "2026" in text and all(name in text for name in names)
    assert "日本国立国会图书馆" in names
    assert "Chinese fiction" in text


def test_the_report_pages_and_files(viewer_client, outsider_client, year_of_exchange):
    page = viewer_client.get(reverse("exchange:report"), {"year": 2026})
    assert page.status_code == 200 and page.context["report"].total.items_received == 5
    xlsx = viewer_client.get(reverse("exchange:report_file", args=["xlsx"]), {"year": 2026})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).worksheets[0].max_row >= 4
    pdf = viewer_client.get(reverse("exchange:report_file", args=["pdf"]), {"year": 2026})
    assert pdf.content.startswith(b"%PDF")
    assert viewer_client.get(reverse("exchange:report_file", args=["doc"])).status_code == 404
    assert outsider_client.get(reverse("exchange:report")).status_code == 403
