"""The partner portal: its links, the cart and orders, what partners may see, and mail."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from bibliobridge.core.models import ActivityLog, hash_token
from bibliobridge.exchange import portal, queries, reservations, services
from bibliobridge.exchange.enums import ItemStatus, OrderStatus
from bibliobridge.exchange.models import ListItem, OrderLine, PortalLink, PortalOrder
from bibliobridge.partners.enums import ContactRole
from bibliobridge.partners.models import Contact, Institution
from bibliobridge.partners.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

ENDED = "This link does not work"


@pytest.fixture
def home(db):
    return Institution.objects.create(
        kind="national_library", name="国家图书馆", name_zh="国家图书馆",
        name_en="National Library of China", country="CN", time_zone="Asia/Shanghai",
        is_home=True,
    )  # fmt: skip


@pytest.fixture
def terms(exchange_staff, partner, exchange_contact):
    return services.save_terms(
        exchange_staff,
        partner,
        {"kind": "piece_for_piece", "contact": exchange_contact, "language": "en"},
    )


@pytest.fixture
def rival(exchange_staff):
    """A second partner with its own terms, contact and link."""
    rival = InstitutionFactory(
        name="Staatsbibliothek zu Berlin", name_en="Berlin State Library",
        name_zh="柏林国家图书馆", country="DE",
    )  # fmt: skip
    contact = Contact.objects.create(
        institution=rival, name="Anna Schmidt", role=ContactRole.EXCHANGE, email="anna@sbb.example"
    )
    services.save_terms(
        exchange_staff, rival, {"kind": "piece_for_piece", "contact": contact, "language": "de"}
    )
    return rival


@pytest.fixture
def items(exchange_staff, offer_list):
    rows = [
        {"title": "紅樓夢", "author": "曹雪芹", "isbn": "7-02-000220-X", "language": "zho",
         "year": 1982},
        {"title": "Война и мир", "author": "Толстой, Лев", "language": "rus", "year": 2001},
        {"title": "Der Zauberberg", "author": "Mann, Thomas", "isbn": "978-3-10-048228-0",
         "language": "deu", "year": 1924},
    ]  # fmt: skip
    return [services.add_item(exchange_staff, offer_list, row) for row in rows]


def link_for(actor, partner, days=30):
    _link, token = portal.create_link(actor, partner, days)
    return token


def url(name, token, *args):
    return reverse(f"exchange:{name}", args=[token, *args])


def add(client, token, item):
    return client.post(url("portal_add", token), {"item": item.pk}, follow=True)


def page_text(response):
    return response.content.decode()


# ---------------------------------------------------------------- links


def test_a_link_keeps_only_the_hash_of_its_token(exchange_staff, partner):
    link, token = portal.create_link(exchange_staff, partner, 30)
    assert len(token) >= 40 and token not in link.token_sha256
    assert link.token_sha256 == hash_token(token)
    assert portal.link_url(token) == f"http://127.0.0.1:8000/exchange/portal/{token}/"
    assert link.expires_at - timezone.now() > dt.timedelta(days=29, hours=23)
    assert ActivityLog.objects.filter(object_id=str(link.pk), action="created").exists()


def test_a_valid_link_opens_the_offer(client, exchange_staff, partner, terms, items):
    token = link_for(exchange_staff, partner)
    response = client.get(url("portal", token))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = page_text(response)
    assert "National Diet Library" in text
    assert [row.pk for row in response.context["rows"]] == sorted(
        (item.pk for item in items), key=lambda pk: ListItem.objects.get(pk=pk).title
    )
    assert PortalLink.objects.get().last_used_at is not None


@pytest.mark.parametrize("how", ["forged", "expired", "revoked", "truncated"])
def test_a_link_that_does_not_work_says_so_and_names_nobody(
    client, exchange_staff, partner, terms, items, how
):
    token = link_for(exchange_staff, partner)
    link = PortalLink.objects.get()
    status = 403
    if how == "forged":
        token, status = "x" * 43, 404
    elif how == "truncated":
        token, status = token[:-1], 404
    elif how == "expired":
        PortalLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    else:
        assert portal.revoke_link(exchange_staff, link) is True
        assert portal.revoke_link(exchange_staff, link) is False
    for page in ("portal", "portal_cart", "portal_orders"):
        response = client.get(url(page, token))
        assert response.status_code == status
        text = page_text(response)
        assert ENDED in text
        assert "National Diet Library" not in text and "国立国会図書館" not in text
        assert "红楼梦" not in text and "紅樓夢" not in text
    response = client.post(url("portal_add", token), {"item": items[0].pk})
    assert response.status_code == status
    assert ListItem.objects.get(pk=items[0].pk).status == ItemStatus.AVAILABLE


def test_the_ended_page_speaks_the_visitors_language(client):
    client.cookies["django_language"] = "zh-hans"
    response = client.get(url("portal", "nothing-here"))
    assert response.status_code == 404
    assert '<html lang="zh-hans">' in page_text(response)


def test_the_portal_speaks_the_partners_language_until_the_visitor_switches(
    client, exchange_staff, partner, terms, items
):
    services.save_terms(exchange_staff, partner, {**vars_of(terms), "language": "zh"})
    token = link_for(exchange_staff, partner)
    text = page_text(client.get(url("portal", token)))
    assert '<html lang="zh-hans">' in text and "日本国立国会图书馆" in text
    response = client.post(
        reverse("set_language"), {"language": "en", "next": url("portal", token)}
    )
    assert response["Location"] == url("portal", token)
    text = page_text(client.get(url("portal", token)))
    assert '<html lang="en">' in text and "National Diet Library" in text


def vars_of(terms):
    return {name: getattr(terms, name) for name in services.TERMS_FIELDS}


def test_csrf_is_checked_on_portal_forms(exchange_staff, partner, terms, items):
    token = link_for(exchange_staff, partner)
    client = Client(enforce_csrf_checks=True)
    assert client.post(url("portal_add", token), {"item": items[0].pk}).status_code == 403
    assert ListItem.objects.get(pk=items[0].pk).status == ItemStatus.AVAILABLE


# ---------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("红楼梦", ["紅樓夢"]),  # simplified finds traditional
        ("hong lou meng", ["紅樓夢"]),  # pinyin finds Chinese
        ("voina i mir", ["Война и мир"]),  # ALA-LC romanisation finds Cyrillic
        ("ТОЛСТОЙ", ["Война и мир"]),
        ("zauberberg MANN", ["Der Zauberberg"]),
        ("3-10-048228-0", ["Der Zauberberg"]),  # ISBN-10 with hyphens finds the ISBN-13
        ("9787020002207", ["紅樓夢"]),
        ("nothing like it", []),
    ],
)
def test_search_in_any_script(client, exchange_staff, partner, terms, items, query, titles):
    token = link_for(exchange_staff, partner)
    response = client.get(url("portal", token), {"q": query})
    assert [row.title for row in response.context["rows"]] == titles


def test_filters_by_language_year_and_list(
    client, exchange_staff, partner, terms, items, offer_list
):
    other = services.create_list(
        exchange_staff, {"name": "Serials 2026", "kind": "offer", "partner": None}
    )
    services.add_item(exchange_staff, other, {"title": "Acta Borealia", "year": 2001})
    token = link_for(exchange_staff, partner)

    def titles(**params):
        response = client.get(url("portal", token), params)
        return [row.title for row in response.context["rows"]]

    assert titles(language="rus") == ["Война и мир"]
    assert titles(year="2001") == ["Acta Borealia", "Война и мир"]
    assert titles(year="2001", exchange_list=other.pk) == ["Acta Borealia"]
    assert titles(year="not a year") == ["Acta Borealia", "Der Zauberberg", "Война и мир", "紅樓夢"]
    response = client.get(url("portal", token), {"year": "not a year"})
    assert response.context["filters"].errors == {"year": ["Enter a whole number."]}


def test_partner_lists_and_reserved_items_are_not_offered(
    client, exchange_staff, partner, rival, terms, items
):
    theirs = services.create_list(
        exchange_staff, {"name": "Berlin duplicates", "kind": "offer", "partner": rival}
    )
    services.add_item(exchange_staff, theirs, {"title": "Buddenbrooks"})
    reservations.reserve([items[0]], rival)
    token = link_for(exchange_staff, partner)
    response = client.get(url("portal", token))
    assert [row.title for row in response.context["rows"]] == ["Der Zauberberg", "Война и мир"]
    text = page_text(response)
    assert "Berlin duplicates" not in text and "Buddenbrooks" not in text


# ---------------------------------------------------------------- cart and orders


def test_adding_reserves_at_once_and_removing_gives_back(
    client, exchange_staff, partner, terms, items
):
    token = link_for(exchange_staff, partner)
    response = add(client, token, items[2])
    assert "“Der Zauberberg” is reserved for you and in your cart." in page_text(response)
    item = ListItem.objects.get(pk=items[2].pk)
    assert (item.status, item.reserved_for) == (ItemStatus.RESERVED, partner)
    cart = client.get(url("portal_cart", token))
    assert [line.title for line in cart.context["lines"]] == ["Der Zauberberg"]
    assert "Cart (1)" in page_text(cart)
    line = cart.context["lines"][0]
    response = client.post(url("portal_remove", token), {"line": line.pk}, follow=True)
    assert "“Der Zauberberg” was removed from your cart." in page_text(response)
    assert ListItem.objects.get(pk=items[2].pk).status == ItemStatus.AVAILABLE
    # Removing it again is answered, not an error.
    response = client.post(url("portal_remove", token), {"line": line.pk}, follow=True)
    assert "That item is no longer in your cart." in page_text(response)


def test_an_item_released_outside_the_cart_leaves_it(client, exchange_staff, partner, terms, items):
    token = link_for(exchange_staff, partner)
    add(client, token, items[0])
    add(client, token, items[1])
    reservations.release([items[0]], actor=exchange_staff)  # as matching or staff might
    cart = client.get(url("portal_cart", token))
    assert [line.title for line in cart.context["lines"]] == ["Война и мир"]
    assert "Cart (1)" in page_text(cart)
    client.post(url("portal_submit", token), {"note": ""})
    order = PortalOrder.objects.get(status=OrderStatus.SUBMITTED)
    assert list(order.lines.values_list("title", flat=True)) == ["Война и мир"]
    reservations.release([items[1]], actor=exchange_staff)
    text = page_text(client.get(url("portal_order", token, order.pk)))
    assert "No longer reserved for you" in text and "Reserved for you" not in text


def test_bad_input_to_the_cart_gets_a_clear_answer(
    client, exchange_staff, partner, terms, items, want_list
):
    token = link_for(exchange_staff, partner)
    wanted = services.add_item(exchange_staff, want_list, {"title": "こころ"})
    for item in ("", "abc", "-1", "999999", "9" * 30, str(wanted.pk)):
        response = client.post(url("portal_add", token), {"item": item}, follow=True)
        assert response.status_code == 200
        text = page_text(response)
        assert "Choose an item from the list." in text or "This item is not on our offer." in text
    for line in ("x", "9" * 30):
        response = client.post(url("portal_remove", token), {"line": line}, follow=True)
        assert "That item is no longer in your cart." in page_text(response)
    response = client.post(url("portal_submit", token), follow=True)
    assert "Your cart is empty: add the items you would like first." in page_text(response)
    assert not PortalOrder.objects.exclude(status=OrderStatus.CART).exists()
    assert ListItem.objects.filter(status=ItemStatus.RESERVED).count() == 0


def test_the_loser_of_a_race_is_told_and_the_winner_keeps_the_item(
    exchange_staff, partner, rival, terms, items
):
    mine, theirs = Client(), Client()
    token, rival_token = link_for(exchange_staff, partner), link_for(exchange_staff, rival)
    # Both see the item on their page, then both click.
    assert items[0] in mine.get(url("portal", token)).context["rows"]
    assert items[0] in theirs.get(url("portal", rival_token)).context["rows"]
    add(mine, token, items[0])
    response = add(theirs, rival_token, items[0])
    text = page_text(response)
    assert "No longer available: “紅樓夢”." in text
    for name in ("National Diet Library", "国立国会図書館", "日本国立国会图书馆", "Sato"):
        assert name not in text
    assert items[0] not in response.context["rows"]
    assert [
        line.title for line in theirs.get(url("portal_cart", rival_token)).context["lines"]
    ] == []
    assert ListItem.objects.get(pk=items[0].pk).reserved_for == partner
    assert OrderLine.objects.filter(order__partner=rival).count() == 0


def test_submitting_makes_an_order_mailed_in_english(
    client, exchange_staff, partner, terms, items, home, django_capture_on_commit_callbacks
):
    token = link_for(exchange_staff, partner)
    add(client, token, items[2])
    add(client, token, items[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("portal_submit", token), {"note": "Please send by sea mail."}, follow=True
        )
    order = PortalOrder.objects.get(partner=partner)
    assert response.redirect_chain[-1][0] == url("portal_order", token, order.pk)
    assert (order.status, order.note) == (OrderStatus.SUBMITTED, "Please send by sea mail.")
    assert f"your order {order.pk} was submitted" in page_text(response)
    assert [message.to for message in mail.outbox] == [["sato@ndl.example"]]
    message = mail.outbox[0]
    assert message.subject == f"Your order {order.pk} from National Library of China"
    assert "Dear colleagues at National Diet Library," in message.body
    assert "1. Der Zauberberg / Mann, Thomas, 1924 (ISBN 9783100482280)" in message.body
    assert "2. 紅樓夢 / 曹雪芹, 1982 (ISBN 9787020002207)" in message.body
    # The date is the partner's (Tokyo), written the English way.
    local = timezone.localtime(order.submitted_at, partner.zone)
    with translation.override("en"):
        assert formats.date_format(local, "DATE_FORMAT") in message.body  # Nov. 27, 2026
    assert message.body.rstrip().endswith("National Library of China")
    # Its history shows the order; the cart is empty again.
    history = client.get(url("portal_orders", token))
    assert [(o.pk, o.line_count) for o in history.context["orders"]] == [(order.pk, 2)]
    assert client.get(url("portal_cart", token)).context["lines"] == []


def test_the_confirmation_is_in_chinese_for_a_chinese_partner(
    client, exchange_staff, partner, terms, items, home, django_capture_on_commit_callbacks
):
    services.save_terms(exchange_staff, partner, {**vars_of(terms), "language": "zho"})
    token = link_for(exchange_staff, partner)
    add(client, token, items[1])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("portal_submit", token), {"note": ""})
    order = PortalOrder.objects.get(partner=partner)
    message = mail.outbox[0]
    # Our library and the partner by their Chinese names, the date the Chinese way.
    assert "国家图书馆" in message.subject and "National Library" not in message.subject
    assert "日本国立国会图书馆" in message.body
    local = timezone.localtime(order.submitted_at, partner.zone)
    assert f"{local.year}年{local.month}月{local.day}日" in message.body
    assert message.body.rstrip().endswith("国家图书馆")


def test_no_mail_without_an_exchange_contact(
    client, exchange_staff, partner, items, home, django_capture_on_commit_callbacks
):
    token = link_for(exchange_staff, partner)
    add(client, token, items[1])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("portal_submit", token), {"note": ""})
    assert PortalOrder.objects.get(partner=partner).status == OrderStatus.SUBMITTED
    assert mail.outbox == []


def test_partners_never_see_each_others_carts_or_orders(
    exchange_staff, partner, rival, terms, items
):
    mine, theirs = Client(), Client()
    token, rival_token = link_for(exchange_staff, partner), link_for(exchange_staff, rival)
    add(mine, token, items[0])
    mine.post(url("portal_submit", token), {"note": "for NDL"})
    add(mine, token, items[1])  # in the cart, not submitted
    order = PortalOrder.objects.get(partner=partner, status=OrderStatus.SUBMITTED)
    assert theirs.get(url("portal_order", rival_token, order.pk)).status_code == 404
    assert theirs.get(url("portal_orders", rival_token)).context["orders"].count() == 0
    assert theirs.get(url("portal_cart", rival_token)).context["lines"] == []
    for page in ("portal", "portal_cart", "portal_orders"):
        text = page_text(theirs.get(url(page, rival_token)))
        for name in ("National Diet Library", "国立国会図書館", "日本国立国会图书馆", "for NDL"):
            assert name not in text, (page, name)
        assert "紅樓夢" not in text and "Война и мир" not in text
    assert mine.get(url("portal_order", token, order.pk)).status_code == 200
    assert mine.get(url("portal_order", token, 10**30)).status_code == 404


def test_the_yearly_quota_is_respected(client, exchange_staff, partner, terms, items):
    services.save_terms(exchange_staff, partner, {**vars_of(terms), "quota_sent": 2})
    token = link_for(exchange_staff, partner)
    assert "You may choose 2 more items this year." in page_text(client.get(url("portal", token)))
    add(client, token, items[0])
    # An item sent to it last year does not count; one reserved by staff this year does.
    ListItem.objects.filter(pk=items[1].pk).update(
        status=ItemStatus.SENT, reserved_for=partner,
        reserved_at=portal.year_start() - dt.timedelta(days=1),
    )  # fmt: skip
    assert portal.quota_left(partner) == 1
    add(client, token, items[2])
    other = services.add_item(exchange_staff, items[0].exchange_list, {"title": "Faust"})
    response = add(client, token, other)
    assert (
        "Your yearly quota of 2 items is reached; nothing more can be reserved this year."
        in page_text(response)
    )
    assert ListItem.objects.get(pk=other.pk).status == ItemStatus.AVAILABLE
    assert OrderLine.objects.filter(order__partner=partner).count() == 2


def test_a_cart_left_too_long_is_given_back(
    client, exchange_staff, partner, rival, terms, items, settings
):
    settings.EXCHANGE_CART_HOURS = 48
    token, rival_token = link_for(exchange_staff, partner), link_for(exchange_staff, rival)
    add(client, token, items[0])
    add(client, token, items[1])
    # The first item was added long ago, but the cart was touched 47 hours ago: still held.
    OrderLine.objects.filter(item=items[0]).update(added_at=timezone.now() - dt.timedelta(days=9))
    OrderLine.objects.filter(item=items[1]).update(added_at=timezone.now() - dt.timedelta(hours=47))
    Client().get(url("portal", rival_token))
    assert ListItem.objects.filter(status=ItemStatus.RESERVED).count() == 2
    OrderLine.objects.filter(item=items[1]).update(added_at=timezone.now() - dt.timedelta(hours=49))
    # Any partner opening the portal gives them back; the rival may now take one.
    response = add(Client(), rival_token, items[0])
    assert "“紅樓夢” is reserved for you and in your cart." in page_text(response)
    assert ListItem.objects.get(pk=items[1].pk).status == ItemStatus.AVAILABLE
    assert client.get(url("portal_cart", token)).context["lines"] == []
    # The list's history names both items; the cart's says it was emptied.
    entry = ActivityLog.objects.get(message="cart expired in portal")
    assert entry.changes[f"list item {items[1].pk}.status"] == ["reserved", "available"]
    assert ActivityLog.objects.get(message="cart expired").changes == {"order line": [2, 0]}
    assert portal.expire_carts() == 0


def test_the_worker_gives_carts_back_when_their_hold_runs_out(
    partner, rival, terms, items, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EXCHANGE_CART_HOURS = 48
    with django_capture_on_commit_callbacks(execute=True):
        line = portal.add_to_cart(partner, items[0].pk)
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "bibliobridge.exchange.portal.task_exchange_carts"
    assert queued.run_after - line.added_at == dt.timedelta(hours=48, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        portal.add_to_cart(rival, items[1].pk)
    assert DBTaskResult.objects.count() == 1  # one run is queued, for the earliest hold

    # The run comes: the partner's hold has run out, the rival's has not.
    OrderLine.objects.filter(pk=line.pk).update(added_at=timezone.now() - dt.timedelta(hours=49))
    DBTaskResult.objects.all().delete()  # the worker has taken it
    assert portal.task_exchange_carts.call() == 1
    assert ListItem.objects.get(pk=items[0].pk).status == ItemStatus.AVAILABLE
    assert ListItem.objects.get(pk=items[1].pk).status == ItemStatus.RESERVED
    rival_line = OrderLine.objects.get(item=items[1])
    assert DBTaskResult.objects.get().run_after == rival_line.added_at + dt.timedelta(
        hours=48, seconds=1
    )


# ---------------------------------------------------------------- staff


@pytest.fixture
def submitted(exchange_staff, partner, terms, items):
    token = link_for(exchange_staff, partner)
    client = Client()
    add(client, token, items[0])
    add(client, token, items[1])
    client.post(url("portal_submit", token), {"note": ""})
    return PortalOrder.objects.get(status=OrderStatus.SUBMITTED)


def test_staff_see_orders_by_partner(exchange_client, submitted, partner, rival):
    response = exchange_client.get(reverse("exchange:order_list"))
    assert [(o.pk, o.line_count) for o in response.context["page"].object_list] == [
        (submitted.pk, 2)
    ]
    response = exchange_client.get(reverse("exchange:order_list"), {"partner": rival.pk})
    assert list(response.context["page"].object_list) == []
    response = exchange_client.get(reverse("exchange:order_list"), {"partner": "x"})
    assert list(response.context["page"].object_list) == []
    assert "Select a valid choice" in response.context["filters"].errors["partner"][0]
    response = exchange_client.get(reverse("exchange:order_list"), {"partner": partner.pk})
    assert list(response.context["page"].object_list) == [submitted]
    detail = exchange_client.get(reverse("exchange:order_detail", args=[submitted.pk]))
    assert [line.title for line in detail.context["lines"]] == ["紅樓夢", "Война и мир"]
    assert "National Diet Library" in page_text(detail)


def test_the_orders_page_runs_a_fixed_number_of_queries(
    exchange_client, submitted, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        exchange_client.get(reverse("exchange:order_list"))
    with django_assert_max_num_queries(16):
        exchange_client.get(reverse("exchange:order_detail", args=[submitted.pk]))


def test_staff_release_an_item_then_cancel_the_order(exchange_client, submitted, items):
    line = submitted.lines.get(item=items[0])
    response = exchange_client.post(reverse("exchange:line_release", args=[line.pk]), follow=True)
    assert "“紅樓夢” was released and is offered again." in page_text(response)
    assert ListItem.objects.get(pk=items[0].pk).status == ItemStatus.AVAILABLE
    response = exchange_client.post(reverse("exchange:line_release", args=[line.pk]), follow=True)
    assert "“紅樓夢” was already given back." in page_text(response)
    response = exchange_client.post(
        reverse("exchange:order_cancel", args=[submitted.pk]), follow=True
    )
    assert "The order was cancelled; 1 item is offered again." in page_text(response)
    assert ListItem.objects.filter(status=ItemStatus.RESERVED).count() == 0
    response = exchange_client.post(
        reverse("exchange:order_cancel", args=[submitted.pk]), follow=True
    )
    assert "Only a submitted order can be cancelled." in page_text(response)
    entries = ActivityLog.objects.filter(
        content_type__model="portalorder", object_id=str(submitted.pk), actor__username="exchange"
    )
    assert sorted(entries.values_list("message", flat=True)) == ["cancel", "release"]


def test_a_sent_item_is_not_released_by_staff(exchange_client, submitted, items):
    ListItem.objects.filter(pk=items[0].pk).update(status=ItemStatus.SENT)
    line = submitted.lines.get(item=items[0])
    response = exchange_client.post(reverse("exchange:line_release", args=[line.pk]), follow=True)
    assert "“紅樓夢” has been sent; it can no longer be released." in page_text(response)
    exchange_client.post(reverse("exchange:order_cancel", args=[submitted.pk]))
    assert ListItem.objects.get(pk=items[0].pk).status == ItemStatus.SENT
    assert ListItem.objects.get(pk=items[1].pk).status == ItemStatus.AVAILABLE


def test_viewers_see_orders_and_links_but_change_nothing(
    viewer_client, submitted, partner, items, exchange_staff
):
    link, _token = portal.create_link(exchange_staff, partner, 30)
    line = submitted.lines.first()
    for page in (
        reverse("exchange:order_list"),
        reverse("exchange:order_detail", args=[submitted.pk]),
        reverse("exchange:portal_links", args=[partner.pk]),
    ):
        assert viewer_client.get(page).status_code == 200, page
    for action in (
        reverse("exchange:order_cancel", args=[submitted.pk]),
        reverse("exchange:line_release", args=[line.pk]),
        reverse("exchange:portal_link_revoke", args=[link.pk]),
        reverse("exchange:portal_links", args=[partner.pk]),
    ):
        assert viewer_client.post(action, {"days": 5}).status_code == 403, action
    assert (
        PortalLink.objects.count() == 2 and PortalLink.objects.filter(revoked_at=None).count() == 2
    )
    assert ListItem.objects.filter(status=ItemStatus.RESERVED).count() == 2


def test_outsiders_and_anonymous_get_no_staff_page(outsider_client, client, submitted, partner):
    for page in (
        reverse("exchange:order_list"),
        reverse("exchange:order_detail", args=[submitted.pk]),
        reverse("exchange:portal_links", args=[partner.pk]),
    ):
        assert outsider_client.get(page).status_code == 403
        assert client.get(page)["Location"].startswith(reverse("login"))


def test_staff_make_a_link_mailed_in_the_partners_language(
    exchange_client, exchange_staff, partner, terms, home
):
    services.save_terms(exchange_staff, partner, {**vars_of(terms), "language": "zh"})
    page = reverse("exchange:portal_links", args=[partner.pk])
    response = exchange_client.post(page, {"days": "14", "mail": "on"}, follow=True)
    link = PortalLink.objects.get()
    new_url = response.context["new_url"]
    assert link.token_sha256 == hash_token(new_url.rstrip("/").rsplit("/", 1)[1])
    assert (link.created_by, link.mailed_to) == (exchange_staff, "sato@ndl.example")
    assert "The link was mailed to sato@ndl.example." in page_text(response)
    message = mail.outbox[0]
    assert message.to == ["sato@ndl.example"] and new_url in message.body
    assert "国家图书馆" in message.subject
    expires = timezone.localtime(link.expires_at, partner.zone)
    assert f"{expires.year}年{expires.month}月{expires.day}日" in message.body
    # The link is seen once: the page shows only its hash's record afterwards.
    again = page_text(exchange_client.get(page))
    assert new_url not in again and "sato@ndl.example" in again
    assert Client().get(new_url.replace("http://127.0.0.1:8000", "")).status_code == 200
    exchange_client.post(reverse("exchange:portal_link_revoke", args=[link.pk]))
    assert Client().get(new_url.replace("http://127.0.0.1:8000", "")).status_code == 403


def test_a_link_without_a_contact_or_with_bad_days_is_answered(exchange_client, partner):
    page = reverse("exchange:portal_links", args=[partner.pk])
    response = exchange_client.post(page, {"days": "0", "mail": "on"})
    assert response.context["form"].errors == {
        "days": ["Ensure this value is greater than or equal to 1."]
    }
    response = exchange_client.post(page, {"days": "7", "mail": "on"}, follow=True)
    assert "The partner has no exchange contact with an e-mail address" in page_text(response)
    assert response.context["new_url"] and mail.outbox == []


def test_links_and_orders_are_reached_from_the_exchange_pages(exchange_client, partner, terms):
    index = page_text(exchange_client.get(reverse("exchange:index")))
    assert f'href="{reverse("exchange:order_list")}"' in index
    terms_page = page_text(exchange_client.get(reverse("exchange:terms_detail", args=[partner.pk])))
    assert f'href="{reverse("exchange:portal_links", args=[partner.pk])}"' in terms_page


def test_the_offer_query_reads_only_what_it_shows(exchange_staff, items, partner):
    reservations.reserve([items[1]], partner)
    assert list(queries.portal_offer()) == [items[2], items[0]]
    assert list(queries.portal_offer(q="zauberberg")) == [items[2]]
    # A title changed after its search text was made is found by its new words.
    services.update_item(exchange_staff, items[2], {"title": "Buddenbrooks"})
    assert list(queries.portal_offer(q="zauberberg")) == []
    assert list(queries.portal_offer(q="buddenbrooks")) == [items[2]]


def test_the_offer_page_runs_a_fixed_number_of_queries(
    client, exchange_staff, partner, terms, offer_list, django_assert_max_num_queries
):
    for number in range(30):
        services.add_item(exchange_staff, offer_list, {"title": f"Title {number}", "year": 2000})
    token = link_for(exchange_staff, partner)
    client.get(url("portal", token), {"q": "title"})  # link marked used, search texts made
    with django_assert_max_num_queries(11):
        response = client.get(url("portal", token), {"q": "title"})
    assert len(response.context["rows"]) == 25
