import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from bibliobridge.exchange import services, shipments
from bibliobridge.exchange.enums import ListKind
from bibliobridge.exchange.models import Claim, Shipment, ShipmentItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def incoming(exchange_staff, partner):
    shipment = shipments.create_incoming(
        exchange_staff, partner,
        {"partner_reference": "NDL-2026-17", "received_on": dt.date(2026, 11, 24),
         "shipped_on": dt.date(2026, 11, 10), "courier": "Japan Post"},
    )  # fmt: skip
    for values in (
        {"title": "国立国会図書館月報", "issn": "0027-9153", "issue": "No. 755 (2026)",
         "quantity": 1, "value": Decimal("800"), "currency": "JPY", "publisher": "国立国会図書館",
         "place": "東京", "year": 2026, "language": "jpn"},
        {"title": "国立国会図書館月報", "issn": "0027-9153", "issue": "No. 756 (2026)"},
        {"title": "日本の図書館", "author": "日本図書館協会", "isbn": "978-4-8204-2306-5",
         "quantity": 3},
    ):  # fmt: skip
        shipments.add_line(exchange_staff, shipment, values)
    return shipment


def lines(shipment):
    return list(shipment.items.order_by("id"))


def test_a_partners_shipment_is_numbered_and_its_packing_list_entered(exchange_staff, incoming):
    assert (incoming.number, incoming.status, incoming.direction) == (
        f"IN-{dt.date.today().year}-0001", "received", "in",
    )  # fmt: skip
    first, second, book = lines(incoming)
    assert (first.issn, first.issue, first.value, first.currency, first.language) == (
        "0027-9153", "No. 755 (2026)", Decimal("800.00"), "JPY", "jpn",
    )  # fmt: skip
    assert (book.isbn, book.quantity, book.check_result) == ("9784820423065", 3, "")
    with pytest.raises(ValidationError) as error:
        shipments.add_line(exchange_staff, incoming, {"title": "X", "value": Decimal(1)})
    assert list(error.value.message_dict) == ["currency"]
    with pytest.raises(ValidationError) as error:
        shipments.create_incoming(
            exchange_staff, incoming.partner,
            {"shipped_on": dt.date(2026, 11, 25), "received_on": dt.date(2026, 11, 24)},
        )  # fmt: skip
    assert list(error.value.message_dict) == ["received_on"]
    with pytest.raises(ValidationError) as error:
        shipments.create_incoming(
            exchange_staff, incoming.partner, {"received_on": dt.date.today() + dt.timedelta(2)}
        )
    assert error.value.message_dict == {"received_on": ["A date in the future cannot be recorded."]}
    assert Shipment.objects.count() == 1


def test_the_check_records_discrepancies_all_or_nothing(exchange_staff, incoming):
    first, second, book = lines(incoming)
    extra = shipments.add_line(exchange_staff, incoming, {"title": "Unlisted", "extra": True})
    rows = {
        first.pk: {"check_result": "received"},
        second.pk: {"check_result": "missing", "check_note": "not in the box"},
        book.pk: {"check_result": "received", "quantity_received": 5},
    }
    with pytest.raises(ValidationError) as error:
        shipments.record_check(exchange_staff, incoming, rows)
    assert error.value.messages == [
        "“日本の図書館”: 5 received of 3 listed; enter the others as an extra item."
    ]
    assert [line.check_result for line in lines(incoming)] == ["", "", "", "extra"]
    del rows[book.pk]
    with pytest.raises(ValidationError) as error:
        shipments.record_check(exchange_staff, incoming, rows)
    assert error.value.messages == ["“日本の図書館” has not been checked."]
    rows[book.pk] = {"check_result": "damaged", "quantity_received": 2, "check_note": "wet"}
    shipments.record_check(exchange_staff, incoming, rows)
    incoming.refresh_from_db()
    assert incoming.status == "checked"
    found = [(ln.check_result, ln.quantity_received, ln.missing_quantity, ln.is_discrepancy)
             for ln in lines(incoming)]  # fmt: skip
    assert found == [
        ("received", 1, 0, False), ("missing", 0, 1, True), ("damaged", 2, 1, True),
        ("extra", 1, 0, True),
    ]  # fmt: skip
    assert extra.check_result == "extra"
    # Lines are fixed once checked, but for an extra item found late; the check itself
    # may be corrected.
    with pytest.raises(shipments.ShipmentNotEditable):
        shipments.add_line(exchange_staff, incoming, {"title": "Late"})
    late = shipments.add_line(exchange_staff, incoming, {"title": "Late", "extra": True})
    assert (late.check_result, late.quantity_received) == ("extra", 1)
    rows[second.pk] = {"check_result": "received"}
    shipments.record_check(exchange_staff, incoming, rows)
    assert ShipmentItem.objects.get(pk=second.pk).check_result == "received"


