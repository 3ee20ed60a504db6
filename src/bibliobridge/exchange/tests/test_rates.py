import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bibliobridge.core.models import ActivityLog, CurrencyRate

pytestmark = pytest.mark.django_db

GOOD = {"currency": "usd", "quote_currency": "cny", "rate": "7.2345", "valid_from": "2026-03-01",
        "source": "Bank of China"}  # fmt: skip


@pytest.fixture
def usd(exchange_staff):
    return CurrencyRate.objects.create(
        currency="USD",
        quote_currency="CNY",
        rate=Decimal("7.1"),
        valid_from=datetime.date(2026, 1, 1),
    )


def test_exchange_staff_record_edit_and_delete_a_rate(exchange_client, usd):
    page = exchange_client.get(reverse("exchange:rates"))
    assert page.status_code == 200 and "7.1" in page.content.decode()
    response = exchange_client.post(reverse("exchange:rate_add"), GOOD)
    assert response["Location"] == reverse("exchange:rates")
    new = CurrencyRate.objects.get(valid_from=datetime.date(2026, 3, 1))
    assert (new.currency, new.quote_currency, new.rate) == ("USD", "CNY", Decimal("7.2345"))
    response = exchange_client.post(
        reverse("exchange:rate_edit", args=[new.pk]), {**GOOD, "rate": "7.3"}
    )
    new.refresh_from_db()
    assert new.rate == Decimal("7.3")
    assert ActivityLog.objects.filter(object_id=str(new.pk), action="updated").exists()
    exchange_client.post(reverse("exchange:rate_delete", args=[new.pk]))
    assert not CurrencyRate.objects.filter(pk=new.pk).exists()
    assert ActivityLog.objects.filter(object_id=str(new.pk), action="deleted").exists()


def test_bad_rates_get_field_errors_and_nothing_is_saved(exchange_client, usd):
    bad = {**GOOD, "currency": "usx", "rate": "-1"}
    response = exchange_client.post(reverse("exchange:rate_add"), bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "currency" in errors and "rate" in errors
    same_day = {**GOOD, "valid_from": "2026-01-01"}
    response = exchange_client.post(reverse("exchange:rate_add"), same_day)
    assert response.status_code == 200 and response.context["form"].errors
    assert CurrencyRate.objects.count() == 1


def test_the_filter_shows_rates_of_one_currency(exchange_client, usd):
    CurrencyRate.objects.create(
        currency="JPY",
        quote_currency="CNY",
        rate=Decimal("0.048"),
        valid_from=datetime.date(2026, 1, 1),
    )
    rows = exchange_client.get(reverse("exchange:rates"), {"currency": "jpy"}).context["page"]
    assert [r.currency for r in rows] == ["JPY"]


def test_viewers_see_the_rates_but_change_nothing(viewer_client, outsider_client, usd):
    assert viewer_client.get(reverse("exchange:rates")).status_code == 200
    assert viewer_client.get(reverse("exchange:rates")).context["form"] is None
    assert viewer_client.post(reverse("exchange:rate_add"), GOOD).status_code == 403
    assert viewer_client.get(reverse("exchange:rate_edit", args=[usd.pk])).status_code == 403
    assert viewer_client.post(reverse("exchange:rate_delete", args=[usd.pk])).status_code == 403
    assert outsider_client.get(reverse("exchange:rates")).status_code == 403
    assert CurrencyRate.objects.count() == 1
