"""The exchange portal in the browser: a partner with its private link, and two partners
racing for the same item.

Staff's side (our offer list, the partners' terms, their links) is set up through the
services; the partners do everything else through the pages, with no account.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from bibliobridge.conftest import make_user
from bibliobridge.core.enums import Role
from bibliobridge.exchange import portal, services
from bibliobridge.exchange.enums import ItemStatus
from bibliobridge.exchange.models import ListItem
from bibliobridge.partners.enums import ContactRole
from bibliobridge.partners.models import Contact, Institution

from .conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser


def partner_with_link(name: str, name_en: str, email: str) -> str:
    """A partner with exchange terms (English letters), an exchange contact and a portal
    link; returns the link's path."""
    staff = make_user(f"staff-{email}", Role.EXCHANGE_STAFF)
    partner = Institution.objects.create(
        kind="university_library", name=name, name_en=name_en, country="JP",
        time_zone="Asia/Tokyo",
    )  # fmt: skip
    contact = Contact.objects.create(
        institution=partner, name="Exchange desk", role=ContactRole.EXCHANGE, email=email
    )
    services.save_terms(
        staff, partner, {"kind": "piece_for_piece", "contact": contact, "language": "en"}
    )
    _link, token = portal.create_link(staff, partner, 30)
    return f"/exchange/portal/{token}/"


@pytest.fixture
def offer(transactional_db):
    Institution.objects.create(
        kind="national_library", name="国家图书馆", name_zh="国家图书馆",
        name_en="National Library of China", country="CN", time_zone="Asia/Shanghai",
        is_home=True,
    )  # fmt: skip
    staff = make_user("exchange", Role.EXCHANGE_STAFF)
    offer_list = services.create_list(
        staff, {"name": "Duplicates 2026", "kind": "offer", "partner": None}
    )
    rows = [
        {"title": "紅樓夢", "author": "曹雪芹", "isbn": "9787020002207", "language": "zho"},
        {"title": "Война и мир", "author": "Толстой, Лев", "language": "rus"},
        {"title": "Der Zauberberg", "author": "Mann, Thomas", "language": "deu"},
    ]
    return {row["title"]: services.add_item(staff, offer_list, row) for row in rows}


def row_of(page: Page, title: str):
    return page.locator("#offer tbody tr", has_text=title)


def test_a_partner_chooses_from_our_offer_and_submits(page: Page, offer):
    path = partner_with_link(
        "東京大学附属図書館", "University of Tokyo Library", "ex@u-tokyo.example"
    )
    page.goto(path)
    expect(page.locator("h1")).to_have_text("Publications we offer for exchange")
    expect(page.locator("header")).to_contain_text("University of Tokyo Library")
    expect(page.locator("#offer tbody tr")).to_have_count(3)

    # Search in Latin letters finds the Chinese title.
    page.fill("#id_q", "hong lou meng")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("#offer tbody tr")).to_have_count(1)
    expect(row_of(page, "紅樓夢")).to_be_visible()

    # Chinese, then English again; the search is kept.
    page.locator("form.langswitch button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("form.filters button[type=submit]")).to_have_text("搜索")
    expect(page.locator("#offer tbody tr")).to_have_count(1)
    page.locator("form.langswitch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    row_of(page, "紅樓夢").get_by_role("button", name="Add to cart").click()
    expect(page.locator(".messages")).to_contain_text(
        "“紅樓夢” is reserved for you and in your cart."
    )
    expect(page.locator("#cart-link")).to_have_text("Cart (1)")
    assert ListItem.objects.get(pk=offer["紅樓夢"].pk).status == ItemStatus.RESERVED

    page.locator("#cart-link").click()
    expect(page.locator("#cart tbody tr")).to_have_count(1)
    page.fill("#id_note", "Thank you!")
    page.get_by_role("button", name="Submit the order").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"your order \d+ was submitted"))
    expect(page.locator("#lines")).to_contain_text("紅樓夢")
    expect(page.locator("#cart-link")).to_have_text("Cart (0)")

    page.get_by_role("link", name="Your orders", exact=True).click()
    expect(page.locator("#orders tbody tr")).to_have_count(1)
    expect(page.locator("#orders")).to_contain_text("Submitted")
    for _ in range(50):  # the confirmation goes out after the commit
        if mail.outbox:
            break
        page.wait_for_timeout(100)
    assert [message.to for message in mail.outbox] == [["ex@u-tokyo.example"]]


def test_two_partners_race_for_one_item_and_one_is_told(page: Page, browser, live_server, offer):
    first = partner_with_link("東京大学附属図書館", "University of Tokyo Library", "a@u.example")
    second = partner_with_link("Staatsbibliothek zu Berlin", "Berlin State Library", "b@s.example")
    other = browser.new_context(base_url=live_server.url, locale="en-US")
    other.set_default_timeout(TIMEOUT_MS)
    try:
        rival = other.new_page()
        page.goto(first)
        rival.goto(second)
        # Both see the item; both click "Add to cart" at once (neither waits for its page).
        for tab in (page, rival):
            expect(row_of(tab, "Der Zauberberg")).to_have_count(1)
        for tab in (page, rival):
            row_of(tab, "Der Zauberberg").get_by_role("button", name="Add to cart").click(
                no_wait_after=True
            )
        for tab in (page, rival):
            expect(tab.locator(".messages")).to_be_visible()
        said = {tab: tab.locator(".messages").inner_text().strip() for tab in (page, rival)}
        won = "“Der Zauberberg” is reserved for you and in your cart."
        lost = "No longer available: “Der Zauberberg”."
        assert sorted(said.values()) == sorted([won, lost]), said
        winner, loser = (page, rival) if said[page] == won else (rival, page)
        expect(winner.locator("#cart-link")).to_have_text("Cart (1)")
        expect(loser.locator("#cart-link")).to_have_text("Cart (0)")
        expect(row_of(loser, "Der Zauberberg")).to_have_count(0)
        # Nothing on the loser's page names the winner.
        winner_names = (
            ("University of Tokyo Library", "東京大学附属図書館")
            if winner is page
            else ("Berlin State Library", "Staatsbibliothek zu Berlin")
        )
        for name in winner_names:
            assert name not in loser.content()
        item = ListItem.objects.select_related("reserved_for").get(pk=offer["Der Zauberberg"].pk)
        assert item.reserved_for.name_en == winner_names[0]
    finally:
        other.close()
