import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bibliobridge.core.enums import Action
from bibliobridge.core.models import ActivityLog
from bibliobridge.exchange import portal, queries, services, shipments
from bibliobridge.exchange.enums import ItemStatus, ShipmentStatus
from bibliobridge.exchange.models import Box, ListItem, Shipment, ShipmentItem
from bibliobridge.exchange.workflow import SHIPMENT_MOVES

pytestmark = pytest.mark.django_db


def statuses(items):
    return [ListItem.objects.get(pk=item.pk).status for item in items]


def test_a_shipment_takes_the_partners_reserved_items_into_its_first_box(
    exchange_staff, partner, reserved, prepared
):
    assert (prepared.number, prepared.status, prepared.courier) == (
        f"OUT-{dt.date.today().year}-0001", "prepared", "EMS",
    )  # fmt: skip
    boxes = list(prepared.boxes.values_list("number", flat=True))
    assert boxes == [1, 2]
    lines = list(prepared.items.order_by("id"))
    assert [(line.title, line.quantity, line.value, line.currency, line.box.number)
            for line in lines] == [
        ("红楼梦", 2, Decimal("91.00"), "CNY", 1),
        ("Война и мир", 1, None, "", 1),
        ("한국의 역사", 1, None, "", 1),
    ]  # fmt: skip
    # What the ledger and a MARC record will need is on the line itself.
    assert (lines[0].isbn, lines[0].publisher, lines[0].place, lines[0].year) == (
        "9787020002207", "人民文学出版社", "北京", 1982,
    )  # fmt: skip
    assert statuses(reserved) == ["reserved"] * 3
    # Items in a prepared shipment are not offered for another.
    assert list(queries.reserved_for_shipment(partner)) == []
    with pytest.raises(ValidationError) as error:
        shipments.create_outgoing(exchange_staff, partner, reserved[:1], {})
    assert list(error.value.message_dict) == ["items"]
    assert "红楼梦" in error.value.message_dict["items"][0]
    log = ActivityLog.objects.get(object_id=str(prepared.pk), content_type__model="shipment")
    assert (log.action, log.changes["items"], log.changes["boxes"]) == ("created", 3, 2)


def test_only_items_reserved_for_this_partner_can_go(exchange_staff, partner, offer_list, reserved):
    someone_elses = ListItem.objects.get(title="Someone else's")
    with pytest.raises(ValidationError) as error:
        shipments.create_outgoing(exchange_staff, partner, [reserved[0], someone_elses], {})
    assert error.value.message_dict["items"] == [
        "Not reserved for this partner, or already in a prepared shipment: Someone else's."
    ]
    with pytest.raises(ValidationError) as error:
        shipments.create_outgoing(exchange_staff, partner, [], {})
    assert error.value.message_dict == {"items": ["Choose at least one item."]}
    assert (Shipment.objects.count(), ShipmentItem.objects.count(), Box.objects.count()) == (
        0,
        0,
        0,
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"boxes": 0}, "boxes"),
        ({"boxes": 501}, "boxes"),
        ({"postage": Decimal("12.30")}, "postage_currency"),
        ({"postage": Decimal("12.30"), "postage_currency": "RMB"}, "postage_currency"),
        ({"postage": Decimal("-1"), "postage_currency": "CNY"}, "postage"),
        ({"postage": Decimal("1.234"), "postage_currency": "CNY"}, "postage"),
    ],
)
def test_bad_shipment_values_are_refused_by_field(exchange_staff, partner, reserved, values, field):
    with pytest.raises(ValidationError) as error:
        shipments.create_outgoing(exchange_staff, partner, reserved, values)
    assert field in error.value.message_dict
    assert (Shipment.objects.count(), ShipmentItem.objects.count()) == (0, 0)


def test_boxes_weights_and_lines_change_while_prepared(exchange_staff, prepared):
    first, second = prepared.boxes.all()
    line = prepared.items.get(title="Война и мир")
    shipments.update_box(exchange_staff, first, {"weight_kg": Decimal("4.250")})
    shipments.update_line(
        exchange_staff,
        line,
        {"box": second, "value": Decimal("20"), "currency": "EUR"},
    )
    line.refresh_from_db()
    assert (line.box_id, line.value, line.currency) == (second.pk, Decimal("20.00"), "EUR")
    for values, field in (
        ({"weight_kg": Decimal("0")}, "weight_kg"),
        ({"weight_kg": Decimal("12345.6")}, "weight_kg"),
    ):
        with pytest.raises(ValidationError) as error:
            shipments.update_box(exchange_staff, second, values)
        assert list(error.value.message_dict) == [field]
    for values, field in (
        ({"value": Decimal("5"), "currency": ""}, "currency"),
        ({"value": Decimal("5"), "currency": "XXY"}, "currency"),
        ({"quantity": 0}, "quantity"),
    ):
        with pytest.raises(ValidationError) as error:
            shipments.update_line(exchange_staff, line, values)
        assert list(error.value.message_dict) == [field]
    line.refresh_from_db()
    assert (line.value, line.currency, line.quantity) == (Decimal("20.00"), "EUR", 1)
    third = shipments.add_box(exchange_staff, prepared, {"weight_kg": Decimal("1.5")})
    assert third.number == 3
    shipments.delete_box(exchange_staff, second)
    line.refresh_from_db()
    assert line.box_id is None


