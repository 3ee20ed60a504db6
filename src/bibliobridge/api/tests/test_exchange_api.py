"""Publication exchange in the API: the pages' permissions, the services' rules and
messages, answers that keep to the published schema."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from bibliobridge.core.models import ActivityLog
from bibliobridge.exchange import portal, reservations, services, shipments
from bibliobridge.exchange.enums import ItemStatus, ListKind
from bibliobridge.exchange.models import ListItem, MatchSuggestion
from bibliobridge.partners.tests.factories import InstitutionFactory

from .test_api import api_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange"


def post(client: Client, path: str, data: dict | None = None):
    return client.post(f"{URL}{path}", json.dumps(data or {}), content_type="application/json")


def patch(client: Client, path: str, data: dict):
    return client.patch(f"{URL}{path}", json.dumps(data), content_type="application/json")


def add(actor, exchange_list, title, **values):
    return services.add_item(actor, exchange_list, {"title": title, **values})


@pytest.fixture
def staff_api(exchange_staff) -> Client:
    return api_client(exchange_staff)


@pytest.fixture
def match(exchange_staff, offer_list, want_list) -> MatchSuggestion:
    """The partner wants what we offer: the same ISBN on both sides."""
    add(exchange_staff, offer_list, "Lu Xun quan ji", isbn="9787020050857")
    add(exchange_staff, want_list, "鲁迅全集", isbn="978-7-02-005085-7")
    services.find_matches(exchange_staff)
    return MatchSuggestion.objects.get()


# ---------------------------------------------------------------- access


def test_without_a_token_the_exchange_answers_401(client, offer_list):
    assert client.get(f"{URL}/lists").status_code == 401
    assert client.post(f"{URL}/lists/{offer_list.pk}/items").status_code == 401
    assert client.get(f"{URL}/ledger").status_code == 401


def test_without_exchange_permissions_reads_and_writes_are_403(
    outsider, viewer, offer_list, match, prepared
):
    item = offer_list.items.first()
    count = offer_list.items.count()
    outsider_api = api_client(outsider)
    for path in (
        "/lists",
        f"/lists/{offer_list.pk}",
        f"/lists/{offer_list.pk}/items",
        f"/items/{item.pk}",
        "/matches",
        "/shipments",
        f"/shipments/{prepared.pk}",
        "/ledger",
    ):
        assert outsider_api.get(f"{URL}{path}").status_code == 403, path
    # The viewer reads everything, and changes nothing.
    viewer_api = api_client(viewer)
    assert viewer_api.get(f"{URL}/lists/{offer_list.pk}/items").status_code == 200
    assert post(viewer_api, f"/lists/{offer_list.pk}/items", {"title": "X"}).status_code == 403
    assert patch(viewer_api, f"/items/{item.pk}", {"quantity": 2}).status_code == 403
    assert post(viewer_api, f"/matches/{match.pk}/accept").status_code == 403
    assert post(viewer_api, f"/matches/{match.pk}/reject").status_code == 403
    assert post(viewer_api, f"/shipments/{prepared.pk}/cancel").status_code == 403
    assert offer_list.items.count() == count
    assert ListItem.objects.get(pk=item.pk).quantity == item.quantity
    match.refresh_from_db()
    prepared.refresh_from_db()
    assert (match.status, prepared.status) == ("suggested", "prepared")


# ---------------------------------------------------------------- lists and items


def test_lists_filtered_by_kind_and_partner(staff_api, partner, offer_list, want_list):
    page = staff_api.get(f"{URL}/lists", {"kind": "want"}).json()
    assert (page["count"], page["page"], page["page_size"]) == (1, 1, 50)
    [row] = page["results"]
    assert (row["id"], row["name"], row["partner_id"], row["partner"], row["item_count"]) == (
        want_list.pk, "NDL desiderata", partner.pk, "National Diet Library", 0,
    )  # fmt: skip
    mine = staff_api.get(f"{URL}/lists", {"kind": "offer"}).json()["results"]
    assert [(r["name"], r["partner_id"], r["partner"]) for r in mine] == [
        ("Duplicates 2026", None, "")
    ]
    by_partner = staff_api.get(f"{URL}/lists", {"partner": partner.pk}).json()["results"]
    assert [r["id"] for r in by_partner] == [want_list.pk]


def test_one_list_with_its_counts(exchange_staff, staff_api, offer_list):
    add(exchange_staff, offer_list, "红楼梦", isbn="9787020002207")
    add(exchange_staff, offer_list, "Misprinted", isbn="12345")
    body = staff_api.get(f"{URL}/lists/{offer_list.pk}").json()
    assert (body["kind"], body["item_count"], body["flagged_count"]) == ("offer", 2, 1)
    assert staff_api.get(f"{URL}/lists/999999").status_code == 404


def test_items_paged_and_filtered(exchange_staff, staff_api, offer_list):
    for title in ("Hamlet", "Macbeth", "Othello"):
        add(exchange_staff, offer_list, title, author="Shakespeare")
    sent = add(exchange_staff, offer_list, "Faust", author="Goethe", isbn="978-3-15-000001-4")
    services.update_item(exchange_staff, sent, {"status": ItemStatus.RESERVED})
    path = f"{URL}/lists/{offer_list.pk}/items"

    first = staff_api.get(path, {"page_size": 3}).json()
    second = staff_api.get(path, {"page_size": 3, "page": 2}).json()

    assert (first["count"], first["page_size"]) == (4, 3)
    assert [r["title"] for r in first["results"]] == ["Hamlet", "Macbeth", "Othello"]
    assert [r["title"] for r in second["results"]] == ["Faust"]
    assert staff_api.get(path, {"page_size": 1000}).json()["page_size"] == 100
    reserved = staff_api.get(path, {"status": "reserved"}).json()["results"]
    assert [r["title"] for r in reserved] == ["Faust"]
    assert [r["title"] for r in staff_api.get(path, {"q": "mac"}).json()["results"]] == ["Macbeth"]
    assert [r["title"] for r in staff_api.get(path, {"q": "3-15-000001"}).json()["results"]] == [
        "Faust"
    ]
    one = staff_api.get(f"{URL}/items/{sent.pk}").json()
    assert (one["list_id"], one["isbn"], one["status"]) == (
        offer_list.pk,
        "9783150000014",
        "reserved",
    )
    assert staff_api.get(f"{URL}/items/999999").status_code == 404


def test_add_an_item_through_the_service(exchange_staff, staff_api, offer_list):
    response = post(
        staff_api,
        f"/lists/{offer_list.pk}/items",
        {"title": "红楼梦", "isbn": "7-02-000220-X", "quantity": 2, "price": "45.50",
         "currency": "cny", "language": "ZH"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["isbn"], body["isbn_valid"], body["status"]) == (
        "9787020002207",
        True,
        "available",
    )
    assert (body["price"], body["currency"], body["language"], body["quantity"]) == (
        "45.50", "CNY", "zh", 2,
    )  # fmt: skip
    entry = ActivityLog.objects.filter(object_id=str(offer_list.pk)).latest("id")
    assert (entry.actor, entry.changes) == (exchange_staff, {"list item": [None, "红楼梦"]})
    # An ISBN that does not check is kept as typed and flagged, as on the page.
    flagged = post(staff_api, f"/lists/{offer_list.pk}/items", {"title": "X", "isbn": "12345"})
    assert flagged.status_code == 201
    assert (flagged.json()["isbn"], flagged.json()["isbn_valid"]) == ("12345", False)


def test_a_refused_item_answers_422_naming_the_field(staff_api, offer_list, want_list):
    path = f"/lists/{offer_list.pk}/items"
    response = post(staff_api, path, {"title": "红楼梦", "quantity": 0})
    assert response.status_code == 422
    assert response.json()["detail"] == {
        "quantity": ["Ensure this value is greater than or equal to 1."]
    }
    response = post(staff_api, path, {"title": "Journal", "issn": "1234-5678"})
    assert response.json()["detail"] == {
        "issn": ["“1234-5678” is not a valid ISSN (eight characters, such as 0317-8471)."]
    }
    response = post(staff_api, f"/lists/{want_list.pk}/items", {"title": "X", "status": "sent"})
    assert response.json()["detail"] == {"status": ["Wanted items have no status."]}
    assert not ListItem.objects.exists()


def test_a_refused_item_is_explained_in_chinese(exchange_staff, offer_list):
    client = api_client(exchange_staff)
    response = client.post(
        f"{URL}/lists/{offer_list.pk}/items",
        json.dumps({"title": "红楼梦", "price": "10"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 422
    assert response.json()["detail"] == {"currency": ["填写价格时须注明货币。"]}


def test_patch_changes_only_the_fields_given(exchange_staff, staff_api, offer_list):
    item = add(exchange_staff, offer_list, "红楼梦", author="曹雪芹", isbn="9787020002207")

    response = patch(staff_api, f"/items/{item.pk}", {"quantity": 3, "price": "12.5",
                                                       "currency": "usd"})  # fmt: skip

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["quantity"], body["price"], body["currency"]) == (3, "12.50", "USD")
    assert (body["title"], body["author"], body["isbn"]) == ("红楼梦", "曹雪芹", "9787020002207")
    entry = ActivityLog.objects.filter(object_id=str(offer_list.pk)).latest("id")
    assert set(entry.changes) == {
        f"list item {item.pk}.quantity",
        f"list item {item.pk}.price",
        f"list item {item.pk}.currency",
    }
    refused = patch(staff_api, f"/items/{item.pk}", {"quantity": 0})
    assert refused.status_code == 422 and list(refused.json()["detail"]) == ["quantity"]
    emptied = patch(staff_api, f"/items/{item.pk}", {"price": None, "currency": ""}).json()
    assert (emptied["price"], emptied["currency"], emptied["quantity"]) == (None, "", 3)


# ---------------------------------------------------------------- matches


def test_matches_with_their_items_and_reasons_in_the_requests_language(
    exchange_staff, partner, match
):
    client = api_client(exchange_staff)
    page = client.get(f"{URL}/matches", {"status": "suggested", "partner": partner.pk}).json()
    assert page["count"] == 1
    [row] = page["results"]
    assert (row["id"], row["status"], row["partner_id"]) == (match.pk, "suggested", partner.pk)
    assert (row["want_id"], row["want_title"], row["offer_id"], row["offer_title"]) == (
        match.want_id, "鲁迅全集", match.offer_id, "Lu Xun quan ji",
    )  # fmt: skip
    assert row["score"] == match.score
    assert row["reasons"][0] == "Same ISBN 9787020050857"
    in_chinese = client.get(f"{URL}/matches/{match.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert in_chinese["reasons"][0] == "ISBN 相同：9787020050857"
    by_list = client.get(f"{URL}/matches", {"list": match.offer.exchange_list_id}).json()
    assert by_list["count"] == 1
    assert client.get(f"{URL}/matches", {"status": "accepted"}).json()["count"] == 0


def test_accepting_reserves_our_offer_and_is_done_once(staff_api, exchange_staff, partner, match):
    response = post(staff_api, f"/matches/{match.pk}/accept")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    offer = ListItem.objects.get(pk=match.offer_id)
    assert (offer.status, offer.reserved_for) == (ItemStatus.RESERVED, partner)
    again = post(staff_api, f"/matches/{match.pk}/reject")
    assert again.status_code == 422
    assert again.json()["detail"] == {
        "__all__": ["This suggestion was decided already; the page shows the decision."]
    }
    match.refresh_from_db()
    assert (match.status, match.decided_by) == ("accepted", exchange_staff)


def test_an_offer_taken_by_another_partner_is_refused_by_name(staff_api, match):
    reservations.reserve([match.offer_id], InstitutionFactory())

    response = post(staff_api, f"/matches/{match.pk}/accept")

    assert response.status_code == 422
    assert response.json()["detail"] == {"__all__": ["No longer available: “Lu Xun quan ji”."]}
    match.refresh_from_db()
    assert match.status == "suggested"


def test_rejecting(staff_api, match):
    response = post(staff_api, f"/matches/{match.pk}/reject")
    assert (response.status_code, response.json()["status"]) == (200, "rejected")
    assert ListItem.objects.get(pk=match.offer_id).status == ItemStatus.AVAILABLE
    assert post(staff_api, "/matches/999999/accept").status_code == 404


# ---------------------------------------------------------------- shipments


def test_shipments_listed_and_one_with_boxes_and_lines(staff_api, partner, prepared):
    page = staff_api.get(f"{URL}/shipments", {"direction": "out", "partner": partner.pk}).json()
    assert page["count"] == 1
    [row] = page["results"]
    assert (row["number"], row["status"], row["line_count"], row["copies"]) == (
        prepared.number, "prepared", 3, 4,
    )  # fmt: skip
    assert staff_api.get(f"{URL}/shipments", {"status": "shipped"}).json()["count"] == 0
    body = staff_api.get(f"{URL}/shipments/{prepared.pk}").json()
    assert body["actions"] == ["ship", "cancel"]
    assert [(b["number"], b["weight_kg"]) for b in body["boxes"]] == [(1, None), (2, None)]
    assert [(line["box"], line["title"], line["quantity"], line["value"]) for line in body["lines"]] == [
        (1, "红楼梦", 2, "91.00"),
        (1, "Война и мир", 1, None),
        (1, "한국의 역사", 1, None),
    ]  # fmt: skip
    assert staff_api.get(f"{URL}/shipments/999999").status_code == 404


def test_a_move_the_workflow_refuses_answers_422_with_the_reason(staff_api, prepared):
    # No body at all: the move's day is today.
    refused = staff_api.post(
        f"{URL}/shipments/{prepared.pk}/deliver", content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == {
        "__all__": [f"{prepared.number} is “Prepared”, so “Record as delivered” is not possible."]
    }
    not_shippable = post(staff_api, f"/shipments/{prepared.pk}/ship")
    assert not_shippable.json()["detail"] == {"__all__": ["Empty boxes: 2."]}
    future = post(staff_api, f"/shipments/{prepared.pk}/acknowledge", {"on": "2999-01-01"})
    assert future.status_code == 422
    assert future.json()["detail"] == {"on": ["A date in the future cannot be recorded."]}
    assert post(staff_api, f"/shipments/{prepared.pk}/check").status_code == 404
    prepared.refresh_from_db()
    assert prepared.status == "prepared"


def test_shipping_through_the_service(exchange_staff, staff_api, prepared, reserved):
    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    today = timezone.localdate()

    response = post(staff_api, f"/shipments/{prepared.pk}/ship", {"on": today.isoformat()})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["shipped_on"], body["actions"]) == (
        "shipped", today.isoformat(), ["deliver"],
    )  # fmt: skip
    assert [i.status for i in ListItem.objects.filter(pk__in=[r.pk for r in reserved])] == [
        "sent"
    ] * 3
    entry = ActivityLog.objects.filter(action="transitioned").latest("id")
    assert (entry.actor, entry.changes["status"]) == (exchange_staff, ["prepared", "shipped"])


def test_a_partners_shipment_is_thanked_or_discarded(exchange_staff, staff_api, partner):
    incoming = shipments.create_incoming(exchange_staff, partner, {"courier": "EMS"})
    path = f"/shipments/{incoming.pk}"
    # Checking takes what was found line by line: the page's, not a move here.
    assert staff_api.get(f"{URL}{path}").json()["actions"] == ["discard"]

    no_contact = post(staff_api, f"{path}/thank", {"mail": True})
    not_yet = post(staff_api, f"{path}/thank")
    discarded = post(staff_api, f"{path}/discard")

    assert no_contact.json()["detail"] == {
        "mail": ["The partner's exchange terms name no contact with an e-mail address."]
    }
    assert not_yet.json()["detail"] == {
        "__all__": [
            f"{incoming.number} is “Received”, so “Send the acknowledgement” is not possible."
        ]
    }
    assert (discarded.status_code, discarded.json()["status"]) == (200, "cancelled")


# ---------------------------------------------------------------- ledger


def test_the_ledger_adds_up_what_was_sent_and_received(
    exchange_staff, staff_api, partner, prepared
):
    """Sent: 4 copies worth 91.00 CNY, 30.00 postage; received: 2 of 3 copies listed at
    30.00, so 20.00; piece for piece with 1 item's imbalance allowed."""
    services.save_terms(exchange_staff, partner, {"kind": "piece_for_piece", "tolerance_items": 1})
    other = InstitutionFactory(name="Zentralbibliothek", name_en="Zentralbibliothek")
    services.save_terms(exchange_staff, other, {"kind": "blanket"})
    shipments.delete_box(exchange_staff, prepared.boxes.get(number=2))
    shipments.update_shipment(
        exchange_staff, prepared, {"postage": Decimal("30.00"), "postage_currency": "CNY"}
    )
    today = timezone.localdate()
    shipments.ship(exchange_staff, prepared, today)
    incoming = shipments.create_incoming(exchange_staff, partner, {"received_on": today})
    line = shipments.add_line(
        exchange_staff, incoming,
        {"title": "源氏物語", "quantity": 3, "value": Decimal("30.00"), "currency": "CNY"},
    )  # fmt: skip
    shipments.record_check(
        exchange_staff, incoming, {line.pk: {"check_result": "received", "quantity_received": 2}}
    )

    books = staff_api.get(f"{URL}/ledger", {"year": today.year}).json()

    assert books == [
        {
            "partner_id": partner.pk, "partner": "National Diet Library", "kind": "piece_for_piece",
            "currency": "CNY", "items_sent": 4, "items_received": 2, "balance_items": 2,
            "value_sent": "91.00", "value_received": "20.00", "balance_value": "71.00",
            "postage_sent": "30.00", "postage_received": "0",
            "alerts": ["We have sent 2 more than we received, beyond the 1 allowed."],
            "problems": [],
        },
        {
            "partner_id": other.pk, "partner": "Zentralbibliothek", "kind": "blanket",
            "currency": "CNY", "items_sent": 0, "items_received": 0, "balance_items": 0,
            "value_sent": "0", "value_received": "0", "balance_value": "0",
            "postage_sent": "0", "postage_received": "0", "alerts": [], "problems": [],
        },
    ]  # fmt: skip
    last_year = staff_api.get(f"{URL}/ledger", {"year": today.year - 1}).json()
    assert [b["items_sent"] for b in last_year] == [0, 0]
    assert staff_api.get(f"{URL}/ledger", {"year": 12}).status_code == 422


