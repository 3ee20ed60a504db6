"""/iso18626 over HTTP: authentication, refusals, hostile bodies, the shared real samples."""

import hashlib
import io
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from django.core import signals
from django.db import OperationalError, connection
from django.test import Client

from bibliobridge.core.models import ActivityLog
from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill import receive as receive_module
from bibliobridge.ill.enums import Direction, Role, Service, State
from bibliobridge.ill.models import IllMessage, IllPeer, IllRequest
from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier
from bibliobridge.partners.tests.factories import InstitutionFactory

from .conftest import partner_request, supplier_says
from .shared import SAMPLES


def post(body: bytes, secret: str = "", **extra) -> tuple[int, proto.Confirmation]:
    client = Client(enforce_csrf_checks=True)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    response = client.post("/iso18626", body, content_type="application/xml", **headers, **extra)
    assert response["Content-Type"].startswith("application/xml")
    return response.status_code, proto.parse_confirmation(response.content)


def test_a_partner_posts_a_request_without_session_or_csrf_token(network):
    secret = network.secret(network.lenders[0])
    status, answer = post(proto.write(partner_request("r-1", "DE-1"), "1.2"), secret)
    assert (status, answer.message_status, answer.kind) == (200, "OK", "requestConfirmation")
    assert answer.requesting_agency_request_id == "r-1"
    assert IllRequest.objects.filter(role=Role.SUPPLIER, their_id="r-1").exists()


def test_the_secret_may_come_in_the_header_authentication(network):
    message = partner_request("r-2", "DE-1")
    message.header.account_id = "us"
    message.header.security_code = network.secret(network.lenders[0])
    status, answer = post(proto.write(message, "2021-2"))
    assert answer.ok


def test_an_ip_allow_list_is_kept(network):
    IllPeer.objects.filter(institution=network.lenders[0]).update(allowed_ips=["203.0.113.0/24"])
    secret = network.secret(network.lenders[0])
    body = proto.write(partner_request("r-3", "DE-1"), "1.2")
    _status, refused = post(body, secret)
    assert refused.error_type == "UnrecognisedDataValue" and "127.0.0.1" in refused.error_value
    _status, accepted = post(body, secret, REMOTE_ADDR="203.0.113.7")
    assert accepted.ok


def test_a_partners_access_is_kept_briefly_and_a_change_made_here_counts_at_once(
    network, monkeypatch
):
    lender = network.lenders[0]
    old, new, third = network.secret(lender), "a new secret 新密钥", "a third secret"

    def request(n: int) -> bytes:
        return proto.write(partner_request(f"r-kept-{n}", "DE-1"), "1.2")

    assert post(request(1), old)[1].ok
    peer = IllPeer.objects.get(institution=lender)
    peer.secret_sha256 = hashlib.sha256(new.encode()).hexdigest()
    peer.save()
    _status, refused = post(request(2), old)
    assert "did not authenticate" in refused.error_value
    assert post(request(2), new)[1].ok
    # Changed where this process hears nothing of it (another process): kept a while.
    IllPeer.objects.filter(pk=peer.pk).update(
        secret_sha256=hashlib.sha256(third.encode()).hexdigest()
    )
    assert post(request(3), new)[1].ok
    monkeypatch.setattr(receive_module, "PEER_SECONDS", 0)
    receive_module.forget_agencies()
    assert post(request(4), third)[1].ok
    assert not post(request(5), new)[1].ok


def test_only_post(client, network):
    assert client.get("/iso18626").status_code == 405


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"\xff\xd8\xff\xe0 a JPEG",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626">&e;</ISO18626Message>',
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><ISO18626Message xmlns="http://illtransactions.org/2013/iso18626">&lol9;'
        b"</ISO18626Message>",
    ],
    ids=["empty", "text", "jpeg", "external-entity", "billion-laughs"],
)
def test_hostile_or_broken_bodies_get_badly_formed(network, body):
    status, answer = post(body)
    assert (status, answer.message_status, answer.error_type) == (
        200,
        "ERROR",
        "BadlyFormedMessage",
    )
    assert b"root:" not in answer.error_value.encode()
    assert IllMessage.objects.filter(direction=Direction.INCOMING, error_type="BadlyFormedMessage")


