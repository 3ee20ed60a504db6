"""ILL in the JSON API: the same checks, permissions and transitions as the pages."""

import json

from bibliobridge.api.tests.test_api import api_client
from bibliobridge.ill.enums import Direction, State
from bibliobridge.ill.models import IllRequest


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_borrowing_through_the_api(network, ill_staff, viewer):
    staff = api_client(ill_staff)
    created = post(staff, "/api/v1/ill/requests", {
        "service": "loan", "title": "Der Zauberberg", "isbn": "978-3-10-048228-0",
        "lender_ids": [network.lenders[0].pk],
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["state"], body["isbn"]) == ("new", "9783100482280")
    assert [r["institution_id"] for r in body["rota"]] == [network.lenders[0].pk]
    step = post(staff, f"/api/v1/ill/requests/{body['id']}/steps/submit", {})
    assert step.status_code == 200 and step.json()["state"] == State.SENT
    assert [m["kind"] for m in step.json()["messages"]] == ["request"]
    listed = staff.get("/api/v1/ill/requests", {"list": "borrowing"}).json()
    assert [r["id"] for r in listed] == [body["id"]]
    assert IllRequest.objects.get().messages.filter(direction=Direction.OUTGOING).count() == 1


def test_bad_input_and_illegal_steps_are_422(network, ill_staff):
    staff = api_client(ill_staff)
    bad = post(staff, "/api/v1/ill/requests", {"service": "loan", "title": "X", "isbn": "123"})
    assert bad.status_code == 422 and "isbn" in bad.json()["detail"]
    made = post(staff, "/api/v1/ill/requests", {"service": "loan", "title": "X"}).json()
    refused = post(staff, f"/api/v1/ill/requests/{made['id']}/steps/receive", {})
    assert refused.status_code == 422 and "not possible" in json.dumps(refused.json())
    assert staff.get("/api/v1/ill/requests/999999").status_code == 404


def test_permissions(network, viewer, ill_staff):
    reader = api_client(viewer)
    assert reader.get("/api/v1/ill/requests").status_code == 200
    assert (
        post(reader, "/api/v1/ill/requests", {"service": "loan", "title": "X"}).status_code == 403
    )
    made = post(api_client(ill_staff), "/api/v1/ill/requests", {"service": "loan", "title": "X"})
    step = post(reader, f"/api/v1/ill/requests/{made.json()['id']}/steps/close", {})
    assert step.status_code == 403
