"""Copyright profiles: the Chinese reader's declaration, the US rule of five, retention."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bibliobridge.ill import copyright, services
from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill.enums import Direction
from bibliobridge.ill.models import CopyrightRecord, IllRequest

ARTICLE = {"service": "copy", "title": "Nature", "issn": "0028-0836",
           "article_title": "A structure for deoxyribose nucleic acid", "date": "2024",
           "patron_name": "李华"}  # fmt: skip


def ask(client, **extra):
    return client.post(reverse("ill:create"), {**ARTICLE, **extra})


def test_a_copy_needs_the_readers_declaration_in_china(ill_client, network, settings):
    settings.ILL_COPYRIGHT_PROFILE = "cn"
    refused = ask(ill_client)
    assert "declaration" in refused.context["form"].errors and not IllRequest.objects.exists()
    assert ask(ill_client, declaration="on").status_code == 302
    record = CopyrightRecord.objects.get()
    assert record.declaration.startswith("I declare") and record.reader == "李华"
    loan = ill_client.post(reverse("ill:create"), {"service": "loan", "title": "A book"})
    assert loan.status_code == 302 and CopyrightRecord.objects.count() == 1
    page = ill_client.get(reverse("ill:detail", args=[record.request_id])).content.decode()
    assert "The reader declared" in page


def test_the_rule_of_five_in_the_united_states(ill_client, network, settings, ill_staff):
    settings.ILL_COPYRIGHT_PROFILE = "us"
    assert "declaration" not in ill_client.get(reverse("ill:create")).context["form"].fields
    this_year = timezone.now().year
    for _ in range(6):
        assert ask(ill_client, date=str(this_year - 2)).status_code == 302
    assert ask(ill_client, date="1953").status_code == 302  # an old article: not counted
    numbers = list(
        CopyrightRecord.objects.order_by("id").values_list("number_this_year", flat=True)
    )
    assert numbers == [1, 2, 3, 4, 5, 6, 1]
    requests = list(IllRequest.objects.order_by("id"))
    assert [r.attention_note != "" for r in requests] == [False] * 5 + [True, False]
    sent = []
    for request in (requests[0], requests[5]):
        services.add_lender(ill_staff, request, network.lenders[0], "test")
        services.transition(request, "submit", ill_staff)
        body = request.messages.get(direction=Direction.OUTGOING).body.encode()
        sent.append(proto.parse(body)[1].service.copyright_compliance)
    assert sent == ["US-CCG", "US-CCL"]


def test_records_are_kept_for_the_configured_years(ill_client, network, settings):
    settings.ILL_COPYRIGHT_PROFILE = "cn"
    settings.ILL_COPYRIGHT_YEARS = 3
    ask(ill_client, declaration="on")
    record = CopyrightRecord.objects.get()
    now = timezone.now()
    assert copyright.purge_old(now + dt.timedelta(days=365 * 3 - 1)) == 0
    IllRequest.objects.all().delete()  # the record outlives its request
    record.refresh_from_db()
    assert record.request is None
    assert copyright.purge_old(now + dt.timedelta(days=365 * 3 + 1)) == 1
    assert not CopyrightRecord.objects.exists()


@pytest.mark.parametrize("code", ["cn", "us", "none"])
def test_every_profile_has_a_label(code):
    assert str(copyright.PROFILES[code].label)
