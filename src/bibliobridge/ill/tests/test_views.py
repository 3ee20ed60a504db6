"""The ILL pages: worklists, the request form and OpenURL, a request's page and its actions."""

import datetime as dt
from pathlib import Path

import pymarc
import pytest
from django.urls import reverse

from bibliobridge.agreements.enums import AgreementStatus, AgreementType, PartyRole
from bibliobridge.agreements.models import Agreement, AgreementParty
from bibliobridge.catalog import imports
from bibliobridge.catalog.enums import RunSource
from bibliobridge.ill import services
from bibliobridge.ill.enums import Delivery, Direction, Role, Service, State
from bibliobridge.ill.models import IllRequest
from bibliobridge.partners.models import Closure, IllPolicy

from .conftest import supplier_says
from .test_flows import deliver

ISBN = "9783100482280"


def holding(institution, tmp_path: Path, isbn: str = ISBN) -> None:
    """The institution's catalogue holds one book with this ISBN."""
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data=f"rec-{institution.pk}"))
    record.add_field(pymarc.Field(tag="020", indicators=[" ", " "],
                                  subfields=[pymarc.Subfield("a", isbn)]))  # fmt: skip
    record.add_field(pymarc.Field(tag="245", indicators=["1", "0"],
                                  subfields=[pymarc.Subfield("a", "Der Zauberberg")]))  # fmt: skip
    path = tmp_path / f"{institution.pk}.mrc"
    path.write_bytes(record.as_marc())
    run = imports.start_run(institution, RunSource.COMMAND, path.name)
    imports.run_import(run, [path])
    assert run.status == "done", run.error_code


@pytest.fixture
def borrowing(network, ill_staff) -> IllRequest:
    return services.create_request(ill_staff, Role.REQUESTER, service=Service.LOAN,
                                   title="Der Zauberberg", isbn=ISBN)  # fmt: skip


def test_pages_need_the_view_permission(outsider_client, viewer_client, borrowing):
    pages = [
        reverse("ill:list"),
        reverse("ill:detail", args=[borrowing.pk]),
        reverse("ill:create"),
        reverse("openurl"),
    ]
    for url in pages:
        assert outsider_client.get(url).status_code == 403, url
    assert viewer_client.get(reverse("ill:list")).status_code == 200
    assert viewer_client.get(reverse("ill:detail", args=[borrowing.pk])).status_code == 200
    assert viewer_client.get(reverse("ill:create")).status_code == 403  # may not add


def test_actions_need_the_act_permission(viewer_client, ill_client, borrowing):
    url = reverse("ill:act", args=[borrowing.pk, "close"])
    assert viewer_client.post(url).status_code == 403
    borrowing.refresh_from_db()
    assert borrowing.state == State.NEW
    response = ill_client.post(url, follow=True)
    assert response.status_code == 200
    borrowing.refresh_from_db()
    assert borrowing.state == State.CANCELLED
    for name, args in (("rota_suggest", [borrowing.pk]), ("rota_add", [borrowing.pk])):
        assert viewer_client.post(reverse(f"ill:{name}", args=args)).status_code == 403


