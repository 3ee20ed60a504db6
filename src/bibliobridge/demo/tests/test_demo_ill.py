import io

import pytest
from django.core.management import call_command

from bibliobridge.ill.enums import Delivery, Role
from bibliobridge.ill.models import IllMessage, IllRequest
from bibliobridge.partners.models import Institution

pytestmark = pytest.mark.django_db


def test_ill_requests_in_many_states_and_a_mock_lender():
    call_command("demo_data", institutions=60, agreements=10, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_ill", stdout=out)
    assert "ILL demo data loaded" in out.getvalue()
    states = set(IllRequest.objects.filter(role=Role.REQUESTER).values_list("state", flat=True))
    assert {"new", "sent", "will_supply", "shipped", "received", "completed",
            "retry_possible"} <= states  # fmt: skip
    assert IllRequest.objects.filter(role=Role.SUPPLIER).count() == 10
    mock = Institution.objects.get(identifiers__value="DE-MOCK1")
    assert mock.endpoints.get().url == "http://127.0.0.1:8626/iso18626"
    # Nothing waits to go to the partners' invented servers.
    assert not IllMessage.objects.filter(delivery=Delivery.PENDING).exists()
    again = io.StringIO()
    call_command("demo_ill", stdout=again)
    assert "not loaded" in again.getvalue()
