import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from bibliobridge.exchange import shipments
from bibliobridge.exchange.models import Claim, LetterTemplate, ListItem, Shipment

from .pdftext import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def incoming(exchange_staff, partner):
    shipment = shipments.create_incoming(exchange_staff, partner, {"partner_reference": "NDL-17"})
    for issue in ("No. 755", "No. 756"):
        shipments.add_line(
            exchange_staff,
            shipment,
            {"title": "国立国会図書館月報", "issn": "0027-9153", "issue": issue},
        )
    return shipment


@pytest.fixture
def claim(exchange_staff, partner):
    return shipments.create_claim(exchange_staff, partner, {"title": "月報", "issue": "No. 1"})


def pages(partner, prepared, incoming, claim):
    """Every page, with whether it only shows (True) or changes something (False)."""
    box = prepared.boxes.first()
    line = prepared.items.first()
    return [
        (reverse("exchange:shipment_list"), True),
        (reverse("exchange:shipment_list") + f"?partner={partner.pk}&direction=out", True),
        (reverse("exchange:shipment_detail", args=[prepared.pk]), True),
        (reverse("exchange:shipment_detail", args=[incoming.pk]), True),
        (reverse("exchange:packing_list", args=[prepared.pk]), True),
        (reverse("exchange:cover_letter", args=[prepared.pk]), True),
        (reverse("exchange:acknowledgement_letter", args=[incoming.pk]), True),
        (reverse("exchange:claim_list"), True),
        (reverse("exchange:claim_detail", args=[claim.pk]), True),
        (reverse("exchange:claim_letter", args=[claim.pk]), True),
        (reverse("exchange:letter_list"), True),
        (reverse("exchange:shipment_new", args=[partner.pk]), False),
        (reverse("exchange:incoming_new"), False),
        (reverse("exchange:shipment_edit", args=[prepared.pk]), False),
        (reverse("exchange:shipment_check", args=[incoming.pk]), False),
        (reverse("exchange:shipment_items_add", args=[prepared.pk]), False),
        (reverse("exchange:shipment_items_add", args=[incoming.pk]), False),
        (reverse("exchange:shipment_items_from_list", args=[incoming.pk]), False),
        (reverse("exchange:box_edit", args=[box.pk]), False),
        (reverse("exchange:line_edit", args=[line.pk]), False),
        (reverse("exchange:claim_new"), False),
        (reverse("exchange:claim_edit", args=[claim.pk]), False),
        (reverse("exchange:letter_new"), False),
        (reverse("exchange:letter_edit", args=["cover", "zh"]), False),
    ]


def test_viewers_see_but_change_nothing(viewer_client, partner, prepared, incoming, claim, home):
    for url, shows in pages(partner, prepared, incoming, claim):
        assert viewer_client.get(url).status_code == (200 if shows else 403), url
    posts = [
        reverse("exchange:shipment_move", args=[prepared.pk, "ship"]),
        reverse("exchange:shipment_move", args=[prepared.pk, "cancel"]),
        reverse("exchange:box_add", args=[prepared.pk]),
        reverse("exchange:box_delete", args=[prepared.boxes.first().pk]),
        reverse("exchange:line_remove", args=[prepared.items.first().pk]),
        reverse("exchange:shipment_claim", args=[incoming.pk]),
        reverse("exchange:claim_move", args=[claim.pk, "send"]),
        reverse("exchange:letter_reset", args=["cover", "zh"]),
    ]
    for url in posts:
        assert viewer_client.post(url).status_code == 403, url
    assert Shipment.objects.get(pk=prepared.pk).status == "prepared"
    assert (prepared.boxes.count(), prepared.items.count()) == (2, 3)


@pytest.mark.parametrize("persona", ["exchange_client", "admin_client"])
def test_exchange_staff_open_every_page(request, persona, partner, prepared, incoming, claim, home):
    client = request.getfixturevalue(persona)
    for url, _shows in pages(partner, prepared, incoming, claim):
        assert client.get(url).status_code == 200, url


