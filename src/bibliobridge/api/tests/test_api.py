import json

import pytest
from django.test import Client

from bibliobridge.agreements.models import Agreement
from bibliobridge.core.services import create_api_token
from bibliobridge.partners import services as partner_services
from bibliobridge.partners.models import Institution
from bibliobridge.partners.tests.factories import InstitutionFactory


def api_client(user) -> Client:
    _token, raw = create_api_token(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


NEW = {
    "kind": "university_library",
    "name": "Biblioteka Uniwersytecka w Warszawie",
    "name_en": "University of Warsaw Library",
    "country": "pl",
    "time_zone": "Europe/Warsaw",
    "languages": ["pl"],
    "currencies": ["PLN"],
    "identifiers": [{"scheme": "isil", "value": "PL-WaU"}],
    "tags": ["Europe"],
}


@pytest.mark.django_db
def test_without_a_token_the_api_answers_401(client):
    assert client.get("/api/v1/institutions").status_code == 401
    assert (
        Client(HTTP_AUTHORIZATION="Bearer bb_forged").get("/api/v1/institutions").status_code == 401
    )


@pytest.mark.django_db
def test_session_cookies_do_not_authenticate_the_api(viewer_client):
    assert viewer_client.get("/api/v1/institutions").status_code == 401


@pytest.mark.django_db
def test_list_and_get_institutions(viewer):
    institution = InstitutionFactory(name="国立国会図書館", country="JP", time_zone="Asia/Tokyo")
    partner_services.add_identifier(None, institution, "isil", "JP-1000001")
    client = api_client(viewer)
    page = client.get("/api/v1/institutions", {"q": "国会"}).json()
    assert page["count"] == 1
    assert page["results"][0]["identifiers"] == [{"scheme": "isil", "value": "JP-1000001"}]
    one = client.get(f"/api/v1/institutions/{institution.pk}").json()
    assert (one["name"], one["country"]) == ("国立国会図書館", "JP")
    assert client.get("/api/v1/institutions/999999").status_code == 404


@pytest.mark.django_db
def test_create_goes_through_the_service_and_is_audited(officer):
    response = api_client(officer).post(
        "/api/v1/institutions", json.dumps(NEW), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["country"] == "PL" and body["identifiers"] == [
        {"scheme": "isil", "value": "PL-WaU"}
    ]
    institution = Institution.objects.get(pk=body["id"])
    from bibliobridge.core.models import ActivityLog

    assert ActivityLog.objects.get(action="created", object_id=str(institution.pk)).actor == officer


@pytest.mark.django_db
def test_create_with_bad_isil_answers_422_naming_the_field(officer):
    bad = {**NEW, "identifiers": [{"scheme": "isil", "value": "QQ-WaU"}]}
    response = api_client(officer).post(
        "/api/v1/institutions", json.dumps(bad), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["detail"]["identifiers"] == [
        "“QQ” is not an ISO 3166 country code, so it cannot start an ISIL."
    ]
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_viewer_may_not_create_or_change(viewer):
    client = api_client(viewer)
    assert (
        client.post(
            "/api/v1/institutions", json.dumps(NEW), content_type="application/json"
        ).status_code
        == 403
    )
    institution = InstitutionFactory()
    response = client.patch(
        f"/api/v1/institutions/{institution.pk}",
        json.dumps({"city": "X"}),
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_patch_changes_only_given_fields(officer):
    institution = InstitutionFactory(city="")
    response = api_client(officer).patch(
        f"/api/v1/institutions/{institution.pk}",
        json.dumps({"city": "Heidelberg"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["city"] == "Heidelberg"
    institution.refresh_from_db()
    assert institution.city == "Heidelberg" and institution.country == "DE"


@pytest.mark.django_db
def test_agreement_create_list_and_transition(officer, viewer):
    partner = InstitutionFactory()
    home = InstitutionFactory(name_en="Our Library")
    payload = {
        "type": "ill_reciprocal",
        "title": "Reciprocal ILL with Heidelberg",
        "effective_date": "2026-01-01",
        "expiry_date": "2028-12-31",
        "notice_days": 90,
        "parties": [
            {"institution_id": home.pk, "role": "our_library", "reference": "SQ-2026-001"},
            {"institution_id": partner.pk, "role": "partner", "reference": "UBH/ILL/7"},
        ],
        "conditions": [
            {"kind": "ill_free_requests", "quantity": "50", "unit": "requests", "period": "year"}
        ],
    }
    client = api_client(officer)
    response = client.post(
        "/api/v1/agreements", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["notice_deadline"] == "2028-10-02"
    assert [p["reference"] for p in body["parties"]] == ["SQ-2026-001", "UBH/ILL/7"]
    agreement_id = body["id"]
    for action, status in [
        ("negotiate", "negotiating"),
        ("sign", "signed"),
        ("bring_into_effect", "in_effect"),
    ]:
        response = client.post(
            f"/api/v1/agreements/{agreement_id}/transition",
            json.dumps({"action": action}),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == status
    refused = client.post(
        f"/api/v1/agreements/{agreement_id}/transition",
        json.dumps({"action": "negotiate"}),
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert Agreement.objects.get(pk=agreement_id).status == "in_effect"
    viewer_api = api_client(viewer)
    assert viewer_api.get("/api/v1/agreements", {"status": "in_effect"}).json()["count"] == 1
    denied = viewer_api.post(
        f"/api/v1/agreements/{agreement_id}/transition",
        json.dumps({"action": "terminate"}),
        content_type="application/json",
    )
    assert denied.status_code == 403


@pytest.mark.django_db
def test_openapi_schema_is_published_and_lists_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Bibliobridge API"
    assert {
        "/api/v1/institutions",
        "/api/v1/institutions/{institution_id}",
        "/api/v1/agreements",
        "/api/v1/agreements/{agreement_id}/transition",
    } <= set(schema["paths"])


@pytest.mark.django_db
def test_responses_match_the_openapi_schema(viewer):
    """Every property the schema promises for an institution is in the response, and no more."""
    schema = Client().get("/api/v1/openapi.json").json()
    promised = set(schema["components"]["schemas"]["InstitutionOut"]["properties"])
    InstitutionFactory()
    result = api_client(viewer).get("/api/v1/institutions").json()["results"][0]
    assert set(result) == promised
