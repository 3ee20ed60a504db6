"""Copies we supply: a PDF behind an expiring link, the notice first, then purged."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bibliobridge.ill import copies
from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill.enums import Direction, Role, State
from bibliobridge.ill.models import CopyLink, IllRequest

from .conftest import partner_request, supplier_says
from .test_flows import deliver

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def lending(network) -> IllRequest:
    assert deliver(network, partner_request("copy-1", "DE-1", service="Copy")).ok
    return IllRequest.objects.get(their_id="copy-1")


def upload(client: Client, lending: IllRequest, content: bytes = PDF, name="scan.pdf"):
    return client.post(
        reverse("ill:copy_deliver", args=[lending.pk]),
        {"file": SimpleUploadedFile(name, content, "application/pdf"), "note": "p. 737-738"},
        follow=True,
    )


def sent_link(lending: IllRequest) -> str:
    """The link in our CopyCompleted (DE-1 speaks 1.2: in the note)."""
    message = lending.messages.filter(direction=Direction.OUTGOING).last()
    return re.search(r"https?://\S+", proto.parse(message.body.encode())[1].note).group(0)


def test_the_link_travels_in_copy_completed(ill_client, lending, settings):
    upload(ill_client, lending)
    lending.refresh_from_db()
    assert lending.state == State.COMPLETED
    message = lending.messages.filter(direction=Direction.OUTGOING).last()
    version, parsed = proto.parse(message.body.encode())
    assert (version, parsed.status) == ("1.2", "CopyCompleted")
    assert parsed.delivery.delivery_method == "URL"
    assert sent_link(lending).startswith(settings.SITE_URL)
    link = CopyLink.objects.get()
    assert link.views_left == settings.ILL_COPY_VIEWS and link.file.read() == PDF


def test_notice_first_then_five_views_then_gone(ill_client, lending, settings):
    upload(ill_client, lending)
    path = re.sub(r"^https?://[^/]+", "", sent_link(lending))
    reader = Client()  # no account: the partner's reader
    page = reader.get(path)
    assert page.status_code == 200 and "private study or research" in page.content.decode()
    refused = reader.post(path, {})
    assert refused.status_code == 200 and "Tick the box" in refused.content.decode()
    assert CopyLink.objects.get().views_left == settings.ILL_COPY_VIEWS
    for _ in range(settings.ILL_COPY_VIEWS):
        response = reader.post(path, {"agree": "yes"})
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
    link = CopyLink.objects.get()
    assert link.views_left == 0 and link.purged_at is not None and not link.file
    assert reader.get(path).status_code == 410
    assert reader.post(path, {"agree": "yes"}).status_code == 410


def test_an_expired_link_ends_and_is_purged(ill_client, lending):
    upload(ill_client, lending)
    link = CopyLink.objects.get()
    path = re.sub(r"^https?://[^/]+", "", sent_link(lending))
    storage_name = link.file.name
    CopyLink.objects.filter(pk=link.pk).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert Client().get(path).status_code == 410
    assert copies.purge_ended() == 1
    link.refresh_from_db()
    assert link.purged_at is not None and not link.file.storage.exists(storage_name)


def test_a_wrong_token_ends(client, db):
    assert client.get(reverse("ill_copy", args=["no-such-token"])).status_code == 410


def test_not_a_pdf_is_refused_and_nothing_is_sent(ill_client, lending):
    page = upload(ill_client, lending, b"\xff\xd8\xff\xe0 a JPEG", "scan.jpg").content.decode()
    assert "is not a PDF file" in page
    lending.refresh_from_db()
    assert lending.state == State.NEW and not CopyLink.objects.exists()
    assert not lending.messages.filter(direction=Direction.OUTGOING).exists()


def test_only_staff_who_may_act_upload(viewer_client, lending):
    assert upload(viewer_client, lending).status_code == 403
    assert not CopyLink.objects.exists()


def test_the_requester_keeps_the_lenders_link(network, ill_staff):
    from bibliobridge.ill import services

    request = services.create_request(ill_staff, Role.REQUESTER, service="copy", title="Nature",
                                      article_title="Double helix")  # fmt: skip
    services.add_lender(ill_staff, request, network.lenders[0], "test")
    services.transition(request, "submit", ill_staff)
    url = "https://ill.example.org/copy/abc"
    done = supplier_says(request.our_id, "DE-1", "CopyCompleted", note=f"Here: {url}")
    assert deliver(network, done).ok
    request.refresh_from_db()
    assert (request.state, request.delivery_url) == (State.COMPLETED, url)
