import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bibliobridge.agreements import services
from bibliobridge.agreements.enums import AgreementStatus, DocumentKind, PartyRole
from bibliobridge.agreements.models import Agreement, AgreementVersion, Condition
from bibliobridge.core.enums import Action
from bibliobridge.core.models import ActivityLog

from .factories import AgreementFactory, HomeInstitutionFactory, InstitutionFactory

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def agreement(db):
    return AgreementFactory(
        title="Reciprocal ILL with Leiden", parties=[InstitutionFactory(), InstitutionFactory()]
    )


@pytest.fixture
def signed(db):
    return AgreementFactory(title="Signed exchange", status=AgreementStatus.IN_EFFECT)


@pytest.fixture
def document(agreement, officer):
    return services.upload_document(
        officer,
        agreement,
        SimpleUploadedFile("Leiden agreement.pdf", PDF),
        DocumentKind.SIGNED_COPY,
    )


def read_urls(agreement, document=None, version=1):
    urls = [
        reverse("agreements:list"),
        reverse("agreements:calendar"),
        reverse("agreements:detail", args=[agreement.pk]),
    ]
    if document is not None:
        urls.append(reverse("agreements:download", args=[agreement.pk, document.pk]))
    return urls


class TestDenied:
    def test_outsider_cannot_read(self, outsider_client, agreement, document, signed, officer):
        services.amend_agreement(officer, signed, {"title": "B"}, "why")
        urls = [
            *read_urls(agreement, document),
            reverse("agreements:version", args=[signed.pk, 1]),
            reverse("agreements:export_xlsx"),
            reverse("agreements:export_ical"),
        ]
        assert [outsider_client.get(url).status_code for url in urls] == [403] * len(urls)

    def test_anonymous_is_sent_to_sign_in(self, client, agreement):
        response = client.get(reverse("agreements:detail", args=[agreement.pk]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]

    def test_viewer_cannot_write(self, viewer_client, agreement, signed):
        party = agreement.parties.first()
        condition = Condition.objects.create(
            agreement=agreement, kind="other", quantity=1, unit="items"
        )
        gets = [
            reverse("agreements:create"),
            reverse("agreements:edit", args=[agreement.pk]),
            reverse("agreements:amend", args=[signed.pk]),
            reverse("agreements:upload", args=[agreement.pk]),
            reverse("agreements:party_edit", args=[agreement.pk, party.pk]),
            reverse("agreements:export_xlsx"),
            reverse("agreements:export_ical"),
        ]
        posts = [
            reverse("agreements:create"),
            reverse("agreements:edit", args=[agreement.pk]),
            reverse("agreements:amend", args=[signed.pk]),
            reverse("agreements:transition", args=[agreement.pk, "negotiate"]),
            reverse("agreements:upload", args=[agreement.pk]),
            reverse("agreements:condition_add", args=[agreement.pk]),
            reverse("agreements:condition_remove", args=[agreement.pk, condition.pk]),
            reverse("agreements:party_add", args=[agreement.pk]),
            reverse("agreements:party_remove", args=[agreement.pk, party.pk]),
        ]
        assert [viewer_client.get(url).status_code for url in gets] == [403] * len(gets)
        assert [viewer_client.post(url, {"title": "x"}).status_code for url in posts] == [
            403
        ] * len(posts)
        assert Agreement.objects.get(pk=agreement.pk).status == "draft"
        assert agreement.conditions.count() == 1

    def test_ill_staff_reads_but_cannot_transition(self, ill_client, agreement):
        assert ill_client.get(reverse("agreements:detail", args=[agreement.pk])).status_code == 200
        url = reverse("agreements:transition", args=[agreement.pk, "negotiate"])
        assert ill_client.post(url).status_code == 403

    def test_transition_is_post_only(self, officer_client, agreement):
        url = reverse("agreements:transition", args=[agreement.pk, "negotiate"])
        assert officer_client.get(url).status_code == 405

    def test_unknown_agreement_is_404(self, officer_client):
        assert officer_client.get(reverse("agreements:detail", args=[999999])).status_code == 404


class TestReadPages:
    def test_viewer_reads_list_detail_calendar(self, viewer_client, agreement, document):
        assert [viewer_client.get(url).status_code for url in read_urls(agreement, document)] == [
            200
        ] * 4

    def test_detail_shows_parties_conditions_documents_and_history(
        self, officer_client, officer, document
    ):
        agreement = document.agreement
        party = agreement.parties.first()
        services.update_party(
            officer, party, {"reference": "UBL-2026/3", "signatory_name": "Dr. Anna de Vries"}
        )
        services.add_condition(
            officer, agreement,
            {"kind": "staff_exchange", "quantity": 2, "unit": "persons", "per_quantity": 14, "per_unit": "days"},
        )  # fmt: skip
        response = officer_client.get(reverse("agreements:detail", args=[agreement.pk]))
        body = response.content.decode()
        assert "UBL-2026/3" in body
        assert "Dr. Anna de Vries" in body
        assert "2 persons × 14 days per year" in body
        assert hashlib.sha256(PDF).hexdigest() in body
        # Only the actions the workflow allows from draft.
        assert reverse("agreements:transition", args=[agreement.pk, "negotiate"]) in body
        assert reverse("agreements:transition", args=[agreement.pk, "sign"]) in body
        assert reverse("agreements:transition", args=[agreement.pk, "expire"]) not in body
        assert "uploaded a document" in body

    def test_viewer_sees_no_transition_buttons(self, viewer_client, agreement):
        body = viewer_client.get(reverse("agreements:detail", args=[agreement.pk])).content.decode()
        assert "/status/" not in body

    def test_download(self, viewer_client, document):
        response = viewer_client.get(
            reverse("agreements:download", args=[document.agreement_id, document.pk])
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Leiden agreement.pdf"'
        assert b"".join(response.streaming_content) == PDF

    def test_download_of_another_agreements_document_is_404(self, viewer_client, document, signed):
        url = reverse("agreements:download", args=[signed.pk, document.pk])
        assert viewer_client.get(url).status_code == 404

    def test_version_page(self, viewer_client, officer, signed):
        services.amend_agreement(
            officer, signed, {"title": "Signed exchange, amended"}, "Typo in title"
        )
        response = viewer_client.get(reverse("agreements:version", args=[signed.pk, 1]))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Signed exchange, version 1" in body
        assert "Typo in title" in body
        assert (
            viewer_client.get(reverse("agreements:version", args=[signed.pk, 2])).status_code == 404
        )

    def test_calendar_groups_by_month(self, viewer_client, settings):
        today = dt.date.today()
        soon = today + dt.timedelta(days=40)
        AgreementFactory(title="Expiring soon", status="in_effect", expiry_date=soon)
        AgreementFactory(title="Draft, not shown", status="draft", expiry_date=soon)
        url = reverse("agreements:calendar")
        overview = viewer_client.get(url)
        assert len(overview.context["months"]) == 24
        assert sum(m.count for m in overview.context["months"]) == 1
        body = viewer_client.get(url, {"month": soon.strftime("%Y-%m")}).content.decode()
        assert "Expiring soon" in body
        assert "Draft, not shown" not in body

    @pytest.mark.parametrize("count", [3, 60])
    def test_calendar_pages_a_full_month_in_constant_queries(
        self, viewer_client, django_assert_max_num_queries, count
    ):
        today = dt.date.today()
        month = today.replace(day=1) + dt.timedelta(days=62)  # within the month after next
        for n in range(count):
            AgreementFactory(
                title=f"Ends {n:02d}", status="in_effect", expiry_date=month.replace(day=1 + n % 28),
                parties=[InstitutionFactory(), InstitutionFactory()],
            )  # fmt: skip
        url = reverse("agreements:calendar")
        params = {"month": month.strftime("%Y-%m")}
        with django_assert_max_num_queries(12):
            first = viewer_client.get(url, params)
        shown = first.context["month"]
        assert len(shown.deadlines) == min(count, 50)
        assert [d.date for d in shown.deadlines] == sorted(d.date for d in shown.deadlines)
        if count > 50:
            second = viewer_client.get(url, {**params, "page": 2}).context["month"]
            assert len(second.deadlines) == count - 50
            assert f"month={params['month']}&amp;page=2" in first.content.decode()


class TestList:
    def test_filters(self, viewer_client):
        leiden = InstitutionFactory(name_en="Leiden University Libraries", country="NL")
        AgreementFactory(title="Exchange A", type="publication_exchange", parties=[leiden])
        AgreementFactory(title="ILL B", type="ill_reciprocal", status="in_effect",
                         expiry_date=dt.date.today() + dt.timedelta(days=20))  # fmt: skip
        url = reverse("agreements:list")

        def titles(**params):
            rows = viewer_client.get(url, params).context["rows"]
            return sorted(a.title for a in rows)

        assert titles() == ["Exchange A", "ILL B"]
        assert titles(type="publication_exchange") == ["Exchange A"]
        assert titles(status="in_effect") == ["ILL B"]
        assert titles(country="nl") == ["Exchange A"]
        assert titles(q="leiden") == ["Exchange A"]
        assert titles(q="ill") == ["ILL B"]
        assert titles(expiring_within=30) == ["ILL B"]
        assert titles(expiring_within=10) == []

    def test_filter_form_follows_the_language_and_filters(self, viewer_client):
        # The form is rendered once per language and filters (a cache).
        url = reverse("agreements:list")
        html = viewer_client.get(url, {"status": "signed"}).content.decode()
        assert '<option value="signed" selected>Signed</option>' in html
        assert (
            "is not an ISO 3166 country code"
            in viewer_client.get(url, {"country": "XX"}).content.decode()
        )
        viewer_client.cookies["django_language"] = "zh-hans"
        html = viewer_client.get(url, {"status": "signed"}).content.decode()
        assert '<option value="signed" selected>已签署</option>' in html
        assert (
            "不是 ISO 3166 国家代码" in viewer_client.get(url, {"country": "XX"}).content.decode()
        )

    def test_paging(self, viewer_client):
        institution = InstitutionFactory()
        for _ in range(51):
            AgreementFactory(parties=[institution])
        first = viewer_client.get(reverse("agreements:list")).context["rows"]
        second = viewer_client.get(reverse("agreements:list"), {"page": 2}).context["rows"]
        assert (len(first), len(second)) == (50, 1)

    @pytest.mark.parametrize("count", [5, 60])
    def test_query_count_is_constant(self, viewer_client, django_assert_max_num_queries, count):
        for _ in range(count):
            AgreementFactory(parties=[InstitutionFactory(), InstitutionFactory()])
        # session, user, permissions (2), count, page, owners, parties, institutions
        with django_assert_max_num_queries(9):
            response = viewer_client.get(reverse("agreements:list"))
        assert response.status_code == 200


class TestWrites:
    def test_create_adds_home_library(self, officer_client, officer):
        home = HomeInstitutionFactory()
        partner = InstitutionFactory(name_en="Leiden University Libraries")
        response = officer_client.post(
            reverse("agreements:create"),
            {
                "type": "publication_exchange", "title": "Exchange with Leiden",
                "effective_date": "2026-01-01", "expiry_date": "2030-12-31", "notice_days": "180",
                "owner": officer.pk, "partner": partner.pk, "partner_reference": "UBL-9",
                "our_reference": "PKU-1",
            },
        )  # fmt: skip
        agreement = Agreement.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("agreements:detail", args=[agreement.pk])
        assert [(p.institution, p.role, p.reference) for p in agreement.parties.all()] == [
            (home, PartyRole.OUR_LIBRARY, "PKU-1"),
            (partner, PartyRole.PARTNER, "UBL-9"),
        ]
        assert (agreement.owner, agreement.notice_days, agreement.status) == (officer, 180, "draft")

    def test_create_form_errors(self, officer_client):
        partner = InstitutionFactory()
        response = officer_client.post(
            reverse("agreements:create"),
            {"type": "conference", "title": "X", "effective_date": "2027-01-01", "expiry_date": "2026-01-01",
             "partner": partner.pk, "auto_renew": "on"},
        )  # fmt: skip
        assert response.status_code == 200
        assert "renewal_months" in response.context["form"].errors
        assert Agreement.objects.count() == 0

    def test_create_page(self, officer_client):
        assert officer_client.get(reverse("agreements:create")).status_code == 200

    def test_edit(self, officer_client, agreement):
        url = reverse("agreements:edit", args=[agreement.pk])
        assert officer_client.get(url).status_code == 200
        response = officer_client.post(
            url, {"type": "ill_reciprocal", "title": "Renamed", "notice_days": "30"}
        )
        assert response.status_code == 302
        assert Agreement.objects.get(pk=agreement.pk).title == "Renamed"

    def test_edit_of_signed_redirects_to_amend(self, officer_client, signed):
        response = officer_client.get(reverse("agreements:edit", args=[signed.pk]))
        assert response.status_code == 302

    def test_amend(self, officer_client, signed):
        url = reverse("agreements:amend", args=[signed.pk])
        assert officer_client.get(url).status_code == 200
        response = officer_client.post(
            url,
            {"type": signed.type, "title": signed.title, "effective_date": "2026-01-01",
             "expiry_date": "2031-12-31", "reason": "Extended at the 2026 meeting"},
        )  # fmt: skip
        assert response.status_code == 302
        stored = Agreement.objects.get(pk=signed.pk)
        assert (stored.version, stored.expiry_date) == (2, dt.date(2031, 12, 31))
        assert AgreementVersion.objects.get().reason == "Extended at the 2026 meeting"

    def test_transition(self, officer_client, agreement):
        response = officer_client.post(
            reverse("agreements:transition", args=[agreement.pk, "negotiate"]),
            {"note": "sent draft"},
        )
        assert response.status_code == 302
        assert Agreement.objects.get(pk=agreement.pk).status == "negotiating"
        assert ActivityLog.objects.get(action=Action.TRANSITIONED).message == "sent draft"

    def test_refused_transition_shows_message(self, officer_client, agreement):
        response = officer_client.post(
            reverse("agreements:transition", args=[agreement.pk, "expire"]), follow=True
        )
        assert [str(m) for m in response.context["messages"]] == [
            "This agreement is “Draft”, so “Mark as expired” is not possible."
        ]
        assert Agreement.objects.get(pk=agreement.pk).status == "draft"

    def test_upload(self, officer_client, agreement):
        url = reverse("agreements:upload", args=[agreement.pk])
        assert officer_client.get(url).status_code == 200
        response = officer_client.post(
            url,
            {"file": SimpleUploadedFile("a.pdf", PDF), "kind": "signed_copy", "title": "Signed"},
        )
        assert response.status_code == 302
        assert agreement.documents.get().sha256 == hashlib.sha256(PDF).hexdigest()

    def test_upload_fake_pdf_shows_error(self, officer_client, agreement):
        response = officer_client.post(
            reverse("agreements:upload", args=[agreement.pk]),
            {"file": SimpleUploadedFile("a.pdf", b"<html>not a pdf</html>"), "kind": "signed_copy"},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["file"] == [
            "“a.pdf” is not a PDF file (or is incomplete). Upload the agreement as PDF."
        ]
        assert agreement.documents.count() == 0

    def test_conditions_and_parties(self, officer_client, agreement):
        response = officer_client.post(
            reverse("agreements:condition_add", args=[agreement.pk]),
            {"kind": "ill_free_requests", "quantity": "100", "unit": "requests", "period": "year",
             "direction": "each_way"},
        )  # fmt: skip
        assert response.status_code == 302
        condition = agreement.conditions.get()
        assert condition.describe() == "100 requests per year"
        officer_client.post(
            reverse("agreements:condition_remove", args=[agreement.pk, condition.pk])
        )
        assert agreement.conditions.count() == 0

        other = InstitutionFactory()
        officer_client.post(
            reverse("agreements:party_add", args=[agreement.pk]),
            {"institution": other.pk, "role": "member"},
        )
        party = agreement.parties.get(institution=other)
        url = reverse("agreements:party_edit", args=[agreement.pk, party.pk])
        assert officer_client.get(url).status_code == 200
        officer_client.post(url, {"institution": other.pk, "role": "member", "reference": "R-1"})
        party.refresh_from_db()
        assert party.reference == "R-1"
        officer_client.post(reverse("agreements:party_remove", args=[agreement.pk, party.pk]))
        assert agreement.parties.count() == 2

    def test_duplicate_party_shows_message(self, officer_client, agreement):
        existing = agreement.parties.first().institution
        response = officer_client.post(
            reverse("agreements:party_add", args=[agreement.pk]),
            {"institution": existing.pk, "role": "member"},
            follow=True,
        )
        assert [str(m) for m in response.context["messages"]] == [
            f"Institution: {existing} is already a party to this agreement."
        ]


def test_pages_render_in_chinese(officer_client, officer, signed, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    officer.language = "zh-hans"
    officer.save()
    services.amend_agreement(officer, signed, {"expiry_date": dt.date(2029, 3, 31)}, "延期")
    urls = [
        reverse("agreements:list"),
        reverse("agreements:calendar"),
        reverse("agreements:create"),
        reverse("agreements:detail", args=[signed.pk]),
        reverse("agreements:amend", args=[signed.pk]),
        reverse("agreements:version", args=[signed.pk, 1]),
    ]
    responses = [officer_client.get(url) for url in urls]
    assert [r.status_code for r in responses] == [200] * len(urls)
    assert "2029年3月31日" in responses[3].content.decode()
