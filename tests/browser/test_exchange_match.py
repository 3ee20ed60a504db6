"""Exchange staff find matches, see the pair side by side with its reasons, and accept it
(htmx replaces the row) or reject the other."""

import re

import pytest
from playwright.sync_api import Page, expect

from bibliobridge.conftest import PASSWORD, make_user
from bibliobridge.core.enums import Role
from bibliobridge.exchange import services
from bibliobridge.exchange.enums import ListKind
from bibliobridge.exchange.models import MatchSuggestion
from bibliobridge.partners.tests.factories import InstitutionFactory

pytestmark = pytest.mark.browser


def sign_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_staff_find_accept_and_reject_matches(page: Page):
    staff = make_user("exchange", Role.EXCHANGE_STAFF)
    partner = InstitutionFactory(name="国立国会図書館", name_en="National Diet Library",
                                 country="JP", time_zone="Asia/Tokyo")  # fmt: skip
    ours = services.create_list(staff, {"name": "Desiderata", "kind": ListKind.WANT})
    theirs = services.create_list(
        staff, {"name": "NDL duplicates", "kind": ListKind.OFFER, "partner": partner}
    )
    services.add_item(staff, ours, {"title": "Hong lou meng", "isbn": "9787020002207"})
    services.add_item(staff, ours, {"title": "Middlemarch", "isbn": "9780141439549"})
    services.add_item(staff, theirs, {"title": "紅樓夢", "isbn": "9787020002207"})
    services.add_item(staff, theirs, {"title": "Middlemarch", "isbn": "9780141439549"})

    sign_in(page, "exchange")
    page.goto(f"/exchange/lists/{ours.pk}/")
    page.get_by_role("link", name="Matches").click()
    expect(page).to_have_url(re.compile(rf"/exchange/matches/\?exchange_list={ours.pk}$"))
    expect(page.locator("#rows")).to_contain_text("No suggestion matches these filters.")
    page.get_by_role("button", name="Find matches for this list again").click()
    expect(page.locator("main")).to_contain_text("Matching has started")
    # The tests' task backend runs the matching at once, so the page it returns to has it.
    expect(page.locator("#rows tr[id^=match-]")).to_have_count(2)

    first = MatchSuggestion.objects.get(offer__title="紅樓夢")
    row = page.locator(f"#match-{first.pk}")
    expect(row).to_contain_text("Hong lou meng")
    expect(row).to_contain_text("紅樓夢")
    expect(row).to_contain_text("Same ISBN 9787020002207")
    row.get_by_role("button", name="Accept").click()
    expect(page.locator(f"#match-{first.pk}")).to_contain_text("Accepted")
    expect(page.locator(f"#match-{first.pk} button")).to_have_count(0)

    other = MatchSuggestion.objects.get(offer__title="Middlemarch")
    page.locator(f"#match-{other.pk}").get_by_role("button", name="Reject").click()
    expect(page.locator(f"#match-{other.pk}")).to_contain_text("Rejected")

    page.get_by_role("button", name="Find matches for this list again").click()
    expect(page.locator("main")).to_contain_text("Matching has started")
    assert sorted(MatchSuggestion.objects.values_list("status", flat=True)) == [
        "accepted",
        "rejected",
    ]