def test_shipping_needs_every_item_in_a_box_and_no_empty_box(exchange_staff, prepared, reserved):
    with pytest.raises(shipments.NotShippable) as error:
        shipments.ship(exchange_staff, prepared)
    assert error.value.messages == ["Empty boxes: 2."]
    second = prepared.boxes.get(number=2)
    line = prepared.items.get(title="Война и мир")
    shipments.update_line(exchange_staff, line, {"box": None})
    with pytest.raises(shipments.NotShippable) as error:
        shipments.ship(exchange_staff, prepared)
    assert error.value.messages == ["Not in a box: Война и мир. Empty boxes: 2."]
    shipments.update_line(exchange_staff, line, {"box": second})
    assert Shipment.objects.get(pk=prepared.pk).status == "prepared"
    assert statuses(reserved) == ["reserved"] * 3


def test_shipping_marks_the_items_sent_and_freezes_the_boxes(exchange_staff, prepared, reserved):
    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    shipments.ship(exchange_staff, prepared, dt.date(2026, 11, 20))
    prepared.refresh_from_db()
    assert (prepared.status, prepared.shipped_on) == ("shipped", dt.date(2026, 11, 20))
    assert statuses(reserved) == ["sent"] * 3
    # The ledger still knows where they went.
    assert {item.reserved_for_id for item in ListItem.objects.filter(status="sent")} == {
        prepared.partner_id
    }
    with pytest.raises(shipments.ShipmentNotEditable):
        shipments.add_box(exchange_staff, prepared, {})
    with pytest.raises(shipments.ShipmentNotEditable):
        shipments.update_line(exchange_staff, prepared.items.first(), {"quantity": 5})
    # Tracking is often known only once it has left.
    shipments.update_shipment(exchange_staff, prepared, {"tracking_number": "EE123456789CN"})
    prepared.refresh_from_db()
    assert prepared.tracking_number == "EE123456789CN"


def test_an_item_no_longer_reserved_stops_the_shipment(exchange_staff, prepared, reserved):
    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    ListItem.objects.filter(pk=reserved[1].pk).update(
        status=ItemStatus.AVAILABLE, reserved_for=None
    )
    with pytest.raises(shipments.NotShippable) as error:
        shipments.ship(exchange_staff, prepared)
    assert error.value.messages == ["No longer reserved for the partner: Война и мир."]
    assert statuses(reserved) == ["reserved", "available", "reserved"]


def test_status_moves_legal_and_illegal(exchange_staff, prepared):
    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    for move in (shipments.record_delivery, shipments.record_acknowledgement):
        with pytest.raises(shipments.MoveNotAllowed) as error:
            move(exchange_staff, prepared)
        assert "is “Prepared”, so" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        shipments.ship(exchange_staff, prepared, dt.date.today() + dt.timedelta(days=2))
    assert error.value.message_dict == {"on": ["A date in the future cannot be recorded."]}
    shipments.ship(exchange_staff, prepared, dt.date(2026, 11, 2))
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.ship(exchange_staff, prepared)
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.cancel_shipment(exchange_staff, prepared)
    with pytest.raises(ValidationError) as error:
        shipments.record_delivery(exchange_staff, prepared, dt.date(2026, 11, 1))
    assert list(error.value.message_dict) == ["delivered_on"]
    shipments.record_delivery(exchange_staff, prepared, dt.date(2026, 11, 12))
    shipments.record_acknowledgement(exchange_staff, prepared, dt.date(2026, 11, 25))
    prepared.refresh_from_db()
    assert (prepared.status, prepared.delivered_on, prepared.acknowledged_on) == (
        "acknowledged", dt.date(2026, 11, 12), dt.date(2026, 11, 25),
    )  # fmt: skip
    moves = ActivityLog.objects.filter(
        object_id=str(prepared.pk), content_type__model="shipment", action=Action.TRANSITIONED
    ).order_by("id")
    assert [m.changes["status"] for m in moves] == [
        ["prepared", "shipped"], ["shipped", "delivered"], ["delivered", "acknowledged"],
    ]  # fmt: skip
    for action in ("ship", "deliver", "acknowledge", "cancel"):
        with pytest.raises(shipments.MoveNotAllowed):
            shipments._move(exchange_staff, prepared, SHIPMENT_MOVES, action)