# ---------------------------------------------------------------- schema


def test_the_exchange_is_in_the_openapi_schema(client):
    paths = set(client.get("/api/v1/openapi.json").json()["paths"])
    assert {
        f"{URL}/lists",
        f"{URL}/lists/{{list_id}}",
        f"{URL}/lists/{{list_id}}/items",
        f"{URL}/items/{{item_id}}",
        f"{URL}/matches",
        f"{URL}/matches/{{match_id}}/accept",
        f"{URL}/matches/{{match_id}}/reject",
        f"{URL}/shipments",
        f"{URL}/shipments/{{shipment_id}}",
        f"{URL}/shipments/{{shipment_id}}/{{action}}",
        f"{URL}/ledger",
    } <= paths


def test_answers_match_the_openapi_schema_and_carry_no_portal_token(
    exchange_staff, staff_api, partner, offer_list, match, prepared
):
    """Every property the schema promises is in the answer, and no more; the partner's
    portal link made meanwhile shows nowhere."""
    _link, token = portal.create_link(exchange_staff, partner, 30)
    services.save_terms(exchange_staff, partner, {"kind": "piece_for_piece"})
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    answers = {
        "ListDetailOut": staff_api.get(f"{URL}/lists/{offer_list.pk}").json(),
        "ListOut": staff_api.get(f"{URL}/lists").json()["results"][0],
        "ItemOut": staff_api.get(f"{URL}/lists/{offer_list.pk}/items").json()["results"][0],
        "MatchOut": staff_api.get(f"{URL}/matches").json()["results"][0],
        "ShipmentOut": staff_api.get(f"{URL}/shipments").json()["results"][0],
        "ShipmentDetailOut": staff_api.get(f"{URL}/shipments/{prepared.pk}").json(),
        "LineOut": staff_api.get(f"{URL}/shipments/{prepared.pk}").json()["lines"][0],
        "BoxOut": staff_api.get(f"{URL}/shipments/{prepared.pk}").json()["boxes"][0],
        "LedgerOut": staff_api.get(f"{URL}/ledger").json()[0],
    }
    for name, answer in answers.items():
        assert set(answer) == set(schemas[name]["properties"]), name
        assert token not in json.dumps(answer) and "token" not in json.dumps(answer), name


def test_lists_read_in_a_fixed_number_of_queries(
    exchange_staff, staff_api, offer_list, want_list, prepared, django_assert_max_num_queries
):
    for _ in range(5):
        add(exchange_staff, offer_list, "Lu Xun quan ji", isbn="9787020050857")
        add(exchange_staff, want_list, "鲁迅全集", isbn="9787020050857")
    services.find_matches(exchange_staff)
    assert MatchSuggestion.objects.count() == 25
    # Four of them are the token and the permissions.
    for path in ("/lists", f"/lists/{offer_list.pk}/items", "/matches", "/shipments"):
        with django_assert_max_num_queries(7, info=path):
            assert staff_api.get(f"{URL}{path}").status_code == 200


@pytest.mark.parametrize("kind", [ListKind.OFFER, ListKind.WANT])
def test_a_list_of_either_kind_takes_an_item(exchange_staff, staff_api, kind):
    exchange_list = services.create_list(exchange_staff, {"name": "L", "kind": kind})
    response = post(staff_api, f"/lists/{exchange_list.pk}/items", {"title": "Hamlet"})
    assert response.status_code == 201
    assert response.json()["status"] == ("available" if kind == ListKind.OFFER else "")
