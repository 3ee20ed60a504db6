import pytest
from django.core.exceptions import ValidationError

from bibliobridge.core.models import ActivityLog
from bibliobridge.partners import services
from bibliobridge.partners.models import Closure, Contact, Identifier, Institution

from .factories import InstitutionFactory

NDL = {
    "kind": "national_library",
    "name": "国立国会図書館",
    "name_zh": "日本国立国会图书馆",
    "name_en": "National Diet Library",
    "country": "JP",
    "time_zone": "Asia/Tokyo",
    "languages": ["ja"],
    "currencies": ["JPY"],
}


@pytest.mark.django_db
def test_create_institution_with_identifiers_names_and_tags_is_audited(officer):
    institution = services.create_institution(
        officer,
        NDL,
        identifiers=[("isil", "jp-1000001"), ("ror", "https://ror.org/03vek6s52")],
        names=[("NDL", "en", "acronym")],
        tags=["Asia-Pacific"],
    )
    assert sorted(institution.identifiers.values_list("scheme", "value")) == [
        ("isil", "JP-1000001"),
        ("ror", "03vek6s52"),
    ]
    assert list(institution.tags.values_list("name", flat=True)) == ["Asia-Pacific"]
    assert "ndl" in institution.search_text and "国立国会図書館" in institution.search_text
    log = ActivityLog.objects.get(object_id=str(institution.pk))
    assert (log.actor, log.action) == (officer, "created")
    assert log.changes["name"] == "国立国会図書館"
    assert log.changes["identifiers"] == ["isil JP-1000001", "ror 03vek6s52"]


@pytest.mark.django_db
def test_create_refuses_bad_country_and_time_zone_and_applies_nothing(officer):
    with pytest.raises(ValidationError) as error:
        services.create_institution(officer, {**NDL, "country": "XX", "time_zone": "Asia/Atlantis"})
    assert set(error.value.message_dict) == {"country", "time_zone"}
    assert Institution.objects.count() == 0
    assert ActivityLog.objects.count() == 0


@pytest.mark.django_db
def test_identifier_that_belongs_to_another_institution_is_refused_atomically(officer):
    first = InstitutionFactory()
    services.add_identifier(officer, first, "isil", "DE-1")
    with pytest.raises(ValidationError, match="already belongs"):
        services.create_institution(officer, NDL, identifiers=[("isil", "DE-1")])
    assert Institution.objects.count() == 1


@pytest.mark.django_db
def test_invalid_ror_is_refused_with_check_digit_message(officer):
    with pytest.raises(ValidationError) as error:
        services.create_institution(officer, NDL, identifiers=[("ror", "03vek6s53")])
    assert "check digits" in str(error.value.message_dict["identifiers"])


@pytest.mark.django_db
def test_update_logs_before_and_after_and_refreshes_search(officer):
    institution = InstitutionFactory(name_en="Old Name")
    changes = services.update_institution(
        officer, institution, {"name_en": "Heidelberg University Library", "city": "Heidelberg"}
    )
    assert changes == {
        "name_en": ["Old Name", "Heidelberg University Library"],
        "city": ["", "Heidelberg"],
    }
    institution.refresh_from_db()
    assert "heidelberg university library" in institution.search_text
    log = ActivityLog.objects.filter(action="updated").get()
    assert log.changes == changes


@pytest.mark.django_db
def test_update_without_change_writes_no_log(officer):
    institution = InstitutionFactory(name_en="Same")
    assert services.update_institution(officer, institution, {"name_en": "Same"}) == {}
    assert not ActivityLog.objects.filter(action="updated").exists()


@pytest.mark.django_db
def test_institution_cannot_be_its_own_ancestor(officer):
    parent = InstitutionFactory()
    child = InstitutionFactory(parent=parent)
    with pytest.raises(ValidationError, match="unit of itself"):
        services.update_institution(officer, parent, {"parent": child})


@pytest.mark.django_db
def test_delete_refused_while_units_exist(officer):
    parent = InstitutionFactory()
    InstitutionFactory(parent=parent)
    with pytest.raises(ValidationError, match="units"):
        services.delete_institution(officer, parent)