def test_an_oversized_body_is_refused_unread(network):
    body = b"<ISO18626Message>" + b" " * (proto.MAX_BYTES + 10) + b"</ISO18626Message>"
    status, answer = post(body)
    assert (status, answer.error_type) == (413, "BadlyFormedMessage")
    assert len(IllMessage.objects.get().body) <= 4096


def _sample_network(root: proto.Message) -> str:
    """Our library and the sender as the sample names them; the sender's secret."""
    header = root.header
    if isinstance(root, proto.SupplyingAgencyMessage):
        us, them = header.requesting_agency, header.supplying_agency
    else:
        us, them = header.supplying_agency, header.requesting_agency
    secret = "sample-secret-" + "z" * 24
    for agency, home in ((us, True), (them, False)):
        institution = InstitutionFactory(is_home=home)
        value = agency.value if agency is not None else "ZZ-HOME"
        Identifier.objects.create(
            institution=institution, scheme=IdentifierScheme.ISIL, value=value
        )
        if not home:
            IllPeer.objects.create(
                institution=institution, secret_sha256=hashlib.sha256(secret.encode()).hexdigest()
            )
    return secret


def _samples() -> list[Path]:
    return sorted(SAMPLES.glob("*.xml")) if SAMPLES.is_dir() else []


@pytest.mark.django_db
@pytest.mark.parametrize("path", _samples(), ids=lambda p: p.name)
def test_each_shared_sample_gets_the_answer_it_deserves(path):
    body = path.read_bytes()
    try:
        _version, message = proto.parse(body)
    except proto.ProtocolError as error:
        status, answer = post(body)
        assert (answer.message_status, answer.error_type) == ("ERROR", error.error_type)
        return
    secret = _sample_network(message)
    status, answer = post(body, secret)
    if isinstance(message, proto.Request) and message.service.request_type != "Reminder":
        # A new request from a known, authenticated partner is taken in.
        assert answer.ok, answer.error_value
        assert IllRequest.objects.filter(role=Role.SUPPLIER).count() == 1
    else:
        # News about a transaction we never had: refused, naming the request id.
        assert answer.error_type == "UnrecognisedDataValue"
        assert "request" in answer.error_value


def test_the_shared_samples_are_there():
    if not SAMPLES.is_dir():
        pytest.skip(f"shared test data not present: {SAMPLES}")
    assert len(_samples()) >= 40


# --- as the WSGI server serves it: bibliobridge.wsgi, POST /iso18626 past the middleware ---


def serve(method: str, body: bytes = b"", **extra: str) -> tuple[str, dict[str, str], bytes]:
    """One request through ``bibliobridge.wsgi.application``, as a WSGI server makes it: the
    response closed afterwards, if it can be (Django's sends request_finished then)."""
    from bibliobridge.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/iso18626",
        "CONTENT_TYPE": "application/xml",
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        **extra,
    }
    setup_testing_defaults(environ)
    started: list = []
    response = application(
        environ, lambda status, headers, exc_info=None: started.extend([status, headers])
    )
    try:
        content = b"".join(response)
    finally:
        if hasattr(response, "close"):
            response.close()
    return started[0], dict(started[1]), content


def supplier_message(request_id: str, status: str = "ExpectToSupply") -> bytes:
    return proto.write(supplier_says(request_id, "DE-1", status, reason="RequestResponse"), "1.2")


