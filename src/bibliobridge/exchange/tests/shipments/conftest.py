"""Fixtures of shipments: our offered items reserved for the partner, a shipment of them."""

from decimal import Decimal

import pytest

from bibliobridge.agreements.tests.factories import HomeInstitutionFactory
from bibliobridge.exchange import services, shipments
from bibliobridge.exchange.enums import ItemStatus
from bibliobridge.partners.models import Address


@pytest.fixture
def home(db):
    return HomeInstitutionFactory()


@pytest.fixture
def reserved(exchange_staff, offer_list, partner):
    """Three of our offers reserved for the partner (one priced), one reserved for another."""
    from bibliobridge.partners.tests.factories import InstitutionFactory

    items = [
        services.add_item(exchange_staff, offer_list, values)
        for values in (
            {"title": "红楼梦", "author": "曹雪芹", "isbn": "7-02-000220-X", "quantity": 2,
             "price": Decimal("45.50"), "currency": "CNY", "publisher": "人民文学出版社",
             "place": "北京", "year": 1982, "language": "zh"},
            {"title": "Война и мир", "author": "Толстой, Лев"},
            {"title": "한국의 역사", "author": "이기백"},
        )
    ]  # fmt: skip
    other = services.add_item(exchange_staff, offer_list, {"title": "Someone else's"})
    for item in items:
        services.update_item(exchange_staff, item, {"status": ItemStatus.RESERVED})
    from bibliobridge.exchange.models import ListItem

    ListItem.objects.filter(pk__in=[i.pk for i in items]).update(reserved_for=partner)
    ListItem.objects.filter(pk=other.pk).update(
        status=ItemStatus.RESERVED, reserved_for=InstitutionFactory()
    )
    for item in items:
        item.refresh_from_db()
    return items


@pytest.fixture
def ja_terms(exchange_staff, partner, exchange_contact):
    Address.objects.create(institution=partner, native="東京都千代田区永田町1-10-1", country="JP")
    return services.save_terms(
        exchange_staff, partner, {"kind": "piece_for_piece", "language": "ja",
                                  "contact": exchange_contact},
    )  # fmt: skip


@pytest.fixture
def prepared(exchange_staff, partner, reserved):
    return shipments.create_outgoing(
        exchange_staff, partner, reserved, {"boxes": 2, "courier": "EMS"}
    )
