"""An ILL request in the browser, from the form to receipt, with the mock lender over HTTP."""

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect

from bibliobridge.conftest import make_user
from bibliobridge.core.enums import Role
from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill import mockpeer
from bibliobridge.ill.models import IllPeer
from bibliobridge.partners.enums import EndpointKind, IdentifierScheme
from bibliobridge.partners.models import Endpoint, Identifier, Institution

from .test_flows import sign_in

pytestmark = pytest.mark.browser
SECRET = "the-mock-lender-secret-" + "k" * 20


@pytest.fixture
def lender(live_server, settings):
    """Our library, and a lender abroad whose ISO 18626 server is the mock peer."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    home = Institution.objects.create(kind="national_library", name="国家图书馆", country="CN",
                                      time_zone="Asia/Shanghai", is_home=True)  # fmt: skip
    Identifier.objects.create(institution=home, scheme=IdentifierScheme.ISIL, value="CN-100000-1")
    partner = Institution.objects.create(kind="university_library", name="Universitätsbibliothek",
                                         name_en="Partner University Library", country="DE",
                                         time_zone="Europe/Berlin")  # fmt: skip
    Identifier.objects.create(institution=partner, scheme=IdentifierScheme.ISIL, value="DE-1")
    peer = mockpeer.Peer(proto.AgencyId("ISIL", "DE-1"), f"{live_server.url}/iso18626", SECRET)
    server = mockpeer.serve(peer)
    Endpoint.objects.create(institution=partner, kind=EndpointKind.ISO18626,
                            url=f"http://127.0.0.1:{server.server_port}/iso18626", version="1.2")  # fmt: skip
    IllPeer.objects.create(institution=partner,
                           secret_sha256=hashlib.sha256(SECRET.encode()).hexdigest())  # fmt: skip
    yield partner
    peer.wait()
    server.shutdown()


def test_ill_staff_borrow_a_book_from_the_form_to_receipt(page: Page, lender):
    make_user("ill", Role.ILL_STAFF)
    sign_in(page, "ill")
    page.goto("/ill/")
    page.get_by_role("link", name="New ILL request").click()
    page.select_option("#id_service", "loan")
    page.fill("#id_title", "Der Zauberberg loaned")
    page.fill("#id_author", "Mann, Thomas")
    page.fill("#id_isbn", "978-3-10-048228-0")
    page.fill("#id_patron_name", "王小明")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Der Zauberberg loaned")
    expect(page.locator("main")).to_contain_text("New")

    page.select_option("#id_institution", label="Partner University Library")
    page.get_by_role("button", name="Add to the rota").click()
    expect(page.locator("main table").first).to_contain_text("Partner University Library")
    page.get_by_role("button", name="Send to the lender").click()
    expect(page.locator(".messages, main").first).to_contain_text("Sent to lender")

    # The worker sent the request on commit; the mock lender answers WillSupply, Loaned.
    for _ in range(50):
        page.reload()
        if page.get_by_role("button", name="Record as received").count():
            break
        page.wait_for_timeout(200)
    expect(page.locator("main")).to_contain_text("Shipped")
    page.get_by_role("button", name="Record as received").click()
    expect(page.locator("main")).to_contain_text(re.compile(r"Received"))
    expect(page.locator("main")).to_contain_text("supplyingAgencyMessage Loaned")


def test_a_reader_asks_from_a_discovery_link_and_follows_it_to_receipt(page: Page, lender):
    # A discovery system's link, followed by a reader who has no staff account.
    page.goto("/openurl?genre=book&title=Der+Zauberberg+loaned&au=Mann%2C+Thomas"
              "&isbn=9783100482280")  # fmt: skip
    expect(page.locator("h1")).to_have_text("Ask for a book or an article")
    expect(page.locator("#id_title")).to_have_value("Der Zauberberg loaned")
    page.fill("#id_patron_name", "王小明")
    page.fill("#id_patron_id", "2023001234")
    page.fill("#id_patron_email", "xiaoming@example.org")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("h1")).to_have_text("Your request")
    expect(page.locator("main")).to_contain_text("our staff are checking it")
    mine = page.url

    # Staff check it, choose the lender and send it; the mock lender loans the book.
    make_user("ill", Role.ILL_STAFF)
    sign_in(page, "ill")
    page.goto("/ill/")
    row = page.locator("main table tr", has_text="Der Zauberberg loaned")
    row.get_by_role("link").first.click()
    page.select_option("#id_institution", label="Partner University Library")
    page.get_by_role("button", name="Add to the rota").click()
    page.get_by_role("button", name="Send to the lender").click()
    # The send's own page first: a reload while its navigation is in flight detaches the page.
    expect(page.locator(".messages, main").first).to_contain_text("Sent to lender")
    for _ in range(50):
        page.reload()
        if page.get_by_role("button", name="Record as received").count():
            break
        page.wait_for_timeout(200)
    page.get_by_role("button", name="Record as received").click()
    expect(page.locator("main")).to_contain_text(re.compile(r"Received"))

    page.goto(mine)
    expect(page.locator("main")).to_contain_text(
        "It has arrived: collect it at the inter-library loan desk."
    )
