"""The flows people use most, through the real pages in Chromium.

Users are made in the test; everything else (partners, agreements, documents, status
changes) is done through the forms and buttons a cooperation officer uses.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from bibliobridge.conftest import PASSWORD, make_user
from bibliobridge.core.enums import Role
from bibliobridge.partners.enums import InstitutionKind
from bibliobridge.partners.models import Institution

pytestmark = pytest.mark.browser

# A tiny but whole PDF: header, one empty page, cross-reference table, trailer.
TINY_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n168\n%%EOF\n"
)

PARTNER = {
    "name": "東京大学附属図書館",
    "name_zh": "东京大学图书馆",
    "name_en": "University of Tokyo Library",
    "isil": "JP-1000001",
}


def sign_in(page: Page, username: str) -> None:
    """Through the login form, as a person does it."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_officer_signs_in_and_sees_the_home_page(page: Page):
    make_user("officer", Role.COOPERATION_OFFICER, first_name="Li", last_name="Wei")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    sign_in(page, "officer")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("h1")).to_have_text(re.compile(r"^Welcome, "))
    expect(page.locator("#deadlines")).to_be_visible()
    expect(page.locator("nav.mainnav")).to_contain_text("Partners")


def test_language_switch_is_remembered(page: Page):
    make_user("officer", Role.COOPERATION_OFFICER)
    sign_in(page, "officer")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "en")

    page.locator("form.langswitch button[value=zh-hans]").click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.locator("form.langswitch button[value=zh-hans]")).to_have_attribute(
        "aria-current", "true"
    )
    # Remembered: another page, loaded afresh, is still in Chinese. Django's own catalogue
    # shows it in the text too (the required-field error of the institution form).
    page.goto("/partners/new/")
    expect(html).to_have_attribute("lang", "zh-hans")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("这个字段是必填项。")

    page.locator("form.langswitch button[value=en]").click()
    expect(html).to_have_attribute("lang", "en")
    page.reload()
    expect(html).to_have_attribute("lang", "en")
    page.goto("/partners/new/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("This field is required.")


def fill_institution_form(page: Page, isil: str) -> None:
    page.select_option("#id_kind", InstitutionKind.UNIVERSITY_LIBRARY.value)
    page.fill("#id_name", PARTNER["name"])
    page.fill("#id_name_zh", PARTNER["name_zh"])
    page.fill("#id_name_en", PARTNER["name_en"])
    page.fill("#id_country", "JP")
    page.fill("#id_city", "Tokyo")
    page.fill("#id_time_zone", "Asia/Tokyo")
    page.fill("#id_languages", "ja, en")
    page.fill("#id_currencies", "JPY")
    page.fill("#id_isil", isil)


def create_partner(page: Page) -> int:
    """Through the New institution form: a wrong ISIL first, then a right one."""
    page.goto("/partners/")
    page.get_by_role("link", name="New institution").click()
    expect(page).to_have_url(re.compile(r"/partners/new/$"))
    fill_institution_form(page, "XX-1")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/partners/new/$"))
    expect(page.locator("main .errorlist")).to_contain_text("“XX” is not an ISO 3166 country code")

    page.fill("#id_isil", PARTNER["isil"])
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/partners/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("The institution was created.")
    expect(page.locator("h1")).to_have_text(PARTNER["name_en"])
    expect(page.locator("main")).to_contain_text(PARTNER["name"])
    expect(page.locator("main code", has_text=PARTNER["isil"])).to_be_visible()
    return int(re.search(r"/partners/(\d+)/$", page.url).group(1))


def test_officer_creates_a_partner_with_an_isil_and_finds_it(page: Page):
    make_user("officer", Role.COOPERATION_OFFICER)
    sign_in(page, "officer")
    pk = create_partner(page)

    page.goto("/partners/")
    page.fill("input[name=q]", "東京大学")
    page.locator("form.filters button[type=submit]").click()
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name=PARTNER["name_en"])).to_have_attribute(
        "href", f"/partners/{pk}/"
    )
    expect(page.locator("#rows")).to_contain_text("1 institution")

    page.fill("input[name=q]", "no such library anywhere")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("#rows")).to_contain_text("No institutions match.")


def test_officer_takes_an_agreement_into_effect(page: Page):
    make_user("officer", Role.COOPERATION_OFFICER)
    # Our own library is a party to every agreement; it is set up once, not by the officer.
    Institution.objects.create(
        kind=InstitutionKind.NATIONAL_LIBRARY, name="国家图书馆", name_zh="国家图书馆",
        name_en="National Library of China", country="CN", time_zone="Asia/Shanghai", is_home=True,
    )  # fmt: skip
    sign_in(page, "officer")
    partner_pk = create_partner(page)
    today = dt.date.today()
    expiry = today + dt.timedelta(days=60)
    title = "Publication exchange with the University of Tokyo Library"

    page.goto("/agreements/new/")
    page.select_option("#id_type", "publication_exchange")
    page.fill("#id_title", title)
    page.select_option("#id_partner", str(partner_pk))
    page.fill("#id_effective_date", (today - dt.timedelta(days=300)).isoformat())
    page.fill("#id_expiry_date", expiry.isoformat())
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/agreements/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("The agreement was created as a draft.")
    agreement_url = page.url
    pk = int(re.search(r"/agreements/(\d+)/$", agreement_url).group(1))

    # A file that is not a PDF is refused with a message; a real PDF is kept.
    page.get_by_role("link", name="Upload a document").click()
    expect(page).to_have_url(re.compile(rf"/agreements/{pk}/documents/new/$"))
    page.set_input_files(
        "#id_file",
        files=[{"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"not a PDF"}],
    )
    page.select_option("#id_kind", "signed_copy")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("“fake.pdf” is not a PDF file")
    page.set_input_files(
        "#id_file",
        files=[{"name": "agreement.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF}],
    )
    page.select_option("#id_kind", "signed_copy")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(agreement_url)
    expect(page.locator(".messages")).to_contain_text("The document was uploaded.")
    expect(page.locator("main")).to_contain_text("agreement.pdf")

    # Through the workflow's buttons: draft → negotiating → signed → in effect.
    for button, status in (
        ("Start negotiating", "Negotiating"),
        ("Record as signed", "Signed"),
        ("Bring into effect", "In effect"),
    ):
        page.get_by_role("button", name=button).click()
        expect(page).to_have_url(agreement_url)
        expect(page.locator(".messages")).to_contain_text(f"The agreement is now “{status}”.")
    expect(page.get_by_role("button", name="Bring into effect")).to_have_count(0)

    page.goto(f"/agreements/calendar/?month={expiry:%Y-%m}")
    expect(page.get_by_role("link", name=title)).to_have_attribute("href", f"/agreements/{pk}/")
    page.goto("/")
    deadlines = page.locator("#deadlines")
    expect(deadlines.get_by_role("link", name=title)).to_have_attribute(
        "href", f"/agreements/{pk}/"
    )
    expect(deadlines.locator("tbody tr", has_text=title).first).to_contain_text(
        str((expiry - today).days)
    )


def test_viewer_is_refused_the_new_institution_page(page: Page):
    make_user("viewer", Role.VIEWER)
    sign_in(page, "viewer")
    response = page.goto("/partners/new/")
    assert response is not None and response.status == 403
    page.goto("/partners/")
    expect(page.get_by_role("link", name="New institution")).to_have_count(0)
