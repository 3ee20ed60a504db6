import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bibliobridge.exchange import services
from bibliobridge.exchange.models import ExchangeList, ExchangeTerms, ListItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(exchange_staff, offer_list):
    return services.add_item(
        exchange_staff, offer_list, {"title": "红楼梦", "isbn": "7-02-000220-X"}
    )


@pytest.fixture
def terms(exchange_staff, partner):
    return services.save_terms(exchange_staff, partner, {"kind": "piece_for_piece"})


def pages(partner, offer_list, item):
    """Every page, with whether it only shows (True) or changes something (False)."""
    return [
        (reverse("exchange:index"), True),
        (reverse("exchange:terms_list"), True),
        (reverse("exchange:terms_detail", args=[partner.pk]), True),
        (reverse("exchange:list_detail", args=[offer_list.pk]), True),
        (reverse("exchange:terms_new"), False),
        (reverse("exchange:terms_edit", args=[partner.pk]), False),
        (reverse("exchange:list_create"), False),
        (reverse("exchange:list_edit", args=[offer_list.pk]), False),
        (reverse("exchange:item_add", args=[offer_list.pk]), False),
        (reverse("exchange:item_edit", args=[item.pk]), False),
        (reverse("exchange:import", args=[offer_list.pk]), False),
    ]


def test_viewers_see_every_page_but_change_nothing(viewer_client, partner, offer_list, item, terms):
    for url, shows in pages(partner, offer_list, item):
        assert viewer_client.get(url).status_code == (200 if shows else 403), url
    assert viewer_client.post(reverse("exchange:item_delete", args=[item.pk])).status_code == 403
    assert ListItem.objects.count() == 1


@pytest.mark.parametrize("persona", ["exchange_client", "admin_client"])
def test_exchange_staff_and_administrators_open_every_page(
    request, persona, partner, offer_list, item, terms
):
    client = request.getfixturevalue(persona)
    for url, _shows in pages(partner, offer_list, item):
        assert client.get(url).status_code == 200, url


def test_outsiders_and_anonymous_get_nothing(outsider_client, client, partner, offer_list, item):
    for url, _shows in pages(partner, offer_list, item):
        assert outsider_client.get(url).status_code == 403, url
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_officer_views_terms_but_does_not_edit_them(officer_client, partner, terms):
    assert (
        officer_client.get(reverse("exchange:terms_detail", args=[partner.pk])).status_code == 200
    )
    assert officer_client.get(reverse("exchange:terms_edit", args=[partner.pk])).status_code == 403


def test_nav_link_shown_to_those_who_may_see_it(viewer_client, outsider_client):
    link = reverse("exchange:index")
    assert f'href="{link}"' in viewer_client.get(reverse("home")).content.decode()
    assert f'href="{link}"' not in outsider_client.get(reverse("profile")).content.decode()


def test_set_terms_for_a_partner(exchange_client, partner, agreement, exchange_contact):
    chosen = exchange_client.get(reverse("exchange:terms_new"), {"partner": partner.pk})
    assert chosen["Location"] == reverse("exchange:terms_edit", args=[partner.pk])
    form = exchange_client.get(chosen["Location"])
    assert list(form.context["form"].fields["agreement"].queryset) == [agreement]
    response = exchange_client.post(
        chosen["Location"],
        {"kind": "priced", "agreement": agreement.pk, "currency": "jpy", "quota_sent": "100",
         "quota_received": "", "postage_paid_by": "us", "contact": exchange_contact.pk,
         "language": "ja", "notes": ""},
    )  # fmt: skip
    assert response["Location"] == reverse("exchange:terms_detail", args=[partner.pk])
    terms = ExchangeTerms.objects.get(partner=partner)
    assert (terms.currency, terms.quota_sent, terms.quota_received, terms.contact) == (
        "JPY", 100, None, exchange_contact,
    )  # fmt: skip
    page = exchange_client.get(response["Location"]).content.decode()
    assert "Sato Hanako" in page and "NDL exchange" in page and "Japanese" in page


