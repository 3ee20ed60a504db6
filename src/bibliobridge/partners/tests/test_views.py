import pytest
from django.urls import reverse

from bibliobridge.core.models import ActivityLog
from bibliobridge.partners import services
from bibliobridge.partners.models import Contact, Institution

from .factories import InstitutionFactory

FORM = {
    "kind": "national_library",
    "name": "국립중앙도서관",
    "name_zh": "韩国国立中央图书馆",
    "name_en": "National Library of Korea",
    "country": "kr",
    "time_zone": "Asia/Seoul",
    "languages": "ko, en",
    "currencies": "KRW",
    "isil": "KR-011001",
    "ror": "",
    "tags": "Asia-Pacific, exchange",
    "is_active": "on",
}


@pytest.mark.django_db
def test_list_allowed_for_viewer_denied_for_outsider_and_anonymous(
    viewer_client, outsider_client, client
):
    InstitutionFactory(name="Universitätsbibliothek Heidelberg")
    response = viewer_client.get(reverse("partners:list"))
    assert response.status_code == 200
    assert "Universitätsbibliothek Heidelberg" in response.content.decode()
    assert outsider_client.get(reverse("partners:list")).status_code == 403


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("partners:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_list_search_in_original_script_and_htmx_partial(viewer_client):
    InstitutionFactory(name="国立国会図書館", name_en="National Diet Library")
    InstitutionFactory(
        name="Bibliothèque nationale de France", name_en="National Library of France"
    )
    response = viewer_client.get(reverse("partners:list"), {"q": "国会"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "National Diet Library" in html and "France" not in html
    assert "<html" not in html  # only the rows partial


def test_list_marks_the_partners_with_an_agreement(viewer_client):
    from bibliobridge.agreements.tests.factories import AgreementFactory

    bound = InstitutionFactory(name_en="Bound by an agreement")
    InstitutionFactory(name_en="Free of agreements")
    AgreementFactory(parties=[bound])
    rows = viewer_client.get(reverse("partners:list")).context["rows"]
    flags = {i.name_en: i.has_agreement for i in rows}
    assert flags == {"Bound by an agreement": True, "Free of agreements": False}


@pytest.mark.django_db
def test_list_filter_form_follows_the_language_filters_and_countries(viewer_client):
    # The form is rendered once per language, filters, countries and tags (a cache).
    InstitutionFactory(country="JP")
    url = reverse("partners:list")
    html = viewer_client.get(url, {"kind": "consortium"}).content.decode()
    assert '<option value="consortium" selected>Consortium</option>' in html
    assert '<option value="JP" >Japan</option>' in html
    InstitutionFactory(country="FR")
    assert '<option value="FR" >France</option>' in viewer_client.get(url).content.decode()
    viewer_client.cookies["django_language"] = "zh-hans"
    html = viewer_client.get(url, {"kind": "consortium", "country": "FR"}).content.decode()
    assert '<option value="consortium" selected>图书馆联盟</option>' in html
    assert '<option value="FR" selected>法国</option>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 60])
def test_list_runs_a_constant_number_of_queries(
    viewer_client, django_assert_max_num_queries, count, officer
):
    for institution in InstitutionFactory.create_batch(count):
        services.add_identifier(officer, institution, "local", f"L{institution.pk}")
        services.set_tags(officer, institution, ["IFLA"])
    with django_assert_max_num_queries(12):
        assert viewer_client.get(reverse("partners:list")).status_code == 200


@pytest.mark.django_db
def test_create_with_isil_as_officer(officer_client, officer):
    response = officer_client.post(reverse("partners:create"), FORM)
    institution = Institution.objects.get(name_en="National Library of Korea")
    assert response.status_code == 302 and response["Location"] == reverse(
        "partners:detail", args=[institution.pk]
    )
    assert institution.country == "KR" and institution.languages == ["ko", "en"]
    assert list(institution.identifiers.values_list("value", flat=True)) == ["KR-011001"]
    assert sorted(institution.tags.values_list("name", flat=True)) == ["Asia-Pacific", "exchange"]
    assert ActivityLog.objects.filter(actor=officer, action="created").count() == 1


@pytest.mark.django_db
def test_create_shows_field_errors_in_english(officer_client):
    response = officer_client.post(
        reverse("partners:create"),
        {
            **FORM,
            "isil": "KR-0110011234567890",
            "ror": "03vek6s53",
            "country": "XX",
            "time_zone": "Asia/Nowhere",
            "languages": "kor, xx1",
            "currencies": "KRX",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["isil"] == [
        "An ISIL has at most 16 characters; “KR-0110011234567890” has 19."
    ]
    assert "check digits" in form.errors["ror"][0]
    assert form.errors["country"] == [
        "“XX” is not an ISO 3166 country code (two letters, such as CN or DE)."
    ]
    assert form.errors["time_zone"] == [
        "“Asia/Nowhere” is not an IANA time zone (such as Asia/Shanghai or Europe/Berlin)."
    ]
    assert form.errors["languages"] == [
        "“xx1” is not an ISO 639 language code (such as zh, en or rus)."
    ]
    assert form.errors["currencies"] == [
        "“KRX” is not an ISO 4217 currency code (such as CNY, USD or EUR)."
    ]
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_create_shows_field_errors_in_chinese(officer_client):
    officer_client.cookies["django_language"] = "zh-hans"
    response = officer_client.post(reverse("partners:create"), {**FORM, "country": "XX"})
    assert response.status_code == 200
    assert response.context["form"].errors["country"] == [
        "“XX”不是 ISO 3166 国家代码（两个字母，例如 CN 或 DE）。"
    ]


@pytest.mark.django_db
def test_create_denied_for_viewer_and_ill_staff(viewer_client):
    assert viewer_client.get(reverse("partners:create")).status_code == 403
    assert viewer_client.post(reverse("partners:create"), FORM).status_code == 403
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_detail_allowed_and_denied(viewer_client, outsider_client, officer):
    institution = InstitutionFactory(
        name="Библиотека Академии наук", country="RU", time_zone="Europe/Moscow"
    )
    services.save_part(
        officer, Contact(institution=institution, name="Иванова Мария", role="exchange")
    )
    response = viewer_client.get(reverse("partners:detail", args=[institution.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "Библиотека Академии наук" in html and "Иванова Мария" in html and "Europe/Moscow" in html
    )
    assert "History" in html
    assert outsider_client.get(reverse("partners:detail", args=[institution.pk])).status_code == 403
    assert viewer_client.get(reverse("partners:detail", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_detail_runs_a_bounded_number_of_queries(viewer_client, django_assert_max_num_queries):
    institution = InstitutionFactory()
    with django_assert_max_num_queries(25):
        viewer_client.get(reverse("partners:detail", args=[institution.pk]))


@pytest.mark.django_db
def test_edit_updates_identifiers_and_logs(officer_client, officer):
    institution = services.create_institution(
        officer,
        {"kind": "university_library", "name": "UB", "country": "DE", "time_zone": "Europe/Berlin"},
        identifiers=[("isil", "DE-16")],
    )
    response = officer_client.post(
        reverse("partners:edit", args=[institution.pk]),
        {
            "kind": "university_library",
            "name": "Universitätsbibliothek Heidelberg",
            "country": "DE",
            "time_zone": "Europe/Berlin",
            "isil": "DE-16",
            "oclc": "HDB",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name == "Universitätsbibliothek Heidelberg"
    assert sorted(institution.identifiers.values_list("scheme", "value")) == [
        ("isil", "DE-16"),
        ("oclc", "HDB"),
    ]


@pytest.mark.django_db
def test_edit_denied_for_viewer(viewer_client):
    institution = InstitutionFactory()
    assert viewer_client.get(reverse("partners:edit", args=[institution.pk])).status_code == 403


@pytest.mark.django_db
def test_delete_allowed_for_officer_denied_for_viewer(officer_client, viewer_client):
    institution = InstitutionFactory()
    assert viewer_client.post(reverse("partners:delete", args=[institution.pk])).status_code == 403
    assert officer_client.post(reverse("partners:delete", args=[institution.pk])).status_code == 302
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_identifier_and_name_add_remove(officer_client, viewer_client):
    institution = InstitutionFactory()
    url = reverse("partners:identifier_add", args=[institution.pk])
    assert viewer_client.post(url, {"scheme": "isil", "value": "GB-UkOxU"}).status_code == 403
    officer_client.post(url, {"scheme": "isil", "value": "GB-UkOxU"})
    identifier = institution.identifiers.get()
    assert identifier.value == "GB-UkOxU"
    officer_client.post(url, {"scheme": "ror", "value": "not-a-ror"})
    assert institution.identifiers.count() == 1
    officer_client.post(reverse("partners:identifier_remove", args=[institution.pk, identifier.pk]))
    assert institution.identifiers.count() == 0
    officer_client.post(
        reverse("partners:name_add", args=[institution.pk]),
        {"value": "Bodleian", "language": "en", "kind": "variant"},
    )
    name = institution.names.get()
    officer_client.post(reverse("partners:name_remove", args=[institution.pk, name.pk]))
    assert not institution.names.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("part", "data"),
    [
        (
            "contact",
            {"name": "Kim Min-ji", "role": "ill", "email": "kim@nl.example", "languages": "ko"},
        ),
        (
            "address",
            {
                "kind": "postal",
                "native": "서울특별시 서초구 반포대로 201",
                "romanised": "201 Banpo-daero, Seocho-gu, Seoul",
                "country": "KR",
            },
        ),
        (
            "endpoint",
            {"kind": "iso18626", "url": "https://ill.nl.example/iso18626", "version": "2021-2"},
        ),
        ("closure", {"start": "2026-09-24", "end": "2026-09-26", "reason": "Chuseok"}),
    ],
)
def test_parts_can_be_added_by_officer_not_viewer(officer_client, viewer_client, part, data):
    institution = InstitutionFactory(country="KR", time_zone="Asia/Seoul")
    url = reverse("partners:part_add", args=[institution.pk, part])
    assert viewer_client.post(url, data).status_code == 403
    response = officer_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    related = {
        "contact": "contacts",
        "address": "addresses",
        "endpoint": "endpoints",
        "closure": "closures",
    }[part]
    item = getattr(institution, related).get()
    assert (
        officer_client.post(
            reverse("partners:part_delete", args=[institution.pk, part, item.pk])
        ).status_code
        == 302
    )
    assert not getattr(institution, related).exists()


@pytest.mark.django_db
def test_endpoint_for_iso18626_needs_a_version(officer_client):
    institution = InstitutionFactory()
    response = officer_client.post(
        reverse("partners:part_add", args=[institution.pk, "endpoint"]),
        {"kind": "iso18626", "url": "https://x.example/"},
    )
    assert response.context["form"].errors["version"] == [
        "Say which ISO 18626 version the partner speaks."
    ]


@pytest.mark.django_db
def test_ill_staff_may_edit_policy_but_not_the_institution(ill_client):
    institution = InstitutionFactory()
    response = ill_client.post(
        reverse("partners:ill_policy", args=[institution.pk]),
        {
            "lends_returnables": "on",
            "countries_served": "CN, JP",
            "payment_methods": ["free", "ifla_voucher"],
            "max_cost": "30",
            "max_cost_currency": "usd",
        },
    )
    assert response.status_code == 302
    policy = institution.ill_policy
    assert (policy.countries_served, policy.payment_methods, policy.max_cost_currency) == (
        ["CN", "JP"],
        ["free", "ifla_voucher"],
        "USD",
    )
    assert not policy.supplies_copies
    assert ill_client.get(reverse("partners:edit", args=[institution.pk])).status_code == 403


@pytest.mark.django_db
def test_map_page_and_data(viewer_client, outsider_client):
    InstitutionFactory(country="JP", time_zone="Asia/Tokyo")
    InstitutionFactory(country="JP", time_zone="Asia/Tokyo")
    InstitutionFactory(country="FR", time_zone="Europe/Paris")
    response = viewer_client.get(reverse("partners:map"))
    assert response.status_code == 200
    assert response.context["rows"] == [("JP", "Japan", 2), ("FR", "France", 1)]
    data = viewer_client.get(reverse("partners:map_data")).json()
    assert data == {
        "countries": [
            {"code": "JP", "name": "Japan", "count": 2},
            {"code": "FR", "name": "France", "count": 1},
        ]
    }
    assert outsider_client.get(reverse("partners:map")).status_code == 403
    assert outsider_client.get(reverse("partners:map_data")).status_code == 403
