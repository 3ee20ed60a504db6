"""The outbox against the mock peer over real HTTP on loopback, and our /iso18626 live.

The mock lender confirms our request and then posts its statuses to our live server, as
a partner abroad would; faults (HTTP 500, a slow answer, an ERROR confirmation, a server
that is down) are its scenarios or a closed port.
"""

import datetime as dt
import time

import pytest
from django.utils import timezone, translation

from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill import mockpeer, outbox, services
from bibliobridge.ill.enums import Delivery, Direction, Role, Service, State
from bibliobridge.ill.models import IllMessage, IllPeer, IllRequest
from bibliobridge.partners.enums import EndpointKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def peer(network, live_server, settings):
    """The mock lender standing in for DE-1, posting to our live /iso18626. The tests send
    the outbox themselves (no worker runs on commit), to see each attempt."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    lender = network.lenders[0]
    peer = mockpeer.Peer(
        proto.AgencyId("ISIL", "DE-1"), f"{live_server.url}/iso18626", network.secret(lender)
    )
    server = mockpeer.serve(peer)
    lender.endpoints.filter(kind=EndpointKind.ISO18626).update(
        url=f"http://127.0.0.1:{server.server_port}/iso18626"
    )
    IllPeer.objects.filter(institution=lender).update(outbound_secret="given-to-us-by-de-1")
    yield peer
    peer.wait()
    server.shutdown()


def borrow(network, ill_staff, title: str, service=Service.LOAN, lenders=None) -> IllRequest:
    request = services.create_request(ill_staff, Role.REQUESTER, service=service, title=title)
    services.set_rota(ill_staff, request, [(x, "test") for x in lenders or network.lenders[:1]])
    services.transition(request, "submit", ill_staff)
    return request


def state_of(request: IllRequest, wanted: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request.refresh_from_db()
        if request.state == wanted:
            break
        time.sleep(0.05)
    return request.state


def test_a_loan_from_the_mock_lender_over_http(network, ill_staff, peer):
    request = borrow(network, ill_staff, "Der Zauberberg loaned")
    assert outbox.send_due() == 1
    (sent,) = request.messages.filter(direction=Direction.OUTGOING)
    assert (sent.delivery, sent.message_status, sent.attempts) == (Delivery.SENT, "OK", 1)
    assert state_of(request, State.SHIPPED) == State.SHIPPED
    assert request.due_date is not None
    services.transition(request, "receive", ill_staff)
    services.transition(request, "return", ill_staff)
    # In order: the ShippedReturn waits until the Received is delivered.
    assert (outbox.send_due(), outbox.send_due()) == (1, 1)
    assert state_of(request, State.COMPLETED) == State.COMPLETED
    peer.wait()
    assert [entry for entry in peer.log if entry[0] == "in"] == [
        ("in", "request:New"),
        ("in", "requestingAgencyMessage:Received"),
        ("in", "requestingAgencyMessage:ShippedReturn"),
    ]


def test_a_copy_and_a_cancel(network, ill_staff, peer):
    copy = borrow(network, ill_staff, "An article copy-completed", service=Service.COPY)
    cancelled = borrow(network, ill_staff, "A book silent")
    outbox.send_due()
    assert state_of(copy, State.COMPLETED) == State.COMPLETED
    services.transition(cancelled, "cancel", ill_staff)
    outbox.send_due()
    assert state_of(cancelled, State.CANCELLED) == State.CANCELLED


def test_unfilled_goes_to_the_next_lender(network, ill_staff, peer):
    request = borrow(network, ill_staff, "Rare unfilled", lenders=network.lenders)
    outbox.send_due()
    assert state_of(request, State.SENT) == State.SENT
    deadline = time.monotonic() + 10
    while request.partner != network.lenders[1] and time.monotonic() < deadline:
        time.sleep(0.05)
        request.refresh_from_db()
    assert request.partner == network.lenders[1]
    assert request.messages.filter(direction=Direction.OUTGOING, partner=network.lenders[1])


def test_an_error_confirmation_is_final_and_flags_the_request(network, ill_staff, peer):
    request = borrow(network, ill_staff, "Broken error")
    assert outbox.send_due() == 0
    sent = request.messages.get(direction=Direction.OUTGOING)
    assert (sent.delivery, sent.error_type) == (Delivery.FAILED, "UnrecognisedDataValue")
    request.refresh_from_db()
    assert request.attention and "UnrecognisedDataValue" in request.attention_note


def test_a_failing_server_is_tried_again_later_then_given_up(network, ill_staff, peer):
    request = borrow(network, ill_staff, "Server http500")
    assert outbox.send_due() == 0
    sent = request.messages.get(direction=Direction.OUTGOING)
    assert (sent.delivery, sent.attempts, sent.last_error) == (Delivery.PENDING, 1, "HTTP 500")
    assert sent.next_attempt_at > timezone.now() + dt.timedelta(seconds=20)
    assert outbox.send_due() == 0 and not outbox.due()  # not due yet: nothing is sent
    IllMessage.objects.filter(pk=sent.pk).update(
        attempts=outbox.MAX_ATTEMPTS - 1, next_attempt_at=timezone.now()
    )
    with translation.override("zh-hans"):  # the worker's: the library's language
        outbox.send_due()
    sent.refresh_from_db()
    assert (sent.delivery, sent.attempts) == (Delivery.FAILED, outbox.MAX_ATTEMPTS)
    request.refresh_from_db()
    assert request.attention and request.attention_note == "Request 无法送达：HTTP 500"


def test_a_timeout_and_a_closed_port_are_retried(network, ill_staff, peer, settings):
    settings.ILL_SEND_TIMEOUT_SECONDS = 0.5
    slow = borrow(network, ill_staff, "Answered slow")
    outbox.send_due()
    sent = slow.messages.get(direction=Direction.OUTGOING)
    assert sent.delivery == Delivery.PENDING and "Timeout" in sent.last_error
    down = borrow(network, ill_staff, "Nobody home", lenders=network.lenders[1:])
    outbox.send_due()
    unsent = down.messages.get(direction=Direction.OUTGOING)
    assert unsent.delivery == Delivery.PENDING and unsent.last_error


def test_a_later_message_waits_for_an_earlier_one(network, ill_staff, peer):
    request = borrow(network, ill_staff, "Ordered silent")
    services.transition(request, "cancel", ill_staff)
    first, second = request.messages.filter(direction=Direction.OUTGOING).order_by("id")
    IllMessage.objects.filter(pk=first.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert outbox.due() == []  # the cancel may not overtake the request
    IllMessage.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now())
    assert [m.pk for m in outbox.due()] == [first.pk]
    assert second.event == "Cancel"


def test_the_mock_peer_command_parses_its_options():
    from bibliobridge.ill.management.commands.ill_mockpeer import Command

    parser = Command().create_parser("bibliobridge", "ill_mockpeer")
    options = parser.parse_args(["--requester-url", "http://127.0.0.1:8000/iso18626",
                                 "--protocol-version", "2021-2", "--port", "0"])  # fmt: skip
    assert (options.protocol_version, options.port) == ("2021-2", 0)


def test_a_worker_killed_mid_send_leaves_the_message_to_be_sent_again(network, ill_staff, peer):
    request = borrow(network, ill_staff, "Killed loaned")
    (message,) = outbox.due()
    assert outbox._claim(message)  # the worker took it ... and died before recording anything
    assert outbox.due() == []  # claimed: no other worker sends it meanwhile
    IllMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())  # claim lapsed
    assert outbox.send_due() == 1
    message.refresh_from_db()
    assert (message.delivery, message.attempts) == (Delivery.SENT, 2)
    assert state_of(request, State.SHIPPED) == State.SHIPPED


def test_many_messages_for_one_request_at_once_lose_no_update(network, ill_staff, live_server):
    """Two statuses for each of ten requests, posted at the same moment from threads:
    each pair is applied one after the other (the second refused if it came too late),
    never both from the same starting state."""
    import threading

    import httpx

    from bibliobridge.core.models import ActivityLog

    from .conftest import supplier_says

    requests = [borrow(network, ill_staff, f"Race {n}") for n in range(10)]
    secret = network.secret(network.lenders[0])
    answers: list[bytes] = []

    def post(body: bytes) -> None:
        answers.append(httpx.post(f"{live_server.url}/iso18626", content=body, timeout=30,
                                  headers={"Authorization": f"Bearer {secret}"}).content)  # fmt: skip

    bodies = [
        proto.write(supplier_says(r.our_id, "DE-1", status), "1.2")
        for r in requests
        for status in ("ExpectToSupply", "WillSupply")
    ]
    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    confirmations = [proto.parse_confirmation(a) for a in answers]
    assert len(confirmations) == 20 and all(
        c.ok or c.error_type == "UnrecognisedDataValue" for c in confirmations
    )
    for request in requests:
        request.refresh_from_db()
        kept = list(request.messages.filter(direction=Direction.INCOMING).values_list(
            "event", "message_status", "error_type", "error_value"))  # fmt: skip
        assert request.state == State.WILL_SUPPLY, kept
        applied = request.messages.filter(direction=Direction.INCOMING, message_status="OK")
        transitions = ActivityLog.objects.filter(
            object_id=str(request.pk), content_type__model="illrequest", action="transitioned"
        ).exclude(message="submit")
        assert applied.count() == transitions.count() >= 1