def test_bad_terms_are_shown_on_the_form(exchange_client, partner):
    response = exchange_client.post(
        reverse("exchange:terms_edit", args=[partner.pk]),
        {"kind": "priced", "currency": "", "postage_paid_by": "sender"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"currency": ["Priced exchange needs a currency."]}


def test_create_a_list_and_type_items_in(exchange_client, partner):
    response = exchange_client.post(
        reverse("exchange:list_create"),
        {"name": "NDL offers", "kind": "offer", "partner": partner.pk},
    )
    exchange_list = ExchangeList.objects.get()
    assert response["Location"] == reverse("exchange:list_detail", args=[exchange_list.pk])
    add = reverse("exchange:item_add", args=[exchange_list.pk])
    response = exchange_client.post(
        add, {"title": "こころ", "author": "夏目漱石", "isbn": "978-4-10-101013-7", "quantity": "1",
              "status": "available", "year": "1952", "another": "1"},
    )  # fmt: skip
    assert response["Location"] == add
    response = exchange_client.post(
        add, {"title": "Bad", "isbn": "12345", "quantity": "1", "status": "available", "price": "5"}
    )
    assert response.context["form"].errors == {"currency": ["A price needs a currency."]}
    exchange_client.post(
        add, {"title": "Bad", "isbn": "12345", "quantity": "1", "status": "available"}
    )
    page = exchange_client.get(reverse("exchange:list_detail", args=[exchange_list.pk]))
    html = page.content.decode()
    assert "こころ" in html and "9784101010137" in html and "invalid ISBN" in html
    assert page.context["counts"] == {"total": 2, "linked": 0, "flagged": 1}


def test_edit_and_remove_an_item(exchange_client, item):
    response = exchange_client.post(
        reverse("exchange:item_edit", args=[item.pk]),
        {"title": "红楼梦", "quantity": "3", "status": "sent", "isbn": item.isbn},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.quantity, item.status) == (3, "sent")
    exchange_client.post(reverse("exchange:item_delete", args=[item.pk]))
    assert ListItem.objects.count() == 0


def upload(client, exchange_list, data, name="list.csv"):
    return client.post(
        reverse("exchange:import", args=[exchange_list.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )


def test_import_preview_then_valid_rows(exchange_client, offer_list, settings):
    data = "题名,出版年\n红楼梦,1982\n红楼梦,1982\n鲁迅全集,二〇〇五\n".encode("gbk")
    response = upload(exchange_client, offer_list, data)
    confirm = reverse("exchange:import_confirm", args=[offer_list.pk])
    assert response["Location"] == confirm
    preview = exchange_client.get(confirm)
    html = preview.content.decode()
    assert "Read as gb18030." in html
    assert [(p.row, p.column) for p in preview.context["problems"]] == [(3, "title"), (4, "year")]
    exchange_client.post(confirm, {"action": "all"})  # refused while there are errors
    assert ListItem.objects.count() == 0
    done = exchange_client.post(confirm, {"action": "valid"})
    assert done["Location"] == reverse("exchange:list_detail", args=[offer_list.pk])
    assert list(ListItem.objects.values_list("title", flat=True)) == ["红楼梦"]
    assert list((settings.MEDIA_ROOT / "exchange-imports").iterdir()) == []


def test_import_of_an_unreadable_file_says_why(exchange_client, offer_list):
    upload(exchange_client, offer_list, b"title\n" + bytes(range(0x80, 0x100)) * 2)
    page = exchange_client.get(reverse("exchange:import_confirm", args=[offer_list.pk]))
    assert "CSV UTF-8" in page.content.decode()


def test_an_upload_is_for_its_own_list_only(exchange_client, exchange_staff, offer_list, want_list):
    upload(exchange_client, offer_list, b"title\nKokoro\n")
    other = reverse("exchange:import_confirm", args=[want_list.pk])
    assert exchange_client.get(other)["Location"] == reverse("exchange:import", args=[want_list.pk])
    session = exchange_client.session
    session["exchange_import"] = {"token": "../../settings.py", "list": offer_list.pk, "name": "x"}
    session.save()
    response = exchange_client.get(reverse("exchange:import_confirm", args=[offer_list.pk]))
    assert response.status_code == 302


def test_import_cancel(exchange_client, offer_list, settings):
    upload(exchange_client, offer_list, b"title\nKokoro\n")
    exchange_client.post(
        reverse("exchange:import_confirm", args=[offer_list.pk]), {"action": "cancel"}
    )
    assert ListItem.objects.count() == 0
    assert list((settings.MEDIA_ROOT / "exchange-imports").iterdir()) == []


def test_list_index_filters_and_counts_queries(
    viewer_client, offer_list, want_list, item, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = viewer_client.get(reverse("exchange:index"), {"kind": "want"})
    assert [row.name for row in response.context["rows"]] == ["NDL desiderata"]
    response = viewer_client.get(reverse("exchange:index"), {"q": "国会"})
    assert [row.name for row in response.context["rows"]] == ["NDL desiderata"]