def test_outsiders_and_anonymous_get_nothing(
    outsider_client, client, partner, prepared, incoming, claim
):
    for url, _shows in pages(partner, prepared, incoming, claim):
        assert outsider_client.get(url).status_code == 403, url
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_links_from_the_exchange_index_and_the_partners_terms(
    exchange_client, viewer_client, partner, exchange_staff
):
    from bibliobridge.exchange import services

    services.save_terms(exchange_staff, partner, {"kind": "blanket"})
    index = exchange_client.get(reverse("exchange:index")).content.decode()
    for name in ("shipment_list", "claim_list", "letter_list"):
        assert f'href="{reverse(f"exchange:{name}")}"' in index
    terms = exchange_client.get(
        reverse("exchange:terms_detail", args=[partner.pk])
    ).content.decode()
    assert f'href="{reverse("exchange:shipment_new", args=[partner.pk])}"' in terms
    terms = viewer_client.get(reverse("exchange:terms_detail", args=[partner.pk])).content.decode()
    assert reverse("exchange:shipment_new", args=[partner.pk]) not in terms
    assert f"{reverse('exchange:shipment_list')}?partner={partner.pk}" in terms


def test_prepare_and_ship_from_the_pages(exchange_client, partner, reserved, home):
    url = reverse("exchange:shipment_new", args=[partner.pk])
    form = exchange_client.get(url)
    assert [item.pk for item in form.context["form"].fields["items"].queryset] == [
        item.pk for item in reserved
    ]
    bad = exchange_client.post(
        url, {"items": [reserved[0].pk], "boxes": "0", "postage": "12,5", "postage_currency": "RMB"}
    )
    assert bad.status_code == 200
    assert sorted(bad.context["form"].errors) == ["boxes", "postage", "postage_currency"]
    assert Shipment.objects.count() == 0
    made = exchange_client.post(
        url,
        {"items": [reserved[0].pk, reserved[1].pk], "boxes": "1", "postage": "88.00",
         "postage_currency": "cny", "courier": "EMS"},
    )  # fmt: skip
    shipment = Shipment.objects.get()
    assert made["Location"] == reverse("exchange:shipment_detail", args=[shipment.pk])
    assert (shipment.postage_currency, shipment.items.count()) == ("CNY", 2)
    box = shipment.boxes.get()
    assert exchange_client.post(
        reverse("exchange:box_edit", args=[box.pk]), {"weight_kg": "-2"}
    ).context["form"].errors == {
        "weight_kg": ["Ensure this value is greater than or equal to 0.001."]
    }
    exchange_client.post(reverse("exchange:box_edit", args=[box.pk]), {"weight_kg": "2.5"})
    shipped = exchange_client.post(
        reverse("exchange:shipment_move", args=[shipment.pk, "ship"]), {"on": "2026-11-20"}
    )
    assert shipped.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.shipped_on) == ("shipped", dt.date(2026, 11, 20))
    assert [ListItem.objects.get(pk=i.pk).status for i in reserved] == ["sent", "sent", "reserved"]
    page = exchange_client.get(reverse("exchange:shipment_detail", args=[shipment.pk]))
    assert "Record as delivered" in page.content.decode()
    # An illegal move is refused with the reason, not a 500.
    again = exchange_client.post(
        reverse("exchange:shipment_move", args=[shipment.pk, "cancel"]), follow=True
    )
    assert "is “Shipped”, so “Cancel the shipment” is not possible." in again.content.decode()
    pdf = exchange_client.get(reverse("exchange:packing_list", args=[shipment.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "National Diet Library" in text and "红楼梦" in text and "88.00 CNY" in text
    zh = pdf_text(
        exchange_client.get(
            reverse("exchange:cover_letter", args=[shipment.pk]) + "?language=zh"
        ).content
    )
    assert "日本国立国会图书馆：" in zh


def test_receive_check_claim_and_thank_from_the_pages(
    exchange_client, incoming, ja_terms, home, django_capture_on_commit_callbacks
):
    first, second = incoming.items.order_by("id")
    url = reverse("exchange:shipment_check", args=[incoming.pk])
    bad = exchange_client.post(
        url,
        {f"result_{first.pk}": "received", f"received_{first.pk}": "3",
         f"result_{second.pk}": "lost"},
    )  # fmt: skip
    errors = bad.context["form"].errors
    assert sorted(errors) == [f"received_{first.pk}", f"result_{second.pk}"]
    assert (
        "Line 1, “国立国会図書館月報”: copies received"
        == bad.context["form"].fields[f"received_{first.pk}"].label
    )
    assert [line.check_result for line in incoming.items.order_by("id")] == ["", ""]
    exchange_client.post(
        url, {f"result_{first.pk}": "received", f"result_{second.pk}": "missing",
              f"note_{second.pk}": "not in the parcel"},
    )  # fmt: skip
    incoming.refresh_from_db()
    assert incoming.status == "checked"
    late = exchange_client.post(
        reverse("exchange:shipment_items_add", args=[incoming.pk]),
        {"title": "図書館雑誌", "quantity": "1"},
    )
    assert late.status_code == 302
    assert incoming.items.get(title="図書館雑誌").check_result == "extra"
    exchange_client.post(reverse("exchange:shipment_claim", args=[incoming.pk]))
    claim = Claim.objects.get()
    assert (claim.issue, claim.shipment_item_id) == ("No. 756", second.pk)
    with django_capture_on_commit_callbacks(execute=True):
        exchange_client.post(
            reverse("exchange:shipment_move", args=[incoming.pk, "thank"]), {"mail": "on"}
        )
    incoming.refresh_from_db()
    assert incoming.status == "acknowledged"
    assert [m.to for m in mail.outbox] == [["sato@ndl.example"]]
    with django_capture_on_commit_callbacks(execute=True):
        exchange_client.post(
            reverse("exchange:claim_move", args=[claim.pk, "send"]), {"mail": "on"}
        )
    claim.refresh_from_db()
    assert claim.status == "sent" and len(mail.outbox) == 2


def test_letters_are_edited_on_their_page(exchange_client):
    url = reverse("exchange:letter_edit", args=["cover", "en"])
    assert exchange_client.get(url).context["form"].initial["subject"].startswith("Publications on")
    bad = exchange_client.post(url, {"subject": "Shipment {nummer}", "body": "Hello"})
    assert list(bad.context["form"].errors) == ["subject"]
    assert LetterTemplate.objects.count() == 0
    exchange_client.post(url, {"subject": "Shipment {number}", "body": "Hello {partner}"})
    assert LetterTemplate.objects.get().subject == "Shipment {number}"
    exchange_client.post(reverse("exchange:letter_reset", args=["cover", "en"]))
    assert LetterTemplate.objects.count() == 0
    new = exchange_client.get(reverse("exchange:letter_new"), {"kind": "claim", "language": "rus"})
    assert new["Location"] == reverse("exchange:letter_edit", args=["claim", "rus"])
    assert (
        exchange_client.get(reverse("exchange:letter_edit", args=["memo", "en"])).status_code == 404
    )
    assert (
        exchange_client.get(reverse("exchange:letter_edit", args=["cover", "xx1"])).status_code
        == 404
    )


def test_the_claims_page_reads_the_same_queries_for_one_row_or_many(
    exchange_client, exchange_staff, partner, claim
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("exchange:claim_list")
    filters = {"partner": partner.pk, "status": "open"}
    with CaptureQueriesContext(connection) as one:
        assert exchange_client.get(url, filters).status_code == 200
    for n in range(4):
        shipments.create_claim(exchange_staff, partner, {"title": f"Journal {n}", "issue": "1"})
    with CaptureQueriesContext(connection) as five:
        page = exchange_client.get(url, filters)
    assert page.content.decode().count("Journal ") == 4
    assert len(five) == len(one)