def test_a_librarian_asks_for_a_book_and_the_rota_is_suggested(
    network, ill_client, tmp_path, officer
):
    for institution in (*network.lenders, network.home):
        holding(institution, tmp_path)
    # FR-2 has a reciprocal agreement in effect with us; DE-1 does not.
    agreement = Agreement.objects.create(type=AgreementType.ILL_RECIPROCAL, title="ILL",
                                         status=AgreementStatus.IN_EFFECT)  # fmt: skip
    for institution, role in ((network.home, PartyRole.OUR_LIBRARY),
                              (network.lenders[1], PartyRole.PARTNER)):  # fmt: skip
        AgreementParty.objects.create(agreement=agreement, institution=institution, role=role)
    response = ill_client.post(reverse("ill:create"), {
        "service": "loan", "title": "Der Zauberberg", "isbn": "3-10-048228-X",
        "patron_name": "王小明",
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    request = IllRequest.objects.get()
    assert request.isbn == ISBN
    page = ill_client.get(reverse("ill:detail", args=[request.pk])).content.decode()
    assert "Our own library holds this item" in page
    assert "reciprocal ILL agreement in effect" in page
    ill_client.post(reverse("ill:rota_suggest", args=[request.pk]))
    assert [e.institution for e in request.rota.all()] == [network.lenders[1], network.lenders[0]]
    ill_client.post(reverse("ill:act", args=[request.pk, "submit"]))
    request.refresh_from_db()
    assert request.state == State.SENT and request.partner == network.lenders[1]
    sent = request.messages.get(direction=Direction.OUTGOING)
    assert sent.delivery == Delivery.PENDING
    page = ill_client.get(reverse("ill:detail", args=[request.pk])).content.decode()
    assert (
        "Request" in page
        and ill_client.get(reverse("ill:message", args=[request.pk, sent.pk])).status_code == 200
    )


def test_policies_and_closures_leave_partners_out(network, ill_client, tmp_path):
    for institution in network.lenders:
        holding(institution, tmp_path)
    IllPolicy.objects.create(institution=network.lenders[0], lends_returnables=False)
    today = dt.date.today()
    Closure.objects.create(institution=network.lenders[1], start=today - dt.timedelta(days=1),
                           end=today + dt.timedelta(days=3), reason="holiday")  # fmt: skip
    ill_client.post(reverse("ill:create"), {"service": "loan", "title": "Z", "isbn": ISBN})
    request = IllRequest.objects.get()
    page = ill_client.get(reverse("ill:detail", args=[request.pk])).content.decode()
    assert "does not lend returnables" in page and "closed until" in page
    ill_client.post(reverse("ill:rota_suggest", args=[request.pk]))
    assert not request.rota.exists()


def test_bad_input_is_named_on_the_form(ill_client, network):
    response = ill_client.post(reverse("ill:create"), {
        "service": "loan", "title": "X", "isbn": "978-3-10-048228-1", "issn": "1234-5678",
        "max_cost": "10", "need_before": "2001-01-01",
    })  # fmt: skip
    form = response.context["form"]
    assert set(form.errors) == {"isbn", "issn", "max_cost_currency", "need_before"}
    assert not IllRequest.objects.exists()


def test_an_illegal_action_says_why(ill_client, borrowing):
    response = ill_client.post(reverse("ill:act", args=[borrowing.pk, "receive"]), follow=True)
    assert "is not possible now" in response.content.decode()


def test_openurl_fills_the_form(ill_client, network):
    query = (
        "url_ver=Z39.88-2004&rft_val_fmt=info:ofi/fmt:kev:mtx:journal&rft.genre=article"
        "&rft.atitle=On+computable+numbers&rft.jtitle=Proceedings+of+the+London+Mathematical+Society"
        "&rft.aulast=Turing&rft.aufirst=Alan&rft.issn=0024-6115&rft.date=1937&rft.volume=s2-42"
        "&rft.issue=1&rft.spage=230&rft.epage=265&rft_id=info:doi/10.1112/plms/s2-42.1.230"
    )
    form = ill_client.get(f"{reverse('openurl')}?{query}").context["form"]
    assert form.initial == {
        "service": Service.COPY, "title": "Proceedings of the London Mathematical Society",
        "article_title": "On computable numbers", "article_author": "Turing, Alan",
        "issn": "0024-6115", "doi": "10.1112/plms/s2-42.1.230", "date": "1937",
        "volume": "s2-42", "issue": "1", "pages": "230-265",
    }  # fmt: skip
    book = ill_client.get(f"{reverse('openurl')}?genre=book&title=Dream+of+the+Red+Chamber"
                          "&isbn=9787020002207&aulast=Cao").context["form"]  # fmt: skip
    assert (book.initial["service"], book.initial["title"], book.initial["author"]) == (
        Service.LOAN,
        "Dream of the Red Chamber",
        "Cao",
    )


def test_worklists(ill_client, borrowing, network):
    lending = services.create_request(None, Role.SUPPLIER, service=Service.COPY, title="Incoming",
                                      partner=network.lenders[0], their_id="t-1")  # fmt: skip
    for name, expected in (
        ("attention", {borrowing.pk, lending.pk}),
        ("borrowing", {borrowing.pk}),
        ("incoming", {lending.pk}),
        ("overdue", set()),
    ):
        page = ill_client.get(reverse("ill:list"), {"list": name}).context["page"]
        assert {r.pk for r in page.object_list} == expected, name
    found = ill_client.get(reverse("ill:list"), {"list": "all", "q": "incom"}).context["page"]
    assert [r.pk for r in found.object_list] == [lending.pk]


def test_a_reciprocal_agreement_is_shown_on_the_request(network, ill_client):
    from bibliobridge.ill.tests.conftest import partner_request
    from bibliobridge.ill.tests.test_flows import deliver

    agreement = Agreement.objects.create(type=AgreementType.ILL_RECIPROCAL, title="ILL",
                                         status=AgreementStatus.IN_EFFECT)  # fmt: skip
    for institution, role in ((network.home, PartyRole.OUR_LIBRARY),
                              (network.lenders[0], PartyRole.PARTNER)):  # fmt: skip
        AgreementParty.objects.create(agreement=agreement, institution=institution, role=role)
    assert deliver(network, partner_request("recip-1", "DE-1")).ok
    lending = IllRequest.objects.get(their_id="recip-1")
    page = ill_client.get(reverse("ill:detail", args=[lending.pk])).content.decode()
    assert "we supply free of charge" in page


def test_the_readers_note_stays_and_each_message_shows_its_own(network, ill_client, ill_staff):
    request = services.create_request(
        ill_staff, Role.REQUESTER, service=Service.LOAN, title="Der Zauberberg",
        note="Band 2 genügt / 只需第二卷",
    )  # fmt: skip
    services.set_rota(ill_staff, request, [(network.lenders[0], "holds it")])
    services.transition(request, "submit", ill_staff)
    answer = supplier_says(request.our_id, "DE-1", "WillSupply", "RequestResponse",
                           note="Nur Band 2 vorhanden")  # fmt: skip
    assert deliver(network, answer).ok
    assert deliver(network, supplier_says(request.our_id, "DE-1", "Loaned")).ok  # no note

    request.refresh_from_db()
    assert (request.state, request.note) == (State.SHIPPED, "Band 2 genügt / 只需第二卷")
    page = ill_client.get(reverse("ill:detail", args=[request.pk])).content.decode()
    assert page.count("Band 2 genügt / 只需第二卷") == 2  # the request's, and sent with it
    assert "<td>Nur Band 2 vorhanden</td>" in page
