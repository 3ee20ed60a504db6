"""/iso18626 over HTTP: authentication, refusals, hostile bodies, the shared real samples."""

import hashlib
from pathlib import Path

import pytest
from django.test import Client

from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill.enums import Direction, Role
from bibliobridge.ill.models import IllMessage, IllPeer, IllRequest
from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier
from bibliobridge.partners.tests.factories import InstitutionFactory

from .conftest import partner_request
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