@pytest.fixture
def borrowing(network) -> IllRequest:
    """Our request to DE-1, sent and waiting for its answer."""
    return IllRequest.objects.create(
        role=Role.REQUESTER, service=Service.LOAN, state=State.SENT, our_id="BB-1",
        title="Der Zauberberg",
        partner=network.lenders[0],
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_served_past_the_middleware_as_through_it(network, borrowing):
    secret = network.secret(network.lenders[0])
    status, headers, content = serve(
        "POST", supplier_message("BB-1"), HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    # Checked after the request: the connection closed as CONN_MAX_AGE (0 in tests) says.
    assert connection.connection is None
    assert status == "200 OK"
    assert headers["Content-Type"] == "application/xml; charset=utf-8"
    assert headers["Content-Length"] == str(len(content))
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers
    answer = proto.parse_confirmation(content)
    assert (answer.message_status, answer.kind) == ("OK", "supplyingAgencyMessageConfirmation")
    borrowing.refresh_from_db()
    assert borrowing.state == State.EXPECT_TO_SUPPLY
    assert (
        ActivityLog.objects.filter(object_id=str(borrowing.pk), message="ExpectToSupply").count()
        == 1
    )
    assert IllMessage.objects.filter(direction=Direction.INCOMING, message_status="OK").count() == 1
    # Refused as through Django: the same errorType, the message kept.
    status, _headers, content = serve("POST", supplier_message("BB-1", "Loaned"))
    refused = proto.parse_confirmation(content)
    assert (status, refused.error_type) == ("200 OK", "UnrecognisedDataValue")
    assert "did not authenticate" in refused.error_value


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_applying_is_a_500_and_leaves_nothing_half_done(network, borrowing):
    secret = network.secret(network.lenders[0])

    def the_disk_is_full(execute, sql, params, many, context):
        if "INSERT" in sql and IllMessage._meta.db_table in sql:
            raise OperationalError("database or disk is full")
        return execute(sql, params, many, context)

    body = supplier_message("BB-1")
    with connection.execute_wrapper(the_disk_is_full):
        status, _headers, _content = serve("POST", body, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert status.startswith("500")
    borrowing.refresh_from_db()
    assert borrowing.state == State.SENT
    assert not ActivityLog.objects.filter(object_id=str(borrowing.pk)).exists()
    # The partner tries again: applied, on a sound connection.
    status, _headers, content = serve("POST", body, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert proto.parse_confirmation(content).ok
    borrowing.refresh_from_db()
    assert borrowing.state == State.EXPECT_TO_SUPPLY


@pytest.mark.django_db(transaction=True)
def test_an_oversized_body_is_refused_unread_past_the_middleware(network):
    body = b"<ISO18626Message>" + b" " * (proto.MAX_BYTES + 10) + b"</ISO18626Message>"
    status, headers, content = serve("POST", body)
    assert status == "413 Request Entity Too Large"
    assert headers["Content-Length"] == str(len(content))
    assert proto.parse_confirmation(content).error_type == "BadlyFormedMessage"
    assert len(IllMessage.objects.get().body) <= 4096


@pytest.mark.django_db(transaction=True)
def test_the_request_signals_are_sent_when_more_than_djangos_own_receivers_listen(
    network, borrowing
):
    from bibliobridge.ill.endpoint import Handler
    from bibliobridge.wsgi import django_application

    secret = network.secret(network.lenders[0])
    heard: list[str] = []

    def started(**kwargs):
        heard.append("started")

    def finished(**kwargs):
        heard.append("finished")

    def post(handler: Handler, status: str) -> str:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/iso18626",
                   "HTTP_AUTHORIZATION": f"Bearer {secret}", "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
        body = supplier_message("BB-1", status)
        environ.update({"CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)})
        setup_testing_defaults(environ)
        content = b"".join(handler(environ, lambda status, headers, exc_info=None: None))
        return proto.parse_confirmation(content).message_status

    # Django's own receivers only: their work done without the signals.
    assert post(Handler(django_application), "ExpectToSupply") == "OK"
    assert heard == [] and connection.connection is None
    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        assert post(Handler(django_application), "WillSupply") == "OK"
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert heard == ["started", "finished"] and connection.connection is None
    borrowing.refresh_from_db()
    assert borrowing.state == State.WILL_SUPPLY


@pytest.mark.parametrize("setting", ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DEBUG"])
def test_settings_that_ask_for_more_send_messages_through_django(settings, setting):
    from bibliobridge.ill.endpoint import Handler

    setattr(settings, setting, 3600 if setting == "SECURE_HSTS_SECONDS" else True)
    passed: list = []
    handler = Handler(lambda environ, start_response: passed.append(environ) or [b"django"])
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/iso18626", "CONTENT_LENGTH": "4",
               "wsgi.input": io.BytesIO(b"<x/>"), "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
    setup_testing_defaults(environ)
    assert handler(environ, lambda status, headers, exc_info=None: None) == [b"django"]
    assert passed == [environ]


@pytest.mark.django_db(transaction=True)
def test_what_is_not_a_post_goes_through_django_and_hosts_are_still_checked(network):
    status, headers, _content = serve("GET")
    assert (status, headers["Allow"]) == ("405 Method Not Allowed", "POST")
    status, _headers, _content = serve("POST", b"<x/>", HTTP_HOST="evil.example")
    assert status.startswith("400")
    assert not IllMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_request_that_moved_since_it_was_read_gets_the_message_applied_to_what_it_is(
    network, borrowing, monkeypatch
):
    # Read as "sent" just before the transaction, while another message made it "expect
    # to supply": the change made on the stale read finds the state moved, writes nothing,
    # and the message is applied to the request as it is now.
    stale = IllRequest.objects.get(pk=borrowing.pk)
    IllRequest.objects.filter(pk=borrowing.pk).update(state=State.EXPECT_TO_SUPPLY)
    reads = []
    original = receive_module._request_named

    def first_read_stale(message, partner, lock=False):
        reads.append(lock)
        return stale if len(reads) == 1 else original(message, partner, lock)

    monkeypatch.setattr(receive_module, "_request_named", first_read_stale)
    secret = network.secret(network.lenders[0])
    body = proto.write(supplier_says("BB-1", "DE-1", "WillSupply"), "1.2")
    status, _headers, content = serve("POST", body, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert (status, proto.parse_confirmation(content).ok) == ("200 OK", True)
    assert reads == [False, True]
    borrowing.refresh_from_db()
    assert borrowing.state == State.WILL_SUPPLY
    entry = ActivityLog.objects.get(object_id=str(borrowing.pk), message="WillSupply")
    assert entry.changes["state"] == [State.EXPECT_TO_SUPPLY, State.WILL_SUPPLY]
    assert IllMessage.objects.filter(direction=Direction.INCOMING).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_is_kept_between_messages_unless_it_is_unusable_or_too_old():
    from bibliobridge.ill import endpoint

    connection.ensure_connection()
    connection.close_at = None  # as with CONN_MAX_AGE None (tests have 0): kept for ever
    kept = connection.connection
    endpoint._check_connections()
    assert connection.connection is kept
    connection.set_autocommit(False)  # left by a failed transaction
    endpoint._check_connections()
    assert connection.connection is None
    connection.ensure_connection()
    connection.close_at = 0.0  # older than CONN_MAX_AGE
    endpoint._check_connections()
    assert connection.connection is None
    connection.ensure_connection()
    connection.close_at = None
    connection.errors_occurred = True  # and it still works: kept, the flag cleared
    kept = connection.connection
    endpoint._check_connections()
    assert connection.connection is kept and not connection.errors_occurred


@pytest.mark.django_db(transaction=True)
def test_a_plain_change_of_state_reads_part_of_its_request_and_nothing_more(network, borrowing):
    from django.test.utils import CaptureQueriesContext

    secret = network.secret(network.lenders[0])
    with CaptureQueriesContext(connection) as queries:
        status, _headers, content = serve(
            "POST", supplier_message("BB-1"), HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
    assert proto.parse_confirmation(content).message_status == "OK"
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "ill_illrequest" in q["sql"]]  # fmt: skip
    assert len(reads) == 1
    assert '"our_id"' in reads[0] and '"author"' not in reads[0]
    borrowing.refresh_from_db()
    assert borrowing.state == State.EXPECT_TO_SUPPLY


@pytest.mark.django_db
def test_a_field_left_out_of_a_narrow_read_brings_the_rest_with_it(
    borrowing, django_assert_num_queries
):
    from bibliobridge.core import sql

    borrowing.author = "Mann, Thomas"
    borrowing.save()
    read = sql.fetch(IllRequest, {"our_id": "BB-1"}, only=receive_module.PLAIN_FIELDS)
    assert "author" in read.get_deferred_fields()
    with django_assert_num_queries(1):
        assert read.author == "Mann, Thomas"
        assert read.created_at == borrowing.created_at
    assert read.get_deferred_fields() == set()
