"""Requests through their states: staff actions, partners' messages, the outbox, refusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill import services
from bibliobridge.ill.enums import Delivery, Direction, Role, Service, State
from bibliobridge.ill.models import IllMessage, IllRequest, RotaEntry
from bibliobridge.ill.receive import Caller, receive

from .conftest import partner_request, requester_says, supplier_says


def deliver(network, message, lender=None, secret=None, version="1.2") -> proto.Confirmation:
    """Post a partner's message to our receiving side; its parsed confirmation."""
    sender = lender or network.lenders[0]
    bearer = network.secret(sender) if secret is None else secret
    answer = receive(proto.write(message, version), Caller("127.0.0.1", bearer))
    return proto.parse_confirmation(answer)


def outbox(request: IllRequest) -> list[IllMessage]:
    return list(request.messages.filter(direction=Direction.OUTGOING).order_by("id"))


@pytest.fixture
def borrowing(network, ill_staff) -> IllRequest:
    request = services.create_request(
        ill_staff, Role.REQUESTER, service=Service.LOAN, title="Der Zauberberg",
        author="Mann, Thomas", isbn="9783100482280", patron_name="王小明",
    )  # fmt: skip
    services.set_rota(ill_staff, request, [(lender, "holds it") for lender in network.lenders])
    return request


