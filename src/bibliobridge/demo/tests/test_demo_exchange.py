import io
import re

import pytest
from django.core.management import call_command

from bibliobridge.exchange.enums import MatchStatus, ShipmentStatus
from bibliobridge.exchange.ledger import ledgers
from bibliobridge.exchange.models import MatchSuggestion, Shipment

pytestmark = pytest.mark.django_db


def test_exchange_in_the_demo(client):
    call_command("demo_data", institutions=60, agreements=10, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_exchange", stdout=out)
    assert "Exchange demo data loaded" in out.getvalue()
    # Our romanised want meets the partner's vernacular offer; its Traditional-character
    # wants meet our Simplified offers.
    suggested = set(MatchSuggestion.objects.values_list("offer__title", "status"))
    assert ("ノルウェイの森", MatchStatus.SUGGESTED) in suggested
    assert ("红楼梦", MatchStatus.SUGGESTED) in suggested
    statuses = set(Shipment.objects.values_list("direction", "status"))
    assert statuses == {("out", ShipmentStatus.SHIPPED), ("in", ShipmentStatus.CHECKED)}
    year = Shipment.objects.get(direction="out").shipped_on.year
    books = [book for book in ledgers(year).values() if book.sent or book.received]
    assert sorted(book.items_sent + book.items_received for book in books) == [2, 2]
    assert all(book.is_complete for book in books)
    # The printed link opens the partner's portal.
    link = re.search(r"http://127\.0\.0\.1:8000(\S+)", out.getvalue()).group(1)
    assert client.get(link).status_code == 200
    again = io.StringIO()
    call_command("demo_exchange", stdout=again)
    assert "not loaded" in again.getvalue()