@pytest.mark.django_db
def test_delete_is_audited(officer):
    institution = InstitutionFactory()
    pk = institution.pk
    services.delete_institution(officer, institution)
    assert not Institution.objects.filter(pk=pk).exists()
    assert ActivityLog.objects.get(object_id=str(pk)).action == "deleted"


@pytest.mark.django_db
def test_parts_are_saved_and_deleted_with_history_on_the_institution(officer):
    institution = InstitutionFactory()
    contact = services.save_part(
        officer,
        Contact(
            institution=institution,
            name="田中 花子",
            role="ill",
            email="tanaka@ndl.example",
            languages=["ja"],
        ),
    )
    contact.email = "hanako@ndl.example"
    services.save_part(officer, contact)
    services.delete_part(officer, contact)
    logs = list(
        ActivityLog.objects.filter(object_id=str(institution.pk))
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert logs == [
        {"contact": [None, "田中 花子"]},
        {"contact.email": ["tanaka@ndl.example", "hanako@ndl.example"]},
        {"contact": ["田中 花子", None]},
    ]


@pytest.mark.django_db
def test_closure_must_end_after_it_starts(officer):
    import datetime as dt

    institution = InstitutionFactory()
    with pytest.raises(ValidationError):
        services.save_part(
            officer,
            Closure(institution=institution, start=dt.date(2026, 5, 3), end=dt.date(2026, 5, 1)),
        )


@pytest.mark.django_db
def test_closure_covers_dates_in_the_partners_own_zone(officer):
    import datetime as dt

    institution = InstitutionFactory(time_zone="Asia/Tokyo", country="JP")
    closure = services.save_part(
        officer,
        Closure(
            institution=institution,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 3),
            reason="正月",
        ),
    )
    # 2025-12-31 16:00 UTC is already 1 January in Tokyo.
    assert closure.covers(dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC))
    assert not closure.covers(dt.datetime(2025, 12, 31, 14, 0, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_ill_policy_validates_codes_and_logs(officer):
    from decimal import Decimal

    institution = InstitutionFactory()
    policy = services.save_ill_policy(
        officer,
        institution,
        {
            "countries_served": ["CN", "JP"],
            "payment_methods": ["ifla_voucher"],
            "max_cost": Decimal("25.00"),
            "max_cost_currency": "EUR",
        },
    )
    assert policy.serves("CN") and not policy.serves("US")
    with pytest.raises(ValidationError):
        services.save_ill_policy(officer, institution, {"countries_served": ["ZZ"]})
    log = ActivityLog.objects.filter(object_id=str(institution.pk)).latest("id")
    assert log.changes["ill_policy.max_cost"] == [None, "25.00"]


@pytest.mark.django_db
def test_tags_and_names_change_search_and_history(officer):
    institution = InstitutionFactory()
    services.set_tags(officer, institution, ["IFLA", "Europe"])
    services.add_name(officer, institution, "UB Heidelberg", "de", "acronym")
    institution.refresh_from_db()
    assert "ub heidelberg" in institution.search_text
    assert Identifier.objects.count() == 0
    changes = list(
        ActivityLog.objects.filter(object_id=str(institution.pk))
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert changes == [{"tags": [[], ["Europe", "IFLA"]]}, {"names": [None, "UB Heidelberg"]}]


@pytest.mark.django_db
def test_only_one_home_institution(officer):
    first, second = InstitutionFactory(), InstitutionFactory()
    services.set_home_institution(officer, first)
    services.set_home_institution(officer, second)
    assert list(Institution.objects.filter(is_home=True)) == [second]


@pytest.mark.django_db
def test_delete_refused_while_other_modules_refer_to_it(officer):
    from bibliobridge.ill import services as ill_services

    institution = InstitutionFactory()
    ill_services.create_request(None, "requester", service="loan", title="Der Zauberberg",
                                partner=institution)  # fmt: skip
    with pytest.raises(ValidationError, match="ILL requests"):
        services.delete_institution(officer, institution)
    assert Institution.objects.filter(pk=institution.pk).exists()
    assert not ActivityLog.objects.filter(action="deleted").exists()