def test_a_loan_borrowed_from_request_to_return(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    assert borrowing.state == State.SENT and borrowing.partner == network.lenders[0]
    (sent,) = outbox(borrowing)
    assert (sent.kind, sent.event, sent.delivery) == ("request", "Request", Delivery.PENDING)
    version, message = proto.parse(sent.body.encode())
    assert message.header.requesting_agency_request_id == borrowing.our_id
    assert message.bibliographic.item_ids == [("ISBN", "9783100482280")]

    assert deliver(network, supplier_says(borrowing.our_id, "DE-1", "WillSupply",
                                          "RequestResponse")).ok  # fmt: skip
    due = dt.datetime(2027, 1, 15, tzinfo=dt.UTC)
    assert deliver(network, supplier_says(borrowing.our_id, "DE-1", "Loaned", due_date=due)).ok
    borrowing.refresh_from_db()
    assert borrowing.state == State.SHIPPED and borrowing.due_date == dt.date(2027, 1, 15)
    assert borrowing.their_id == f"DE-1-{borrowing.our_id}"
    assert borrowing.rota.get(position=1).outcome == RotaEntry.Outcome.SUPPLIED

    services.transition(borrowing, "receive", ill_staff)
    services.transition(borrowing, "return", ill_staff)
    assert [m.event for m in outbox(borrowing)] == ["Request", "Received", "ShippedReturn"]
    assert deliver(network, supplier_says(borrowing.our_id, "DE-1", "LoanCompleted")).ok
    borrowing.refresh_from_db()
    assert borrowing.state == State.COMPLETED and not borrowing.attention
    incoming = borrowing.messages.filter(direction=Direction.INCOMING)
    assert [m.event for m in incoming] == ["WillSupply", "Loaned", "LoanCompleted"]


def test_unfilled_moves_to_the_next_lender_then_to_staff(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    unfilled = supplier_says(borrowing.our_id, "DE-1", "Unfilled", "RequestResponse",
                             reason_unfilled="NotOnShelf")  # fmt: skip
    assert deliver(network, unfilled).ok
    borrowing.refresh_from_db()
    assert borrowing.state == State.SENT and borrowing.partner == network.lenders[1]
    assert [m.partner for m in outbox(borrowing)] == network.lenders
    # The second lender speaks 2021-2: the request to it was written in that version.
    assert outbox(borrowing)[1].version == "2021-2"
    last = supplier_says(borrowing.our_id, "FR-2", "Unfilled", "RequestResponse")
    assert deliver(network, last, lender=network.lenders[1], version="2021-2").ok
    borrowing.refresh_from_db()
    assert borrowing.state == State.END_OF_ROTA and borrowing.attention
    outcomes = list(borrowing.rota.values_list("outcome", flat=True))
    assert outcomes == [RotaEntry.Outcome.UNFILLED, RotaEntry.Outcome.UNFILLED]


def test_conditions_wait_for_staff(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    offer = supplier_says(borrowing.our_id, "DE-1", "RetryPossible", "RequestResponse",
                          reason_retry="CostExceedsMaxCost",
                          offered_costs=proto.Costs(Decimal("12.50"), "EUR"))  # fmt: skip
    assert deliver(network, offer).ok
    borrowing.refresh_from_db()
    assert borrowing.state == State.RETRY_POSSIBLE and borrowing.attention
    assert (borrowing.cost, borrowing.cost_currency) == (Decimal("12.50"), "EUR")
    services.transition(borrowing, "retry", ill_staff)
    retry = outbox(borrowing)[-1]
    assert retry.partner == network.lenders[0]
    assert proto.parse(retry.body.encode())[1].service.request_type == "Retry"


def test_the_same_message_twice_is_applied_once(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    body = proto.write(supplier_says(borrowing.our_id, "DE-1", "WillSupply"), "1.2")
    caller = Caller("127.0.0.1", network.secret(network.lenders[0]))
    first, second = receive(body, caller), receive(body, caller)
    assert first == second and proto.parse_confirmation(first).ok
    assert borrowing.messages.filter(direction=Direction.INCOMING).count() == 1


@pytest.mark.parametrize(
    ("secret", "lender_isil", "detail"),
    [
        ("wrong", "DE-1", "did not authenticate"),
        (None, "XX-9", "unknown agency"),
    ],
)
def test_strangers_and_wrong_secrets_are_refused(network, borrowing, ill_staff, secret,
                                                 lender_isil, detail):  # fmt: skip
    services.transition(borrowing, "submit", ill_staff)
    answer = deliver(network, supplier_says(borrowing.our_id, lender_isil, "Loaned"), secret=secret)
    assert (answer.message_status, answer.error_type) == ("ERROR", "UnrecognisedDataValue")
    assert detail in answer.error_value
    borrowing.refresh_from_db()
    assert borrowing.state == State.SENT
    kept = IllMessage.objects.get(direction=Direction.INCOMING)
    assert kept.error_type == "UnrecognisedDataValue"


def test_an_unexpected_status_is_refused_and_flagged(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    answer = deliver(network, supplier_says(borrowing.our_id, "DE-1", "LoanCompleted"))
    assert answer.error_type == "UnrecognisedDataValue"
    borrowing.refresh_from_db()
    assert borrowing.state == State.SENT and borrowing.attention
    assert "LoanCompleted" in borrowing.attention_note


def test_a_status_for_someone_elses_request_is_refused(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    # FR-2 is known and authenticates, but the request was sent to DE-1.
    answer = deliver(network, supplier_says(borrowing.our_id, "FR-2", "Loaned"),
                     lender=network.lenders[1])  # fmt: skip
    assert answer.error_type == "UnrecognisedDataValue"


def test_lending_a_book_to_a_partner(network, ill_staff):
    assert deliver(network, partner_request("their-1", "DE-1")).ok
    lending = IllRequest.objects.get(role=Role.SUPPLIER)
    assert (lending.state, lending.attention, lending.partner) == (
        State.NEW,
        True,
        network.lenders[0],
    )
    assert (lending.title, lending.isbn, lending.their_id) == (
        "Der Zauberberg",
        "9783100482280",
        "their-1",
    )
    services.transition(lending, "will_supply", ill_staff)
    services.transition(lending, "ship", ill_staff, {"due_date": dt.date(2027, 2, 1)})
    assert deliver(network, requester_says("their-1", "DE-1", "Received")).ok
    assert deliver(network, requester_says("their-1", "DE-1", "Renew")).ok
    lending.refresh_from_db()
    assert lending.state == State.RENEW_REQUESTED and lending.attention
    services.transition(lending, "approve_renew", ill_staff, {"due_date": dt.date(2027, 3, 1)})
    assert deliver(network, requester_says("their-1", "DE-1", "StatusRequest")).ok
    assert deliver(network, requester_says("their-1", "DE-1", "ShippedReturn")).ok
    services.transition(lending, "check_in", ill_staff)
    sent = [proto.parse(m.body.encode())[1] for m in outbox(lending)]
    assert [(m.reason_for_message, m.status, m.answer_yes_no) for m in sent] == [
        ("RequestResponse", "WillSupply", None),
        ("StatusChange", "Loaned", None),
        ("RenewResponse", "Loaned", True),
        ("StatusRequestResponse", "Loaned", None),
        ("StatusChange", "LoanCompleted", None),
    ]
    assert sent[2].due_date.date() == dt.date(2027, 3, 1)
    assert all(m.header.supplying_agency_request_id == lending.our_id for m in sent)


def test_a_borrower_that_lost_our_book_or_sent_it_on_is_put_before_staff(network, ill_staff):
    assert deliver(network, partner_request("their-5", "DE-1")).ok
    lending = IllRequest.objects.get(their_id="their-5")
    services.transition(lending, "ship", ill_staff, {"due_date": dt.date(2027, 2, 1)})
    assert deliver(network, requester_says("their-5", "DE-1", "Received")).ok
    lending.refresh_from_db()
    assert (lending.state, lending.attention) == (State.ON_LOAN, False)

    with translation.override("en"):
        forwarded = requester_says("their-5", "DE-1", "ShippedForward")
        forwarded.note = "to FR-2"
        assert deliver(network, forwarded).ok  # 1.2
        lending.refresh_from_db()
        assert (lending.state, lending.attention) == (State.ON_LOAN, True)
        assert lending.attention_note == "The borrower sent the item on to another library. to FR-2"
        assert deliver(network, requester_says("their-5", "DE-1", "Lost"), version="2021-2").ok
    lending.refresh_from_db()
    assert (lending.state, lending.attention_note) == (
        State.ON_LOAN, "The borrower reports the item lost.",
    )  # fmt: skip
    assert list(lending.messages.filter(direction=Direction.INCOMING).values_list("event", flat=True)
                .order_by("id"))[-2:] == ["ShippedForward", "Lost"]  # fmt: skip

    services.transition(lending, "complete_without_return", ill_staff)
    lending.refresh_from_db()
    assert (lending.state, lending.attention) == (State.COMPLETED, False)
    assert outbox(lending)[-1].event == "CompletedWithoutReturn"


def test_a_reminder_puts_the_request_before_staff_in_the_librarys_language(network):
    assert deliver(network, partner_request("their-6", "DE-1")).ok
    IllRequest.objects.filter(their_id="their-6").update(attention=False)
    reminder = partner_request("their-6", "DE-1")
    reminder.service.request_type = "Reminder"
    with translation.override("zh-hans"):
        assert deliver(network, reminder).ok
    lending = IllRequest.objects.get(their_id="their-6")
    assert (lending.attention, lending.attention_note) == (True, "借入馆发来了催询。")


def test_a_partner_cancels_before_we_answer(network):
    assert deliver(network, partner_request("their-2", "DE-1", service="Copy")).ok
    assert deliver(network, requester_says("their-2", "DE-1", "Cancel")).ok
    lending = IllRequest.objects.get(their_id="their-2")
    assert lending.state == State.CANCELLED and lending.service == Service.COPY
    (answer,) = outbox(lending)
    message = proto.parse(answer.body.encode())[1]
    assert (message.reason_for_message, message.status, message.answer_yes_no) == (
        "CancelResponse",
        "Cancelled",
        True,
    )


def test_the_same_request_id_twice_is_refused(network):
    assert deliver(network, partner_request("their-3", "DE-1")).ok
    again = partner_request("their-3", "DE-1")
    again.bibliographic.title = "Buddenbrooks"
    assert deliver(network, again).error_type == "UnrecognisedDataValue"
    assert IllRequest.objects.filter(their_id="their-3").count() == 1


def test_staff_actions_need_the_permission(network, viewer, borrowing):
    with pytest.raises(PermissionDenied):
        services.transition(borrowing, "submit", viewer)
    borrowing.refresh_from_db()
    assert borrowing.state == State.NEW and not outbox(borrowing)


def test_illegal_staff_actions_are_refused(network, ill_staff, borrowing):
    with pytest.raises(services.TransitionRefused):
        services.transition(borrowing, "receive", ill_staff)
    empty = services.create_request(ill_staff, Role.REQUESTER, service=Service.LOAN, title="X")
    with pytest.raises(services.TransitionRefused, match="no lender left"):
        services.transition(empty, "submit", ill_staff)


def test_a_status_the_partners_version_lacks_is_not_sent(network, ill_staff):
    assert deliver(network, partner_request("their-4", "DE-1")).ok  # DE-1 speaks 1.2
    lending = IllRequest.objects.get(their_id="their-4")
    services.transition(lending, "ship", ill_staff, {"due_date": dt.date(2027, 2, 1)})
    assert deliver(network, requester_says("their-4", "DE-1", "Received")).ok
    with pytest.raises(services.TransitionRefused, match="HoldReturn"):
        services.transition(lending, "hold_return", ill_staff)
    lending.refresh_from_db()
    assert lending.state == State.ON_LOAN


def test_a_silent_lender_is_passed_over(network, ill_staff, borrowing, settings):
    services.transition(borrowing, "submit", ill_staff)
    later = borrowing.state_changed_at + dt.timedelta(days=settings.ILL_ANSWER_DAYS, hours=1)
    assert services.pass_silent_lenders(later - dt.timedelta(hours=2)) == 0
    assert services.pass_silent_lenders(later) == 1
    borrowing.refresh_from_db()
    assert (borrowing.state, borrowing.partner) == (State.SENT, network.lenders[1])
    assert borrowing.rota.get(position=1).outcome == RotaEntry.Outcome.NO_ANSWER


def test_our_late_loans_are_marked_overdue_and_the_borrower_told(network, ill_staff):
    assert deliver(network, partner_request("their-5", "DE-1")).ok
    lending = IllRequest.objects.get(their_id="their-5")
    services.transition(lending, "ship", ill_staff, {"due_date": dt.date(2027, 2, 1)})
    assert services.mark_overdue(dt.date(2027, 2, 1)) == 0
    assert services.mark_overdue(dt.date(2027, 2, 2)) == 1
    lending.refresh_from_db()
    assert lending.state == State.OVERDUE
    assert outbox(lending)[-1].event == "Overdue"


def test_courier_and_tracking_travel_with_the_loan(network, ill_staff):
    fr2 = network.lenders[1]  # speaks 2021-2: shippingInfo
    assert deliver(network, partner_request("ship-1", "FR-2"), lender=fr2, version="2021-2").ok
    lending = IllRequest.objects.get(their_id="ship-1")
    services.transition(lending, "ship", ill_staff, {
        "due_date": dt.date(2027, 2, 1), "courier": "DHL", "tracking_number": "JD0146000012345",
    })  # fmt: skip
    version, sent = proto.parse(outbox(lending)[-1].body.encode())
    assert version == "2021-2"
    assert (sent.shipping.courier_name, sent.shipping.tracking_ids) == ("DHL", ["JD0146000012345"])
    assert deliver(network, partner_request("ship-2", "DE-1")).ok  # 1.2: in the note
    old = IllRequest.objects.get(their_id="ship-2")
    services.transition(old, "ship", ill_staff, {"courier": "EMS", "tracking_number": "EE1"})
    assert "EMS EE1" in proto.parse(outbox(old)[-1].body.encode())[1].note


def test_the_lenders_tracking_number_is_kept(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    loaned = supplier_says(borrowing.our_id, "DE-1", "Loaned",
                           shipping=proto.ShippingInfo(courier_name="UPS", tracking_ids=["1Z999"]))  # fmt: skip
    assert deliver(network, loaned, version="2021-2").ok
    borrowing.refresh_from_db()
    assert (borrowing.courier, borrowing.tracking_number) == ("UPS", "1Z999")


def test_a_resend_the_state_has_moved_past_is_answered_as_the_first_time(network, ill_staff,
                                                                       borrowing):  # fmt: skip
    caller = Caller("127.0.0.1", network.secret(network.lenders[0]))
    request_body = proto.write(partner_request("resend-1", "DE-1"), "1.2")
    first = receive(request_body, caller)
    assert receive(request_body, caller) == first and proto.parse_confirmation(first).ok
    assert IllRequest.objects.filter(their_id="resend-1").count() == 1
    services.transition(borrowing, "submit", ill_staff)
    unfilled = proto.write(supplier_says(borrowing.our_id, "DE-1", "Unfilled"), "1.2")
    answered = receive(unfilled, caller)
    borrowing.refresh_from_db()
    assert borrowing.partner == network.lenders[1]  # moved on to the next lender
    assert receive(unfilled, caller) == answered
    borrowing.refresh_from_db()
    assert borrowing.partner == network.lenders[1] and borrowing.state == State.SENT


def test_the_payment_method_goes_with_what_we_supply(network, ill_staff):
    fr2 = network.lenders[1]  # 2021-2: deliveryInfo/paymentMethod
    assert deliver(network, partner_request("pay-1", "FR-2"), lender=fr2, version="2021-2").ok
    lending = IllRequest.objects.get(their_id="pay-1")
    services.transition(lending, "ship", ill_staff, {"payment_method": "ifla_voucher"})
    sent = proto.parse(outbox(lending)[-1].body.encode())[1]
    assert sent.delivery.payment_method == "IFLAVoucher"
    assert deliver(network, partner_request("pay-2", "DE-1")).ok  # 1.2: in the note
    old = IllRequest.objects.get(their_id="pay-2")
    services.transition(old, "ship", ill_staff, {"payment_method": "oclc_ifm"})
    assert "Payment: IFM" in proto.parse(outbox(old)[-1].body.encode())[1].note


def test_the_lenders_payment_method_is_kept(network, ill_staff, borrowing):
    services.transition(borrowing, "submit", ill_staff)
    now = dt.datetime.now(dt.UTC)
    loaned = supplier_says(borrowing.our_id, "DE-1", "Loaned",
                           delivery=proto.DeliveryInfo(date_sent=now, payment_method="IFM"))  # fmt: skip
    assert deliver(network, loaned, version="2021-2").ok
    borrowing.refresh_from_db()
    assert borrowing.payment_method == "oclc_ifm"