def test_lines_can_come_from_the_partners_offer_list(exchange_staff, partner, incoming):
    offers = services.create_list(
        exchange_staff, {"name": "NDL duplicates", "kind": ListKind.OFFER, "partner": partner}
    )
    item = services.add_item(
        exchange_staff, offers, {"title": "古事記", "isbn": "4003000110", "quantity": 2}
    )
    assert shipments.add_lines_from_list(exchange_staff, incoming, [item]) == 1
    line = incoming.items.get(list_item=item)
    assert (line.title, line.isbn, line.quantity) == ("古事記", item.isbn, 2)


def test_acknowledgement_after_the_check_mailed_to_the_exchange_contact(
    exchange_staff, incoming, ja_terms, home, django_capture_on_commit_callbacks
):
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.send_acknowledgement(exchange_staff, incoming)
    shipments.record_check(
        exchange_staff, incoming,
        {line.pk: {"check_result": "received"} for line in lines(incoming)},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        shipments.send_acknowledgement(exchange_staff, incoming, dt.date(2026, 11, 25), mail=True)
    incoming.refresh_from_db()
    assert (incoming.status, incoming.acknowledged_on) == ("acknowledged", dt.date(2026, 11, 25))
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    # Japanese has no template of ours: the letter is in English.
    assert sent.to == ["sato@ndl.example"]
    assert sent.subject == "Thank you for your shipment NDL-2026-17"
    assert "National Diet Library" in sent.body and "5 items" in sent.body
    assert sent.attachments[0][0].endswith("-acknowledgement.pdf")
    assert sent.attachments[0][1].startswith(b"%PDF-")


def test_no_mail_without_a_contact_and_nothing_moves(exchange_staff, incoming):
    shipments.record_check(
        exchange_staff, incoming,
        {line.pk: {"check_result": "received"} for line in lines(incoming)},
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        shipments.send_acknowledgement(exchange_staff, incoming, mail=True)
    assert list(error.value.message_dict) == ["mail"]
    assert Shipment.objects.get(pk=incoming.pk).status == "checked"


def test_missing_serial_issues_are_claimed_once(
    exchange_staff, incoming, ja_terms, home, django_capture_on_commit_callbacks
):
    first, second, book = lines(incoming)
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.claim_missing(exchange_staff, incoming)
    shipments.record_check(
        exchange_staff, incoming,
        {first.pk: {"check_result": "received"}, second.pk: {"check_result": "missing"},
         book.pk: {"check_result": "received", "quantity_received": 2}},
    )  # fmt: skip
    claims = shipments.claim_missing(exchange_staff, incoming)
    # The short book is no serial: it is a discrepancy, not a claim.
    assert [(c.title, c.issn, c.issue, c.quantity, c.status) for c in claims] == [
        ("国立国会図書館月報", "0027-9153", "No. 756 (2026)", 1, "open")
    ]
    with pytest.raises(ValidationError):
        shipments.claim_missing(exchange_staff, incoming)
    claim = claims[0]
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.record_claim_received(exchange_staff, claim)
    with django_capture_on_commit_callbacks(execute=True):
        shipments.send_claim(exchange_staff, claim, dt.date(2026, 11, 20), mail=True)
    assert mail.outbox[0].subject == "Claim for a missing issue: 国立国会図書館月報 No. 756 (2026)"
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.update_claim(exchange_staff, claim, {"issue": "No. 757"})
    with pytest.raises(ValidationError) as error:
        shipments.record_claim_received(exchange_staff, claim, dt.date(2026, 11, 1))
    assert list(error.value.message_dict) == ["closed_on"]
    shipments.record_claim_received(exchange_staff, claim, dt.date(2026, 11, 25))
    claim.refresh_from_db()
    assert (claim.status, claim.sent_on, claim.closed_on) == (
        "received", dt.date(2026, 11, 20), dt.date(2026, 11, 25),
    )  # fmt: skip
    with pytest.raises(shipments.MoveNotAllowed):
        shipments.cancel_claim(exchange_staff, claim)


def test_a_claim_typed_in_and_cancelled(exchange_staff, partner):
    with pytest.raises(ValidationError) as error:
        shipments.create_claim(exchange_staff, partner, {"title": "Journal", "quantity": 0})
    assert sorted(error.value.message_dict) == ["issue", "quantity"]
    claim = shipments.create_claim(
        exchange_staff, partner, {"title": "Вестник", "issn": "0869-5873", "issue": "2026, № 3"}
    )
    shipments.cancel_claim(exchange_staff, claim)
    assert Claim.objects.get(pk=claim.pk).status == "cancelled"