def test_incoming_moves_do_not_apply_to_ours(exchange_staff, prepared):
    for action in ("check", "thank", "discard"):
        with pytest.raises(shipments.MoveNotAllowed):
            shipments._move(exchange_staff, prepared, SHIPMENT_MOVES, action)
    assert Shipment.objects.get(pk=prepared.pk).status == ShipmentStatus.PREPARED


def test_cancelling_returns_the_items_for_another_shipment(
    exchange_staff, partner, prepared, reserved
):
    shipments.cancel_shipment(exchange_staff, prepared)
    prepared.refresh_from_db()
    assert prepared.status == "cancelled"
    assert statuses(reserved) == ["reserved"] * 3
    assert [item.pk for item in queries.reserved_for_shipment(partner)] == [i.pk for i in reserved]
    again = shipments.create_outgoing(exchange_staff, partner, reserved[:2], {})
    assert again.number.endswith("-0002") and again.items.count() == 2
    with pytest.raises(shipments.ShipmentNotEditable):
        shipments.update_shipment(exchange_staff, prepared, {"courier": "DHL"})


def test_removing_and_adding_items_while_prepared(exchange_staff, partner, prepared, reserved):
    line = prepared.items.get(title="한국의 역사")
    shipments.remove_line(exchange_staff, line)
    assert [i.pk for i in queries.reserved_for_shipment(partner)] == [reserved[2].pk]
    assert shipments.add_reserved_items(exchange_staff, prepared, [reserved[2]]) == 1
    assert prepared.items.count() == 3


def test_a_sent_item_may_leave_its_list_and_the_line_keeps_its_description(
    exchange_staff, prepared, reserved
):
    from bibliobridge.exchange import services

    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    shipments.ship(exchange_staff, prepared)
    services.delete_item(exchange_staff, ListItem.objects.get(pk=reserved[0].pk))
    line = prepared.items.get(title="红楼梦")
    assert (line.list_item_id, line.isbn, line.value) == (None, "9787020002207", Decimal("91.00"))


def test_the_shipments_page_reads_the_same_queries_for_one_row_or_many(
    exchange_client, exchange_staff, partner, prepared
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("exchange:shipment_list")
    with CaptureQueriesContext(connection) as one:
        assert exchange_client.get(url).status_code == 200
    for _n in range(4):
        shipments.create_incoming(exchange_staff, partner, {})
    with CaptureQueriesContext(connection) as five:
        page = exchange_client.get(url)
    assert page.content.decode().count("IN-") >= 4
    assert len(five) == len(one)


def test_an_item_the_partner_let_go_of_stays_free_when_the_shipment_is_cancelled(
    exchange_staff, prepared, reserved
):
    ListItem.objects.filter(pk=reserved[1].pk).update(
        status=ItemStatus.AVAILABLE, reserved_for=None
    )
    shipments.cancel_shipment(exchange_staff, prepared)
    assert statuses(reserved) == ["reserved", "available", "reserved"]


def test_items_still_in_the_partners_cart_wait_for_the_order(exchange_staff, offer_list, partner):
    chosen = services.add_item(exchange_staff, offer_list, {"title": "Война и мир"})
    portal.add_to_cart(partner, chosen.pk)
    assert list(queries.reserved_for_shipment(partner)) == []
    portal.submit_cart(partner)
    assert list(queries.reserved_for_shipment(partner)) == [chosen]


def test_copies_left_behind_go_back_on_offer(exchange_staff, partner, prepared, reserved):
    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    line = prepared.items.get(list_item=reserved[0])  # 红楼梦, two copies at 45.50
    with pytest.raises(ValidationError) as error:
        shipments.update_line(exchange_staff, line, {"quantity": 3})
    assert list(error.value.message_dict) == ["quantity"]
    assert "红楼梦" in error.value.message_dict["quantity"][0]
    shipments.update_line(exchange_staff, line, {"quantity": 1})
    line.refresh_from_db()
    assert (line.quantity, line.value) == (1, Decimal("45.50"))

    shipments.ship(exchange_staff, prepared, dt.date(2026, 11, 20))

    sent = ListItem.objects.get(pk=reserved[0].pk)
    assert (sent.status, sent.quantity, sent.reserved_for_id) == ("sent", 1, partner.pk)
    rest = ListItem.objects.exclude(pk=sent.pk).get(title="红楼梦")
    assert (rest.status, rest.quantity, rest.reserved_for_id, rest.exchange_list_id) == (
        "available", 1, None, sent.exchange_list_id,
    )  # fmt: skip
    assert (rest.isbn, rest.price, rest.match_title) == (sent.isbn, sent.price, sent.match_title)
    # The copy left behind is offered again, to this partner or another.
    assert rest in queries.available_offers()
    # Sending every copy leaves nothing behind.
    assert ListItem.objects.filter(title="Война и мир").count() == 1
