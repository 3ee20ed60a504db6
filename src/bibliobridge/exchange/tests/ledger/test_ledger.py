"""Ledger arithmetic: counts, values in the ledger's currency, rounding, years, warnings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bibliobridge.core.models import CurrencyRate
from bibliobridge.exchange import ledger, services
from bibliobridge.exchange.enums import CheckResult, Direction, ShipmentStatus
from bibliobridge.exchange.models import Shipment, ShipmentItem
from bibliobridge.partners.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
NUMBERS = iter(range(1, 1000))


def shipment(partner, direction, status, day, postage=None, postage_currency="", lines=()):
    outgoing = direction == Direction.OUTGOING
    made = Shipment.objects.create(
        partner=partner, direction=direction, status=status,
        number=f"{'OUT' if outgoing else 'IN'}-T-{next(NUMBERS):04d}",
        shipped_on=day if outgoing else None, received_on=None if outgoing else day,
        postage=postage, postage_currency=postage_currency,
    )  # fmt: skip
    for values in lines:
        ShipmentItem.objects.create(shipment=made, **{"title": "t", **values})
    return made


def sent(partner, day=DAY, status=ShipmentStatus.SHIPPED, **kwargs):
    return shipment(partner, Direction.OUTGOING, status, day, **kwargs)


def received(partner, day=DAY, status=ShipmentStatus.CHECKED, **kwargs):
    return shipment(partner, Direction.INCOMING, status, day, **kwargs)


def rate(currency, quote, value, day=dt.date(2026, 1, 1)):
    CurrencyRate.objects.create(
        currency=currency, quote_currency=quote, rate=Decimal(value), valid_from=day
    )


@pytest.fixture
def terms(exchange_staff, partner):
    return services.save_terms(
        exchange_staff, partner,
        {"kind": "piece_for_piece", "currency": "CNY", "tolerance_items": 2, "quota_sent": 10},
    )  # fmt: skip


def test_counts_follow_what_was_packed_and_what_the_check_found(partner, terms):
    sent(partner, lines=[{"quantity": 3}, {"quantity": 2}])
    received(
        partner,
        lines=[
            {"quantity": 2, "check_result": CheckResult.RECEIVED, "quantity_received": 2},
            {"quantity": 1, "check_result": CheckResult.MISSING, "quantity_received": 0},
            {"quantity": 4, "check_result": CheckResult.RECEIVED, "quantity_received": 3},
            {"quantity": 1, "check_result": CheckResult.DAMAGED, "quantity_received": 1},
            {"quantity": 1, "check_result": CheckResult.EXTRA, "quantity_received": 1},
        ],
    )
    book = ledger.ledger_for(partner, 2026)
    assert (book.items_sent, book.items_received, book.balance_items) == (5, 7, -2)
    assert book.currency == "CNY" and book.is_complete


def test_values_are_converted_at_the_day_rate_and_rounded_per_line(partner, terms):
    rate("USD", "CNY", "7.1234")
    rate("USD", "CNY", "7.5", dt.date(2026, 6, 1))  # later: not for March
    rate("JPY", "CNY", "0.04811")
    sent(
        partner,
        postage=Decimal("20.00"), postage_currency="USD",
        lines=[
            {"quantity": 1, "value": Decimal("10.00"), "currency": "USD"},  # 71.234 → 71.23
            {"quantity": 2, "value": Decimal("1999"), "currency": "JPY"},  # 96.17189 → 96.17
            {"quantity": 1, "value": Decimal("45.50"), "currency": "CNY"},
            {"quantity": 1},  # no value: counts as an item only
        ],
    )  # fmt: skip
    received(
        partner,
        lines=[
            # 3 of 4 copies came: three quarters of 40 USD = 30 USD = 213.702 → 213.70
            {"quantity": 4, "value": Decimal("40.00"), "currency": "USD",
             "check_result": CheckResult.RECEIVED, "quantity_received": 3},
            {"quantity": 1, "value": Decimal("99"), "currency": "USD",
             "check_result": CheckResult.MISSING, "quantity_received": 0},
        ],
    )  # fmt: skip
    book = ledger.ledger_for(partner, 2026)
    assert book.value_sent == Decimal("71.23") + Decimal("96.17") + Decimal("45.50")
    assert book.value_received == Decimal("213.70")
    assert book.balance_value == Decimal("212.90") - Decimal("213.70")
    assert book.postage_sent == Decimal("142.47")  # 20 × 7.1234 = 142.468


def test_a_missing_rate_is_named_and_left_out_never_counted_as_zero_silently(partner, terms):
    made = sent(partner, lines=[{"quantity": 1, "value": Decimal("5"), "currency": "EUR", "title": "Faust"},
                               {"quantity": 1, "value": Decimal("7"), "currency": "CNY"}])  # fmt: skip
    book = ledger.ledger_for(partner, 2026)
    assert book.value_sent == Decimal("7.00") and book.items_sent == 2
    assert not book.is_complete
    assert len(book.problems) == 1
    assert (
        made.number in book.problems[0]
        and "Faust" in book.problems[0]
        and "EUR" in book.problems[0]
    )


def test_only_shipments_that_left_or_arrived_in_the_year_count(partner, terms):
    sent(partner, day=dt.date(2025, 12, 31), lines=[{"quantity": 1}])
    sent(partner, day=dt.date(2026, 1, 1), lines=[{"quantity": 2}])
    sent(partner, status=ShipmentStatus.DELIVERED, lines=[{"quantity": 4}])
    sent(partner, status=ShipmentStatus.CANCELLED, lines=[{"quantity": 8}])
    Shipment.objects.create(partner=partner, direction=Direction.OUTGOING, number="OUT-P",
                            status=ShipmentStatus.PREPARED)  # fmt: skip
    received(partner, day=dt.date(2027, 1, 1), lines=[{"quantity": 16}])
    received(partner, status=ShipmentStatus.CANCELLED, lines=[{"quantity": 32}])
    assert ledger.ledger_for(partner, 2026).items_sent == 6
    assert ledger.ledger_for(partner, 2025).items_sent == 1
    assert ledger.ledger_for(partner, 2026).items_received == 0
    assert ledger.years_with_shipments(partner) == [2027, 2026, 2025]


def test_warnings_follow_the_kind_of_exchange(exchange_staff, partner, terms):
    sent(partner, lines=[{"quantity": 2}])
    assert ledger.ledger_for(partner, 2026).alerts == []  # 2 ahead, 2 allowed
    sent(partner, lines=[{"quantity": 1}])
    alerts = ledger.ledger_for(partner, 2026).alerts
    assert len(alerts) == 1 and "3" in alerts[0] and "2" in alerts[0]
    sent(partner, lines=[{"quantity": 7}])  # 10 sent: the quota
    assert any("10" in a for a in ledger.ledger_for(partner, 2026).alerts[1:])
    services.save_terms(exchange_staff, partner, {"kind": "blanket", "tolerance_items": 0})
    assert len(ledger.ledger_for(partner, 2026).alerts) == 1  # only the quota
    services.save_terms(
        exchange_staff, partner,
        {"kind": "priced", "currency": "CNY", "tolerance_value": Decimal("100"), "quota_sent": None},
    )  # fmt: skip
    received(partner, lines=[{"quantity": 1, "value": Decimal("100.01"), "currency": "CNY",
                              "check_result": CheckResult.RECEIVED, "quantity_received": 1}])  # fmt: skip
    alerts = ledger.ledger_for(partner, 2026).alerts
    assert len(alerts) == 1 and "100.01" in alerts[0]


def test_every_partner_with_terms_or_shipments_has_a_ledger(partner, terms):
    other = InstitutionFactory(name_en="Bayerische Staatsbibliothek")
    received(other, lines=[{"quantity": 1}])
    found = ledger.ledgers(2026)
    assert set(found) == {partner.pk, other.pk}
    assert found[other.pk].currency == "CNY" and found[other.pk].terms is None
    assert found[other.pk].alerts == []


def test_the_pages_show_the_ledger_to_those_who_may_see_it(
    viewer_client, outsider_client, partner, terms
):
    rate("USD", "CNY", "7")
    sent(partner, lines=[{"quantity": 3, "value": Decimal("2"), "currency": "USD"}])
    page = viewer_client.get(reverse("exchange:ledger_index"), {"year": 2026})
    assert page.status_code == 200
    assert [book.items_sent for book, _url in page.context["rows"]] == [3]
    detail = viewer_client.get(reverse("exchange:ledger_detail", args=[partner.pk]), {"year": 2026})
    assert detail.status_code == 200 and "14.00" in detail.content.decode()
    assert viewer_client.get(reverse("exchange:ledger_index"), {"year": "20x6"}).status_code == 404
    for url in (
        reverse("exchange:ledger_index"),
        reverse("exchange:ledger_detail", args=[partner.pk]),
    ):
        assert outsider_client.get(url).status_code == 403


@pytest.mark.parametrize(
    ("kind", "warns_on_count", "warns_on_value"),
    [
        ("piece_for_piece", True, False),
        ("selective", True, False),
        ("priced", False, True),
        ("blanket", False, False),
    ],
)
def test_each_kind_of_exchange_weighs_its_own_balance(
    exchange_staff, partner, kind, warns_on_count, warns_on_value
):
    services.save_terms(
        exchange_staff, partner,
        {"kind": kind, "currency": "EUR", "tolerance_items": 1, "tolerance_value": Decimal("10")},
    )  # fmt: skip
    # Four items more than received, but of less value: 4 × 1 EUR against 1 × 30 EUR.
    sent(partner, lines=[{"quantity": 4, "value": Decimal("4"), "currency": "EUR"}])
    received(partner, lines=[{"quantity": 1, "value": Decimal("30"), "currency": "EUR",
                              "check_result": CheckResult.RECEIVED, "quantity_received": 1}])  # fmt: skip
    book = ledger.ledger_for(partner, 2026)
    assert (book.balance_items, book.balance_value) == (3, Decimal("-26.00"))
    alerts = book.alerts
    assert bool(alerts) == (warns_on_count or warns_on_value)
    if warns_on_count:
        assert "sent 3 more" in alerts[0]
    if warns_on_value:
        assert "received 26.00 EUR more" in alerts[0]


def test_warnings_show_on_the_exchange_pages(exchange_client, partner, terms):
    today = timezone.localdate()
    sent(partner, day=today, lines=[{"quantity": 5}])  # 5 ahead, 2 allowed
    index = exchange_client.get(reverse("exchange:index"))
    assert [book.partner for book in index.context["warned"]] == [partner]
    detail = exchange_client.get(reverse("exchange:terms_detail", args=[partner.pk]))
    assert len(detail.context["alerts"]) == 1 and "5" in detail.context["alerts"][0]
