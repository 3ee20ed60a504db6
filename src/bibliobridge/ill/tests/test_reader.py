"""A reader asks without a staff account, and follows the request by the link mailed."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from bibliobridge.ill import notify, services
from bibliobridge.ill.enums import Role, Service, State
from bibliobridge.ill.models import IllRequest

from .conftest import partner_request
from .test_flows import deliver

ASK = {
    "service": "loan", "title": "Преступление и наказание", "author": "Достоевский, Ф. М.",
    "isbn": "978-5-17-090630-7", "patron_name": "李华", "patron_id": "2023001234",
    "patron_email": "lihua@example.org",
}  # fmt: skip


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_a_reader_asks_and_follows_the_request(
    network, ill_staff, django_capture_on_commit_callbacks
):
    reader = english()
    page = reader.get(reverse("ill_reader_ask"))
    assert page.status_code == 200 and "Ask for a book or an article" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = reader.post(reverse("ill_reader_ask"), ASK)
    assert response.status_code == 302
    request = IllRequest.objects.get()
    assert (request.role, request.state, request.created_by) == (Role.REQUESTER, State.NEW, None)
    assert request.isbn == "9785170906307" and request.patron_language == "en"
    assert request.attention  # staff check it before any partner is asked
    (told,) = [m for m in mail.outbox if m.to == ["lihua@example.org"]]
    assert told.subject.startswith("We have your request")
    link = re.search(r"https?://\S+/ill/mine/\S+/", told.body).group(0)
    assert response["Location"] in link
    status = reader.get(response["Location"]).content.decode()
    assert "Преступление и наказание" in status and "our staff are checking it" in status
    assert [ill_staff.email] in [m.to for m in mail.outbox]  # staff are told to check it


def test_the_reader_sees_the_request_move_in_chinese(network, ill_staff):
    reader = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    location = reader.post(reverse("ill_reader_ask"), ASK)["Location"]
    request = IllRequest.objects.get()
    assert request.patron_language == "zh-hans"
    services.add_lender(ill_staff, request, network.lenders[0], "test")
    services.transition(request, "submit", ill_staff)
    assert "我们已向一所合作图书馆提出申请" in reader.get(location).content.decode()


def test_a_forged_or_other_link_finds_nothing(network):
    location = english().post(reverse("ill_reader_ask"), ASK)["Location"]
    assert english().get(location[:-3] + "xx/").status_code == 404
    lending = deliver(network, partner_request("THEIRS-1", "DE-1"))
    assert lending is not None
    theirs = IllRequest.objects.get(role=Role.SUPPLIER)
    assert (
        english().get(reverse("ill_reader_status", args=[notify.reader_token(theirs)])).status_code
        == 404
    )


def test_bad_input_is_named_and_nothing_is_saved(network):
    reader = english()
    missing = reader.post(
        reverse("ill_reader_ask"), {**ASK, "patron_email": "", "isbn": "978-5-17-090630-0"}
    )
    assert set(missing.context["form"].errors) == {"patron_email", "isbn"}
    copy = reader.post(
        reverse("ill_reader_ask"), {**ASK, "service": Service.COPY, "article_title": "Глава 1"}
    )
    assert "declaration" in copy.context["form"].errors
    assert not IllRequest.objects.exists()


def test_one_address_may_ask_only_so_often(network, settings):
    settings.ILL_READER_REQUESTS_PER_HOUR = 2
    reader = english()
    for _n in range(2):
        assert reader.post(reverse("ill_reader_ask"), ASK).status_code == 302
    refused = reader.post(reverse("ill_reader_ask"), ASK)
    assert refused.status_code == 200 and "Too many requests" in refused.content.decode()
    assert IllRequest.objects.count() == 2


def test_openurl_gives_a_reader_the_readers_form_filled_in(network, settings, ill_client):
    query = "?genre=book&title=Dream+of+the+Red+Chamber&isbn=9787020002207"
    page = english().get(reverse("openurl") + query)
    assert page.status_code == 200 and page.templates[0].name == "ill/reader_form.html"
    assert page.context["form"].initial["title"] == "Dream of the Red Chamber"
    assert ill_client.get(reverse("openurl") + query).templates[0].name == "ill/form.html"
    settings.ILL_READER_REQUESTS_PER_HOUR = 0
    assert english().get(reverse("openurl") + query).status_code == 302  # to sign in
    assert english().get(reverse("ill_reader_ask")).status_code == 404
