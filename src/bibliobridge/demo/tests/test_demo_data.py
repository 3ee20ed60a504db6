"""demo_data: valid, varied, deterministic and idempotent.

The small-scale tests come first: they need an empty database, and the default-scale
network (built once for the module, rolled back at its end) is set up at the first test
that asks for it.
"""

import datetime as dt
import io
import unicodedata
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction

from bibliobridge.agreements.enums import AgreementStatus, AgreementType
from bibliobridge.agreements.models import Agreement, AgreementVersion
from bibliobridge.core.models import ActivityLog, User
from bibliobridge.demo import network
from bibliobridge.demo.generate import make_plan
from bibliobridge.partners.enums import IDENTIFIER_NORMALISERS, IdentifierScheme
from bibliobridge.partners.models import Identifier, Institution

pytestmark = pytest.mark.django_db


def run(**options) -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out, **options)
    return out.getvalue()


def db_names() -> list[str]:
    return sorted(
        f"{n}|{z}|{e}" for n, z, e in Institution.objects.values_list("name", "name_zh", "name_en")
    )


def assert_identifiers_valid() -> None:
    identifiers = list(Identifier.objects.select_related("institution"))
    assert identifiers
    for identifier in identifiers:
        normalise = IDENTIFIER_NORMALISERS[IdentifierScheme(identifier.scheme)]
        assert normalise(identifier.value) == identifier.value
        if identifier.scheme == IdentifierScheme.ISIL:
            assert identifier.value.split("-")[0] == identifier.institution.country
        if identifier.scheme == IdentifierScheme.CALIS:
            assert identifier.institution.country == "CN"


def assert_rows_valid() -> None:
    for institution in Institution.objects.prefetch_related(
        "contacts", "endpoints", "closures", "addresses"
    ):
        institution.full_clean()
        for part in [*institution.contacts.all(), *institution.endpoints.all(), *institution.closures.all(),
                     *institution.addresses.all()]:  # fmt: skip
            part.full_clean()
    for agreement in Agreement.objects.prefetch_related("parties", "conditions"):
        agreement.full_clean()
        for part in [*agreement.parties.all(), *agreement.conditions.all()]:
            part.full_clean()


def test_small_network_through_services():
    output = run(institutions=60, agreements=30)
    assert "60 partner institutions" in output
    assert Institution.objects.filter(is_home=False).count() == 60
    assert Agreement.objects.count() == 30
    assert_identifiers_valid()
    assert_rows_valid()
    assert db_names() == make_plan(institutions=60, agreements=30).names()


def test_small_network_in_bulk_is_the_same_network():
    output = run(institutions=60, agreements=30, bulk=True)
    assert "(bulk)" in output
    assert db_names() == make_plan(institutions=60, agreements=30).names()
    assert_identifiers_valid()
    assert_rows_valid()
    assert Institution.objects.filter(search_text="").count() == 0
    # One creation per institution and agreement in the audit trail.
    assert ActivityLog.objects.filter(action="created").count() == 61 + 30


def test_the_plan_is_deterministic():
    first = make_plan()
    assert first.fingerprint() == make_plan().fingerprint()
    assert first.fingerprint() != make_plan(seed=7).fingerprint()
    # Names do not depend on the day the demo is loaded.
    assert make_plan(today=dt.date(2030, 2, 28)).names() == first.names()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The default network, built once and rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        output = run()
        yield output
        transaction.set_rollback(True)


def test_default_network_size(demo):
    assert "300 partner institutions" in demo
    partners = Institution.objects.filter(is_home=False)
    assert partners.count() == 300
    assert partners.values("country").distinct().count() >= 85
    assert Agreement.objects.count() == 150
    tags = set(Institution.tags.through.objects.values_list("tag__name", flat=True))
    assert {
        "Asia-Pacific",
        "Europe",
        "Africa",
        "Americas",
        "Middle East",
        "Belt and Road",
        "IFLA",
        "CALIS",
    } <= tags
    kinds = Counter(partners.values_list("kind", flat=True))
    assert set(kinds) == {"national_library", "university_library", "public_library", "research_library",
                          "consortium", "international_organisation", "vendor"}  # fmt: skip
    assert partners.filter(parent__isnull=False).exists()
    home = Institution.objects.get(is_home=True)
    assert (home.name, home.country, home.time_zone) == ("示例大学图书馆", "CN", "Asia/Shanghai")


def test_default_network_identifiers_and_rows_are_valid(demo):
    assert_identifiers_valid()
    assert_rows_valid()
    assert Identifier.objects.filter(
        scheme="isil", value="US-DLC", institution__name="Library of Congress"
    ).exists()


def test_every_type_in_every_status(demo):
    pairs = set(Agreement.objects.values_list("type", "status"))
    assert pairs == {(t, s) for t in AgreementType.values for s in AgreementStatus.values}
    assert AgreementVersion.objects.exists()  # some were amended


def test_reminders_fall_due(demo):
    today = dt.date.today()
    in_effect = Agreement.objects.filter(status=AgreementStatus.IN_EFFECT)
    for days in (10, 25, 60, 85):
        assert in_effect.filter(expiry_date=today + dt.timedelta(days=days)).exists()
    deadlines = [a.notice_deadline for a in in_effect if a.notice_deadline]
    assert any(today <= d <= today + dt.timedelta(days=30) for d in deadlines)


def test_names_in_many_scripts(demo):
    names = " ".join(Institution.objects.values_list("name", flat=True))
    scripts = {unicodedata.name(ch, "").split()[0] for ch in names if ch.isalpha()}
    assert {
        "CJK",
        "HANGUL",
        "CYRILLIC",
        "ARABIC",
        "HEBREW",
        "THAI",
        "GREEK",
        "DEVANAGARI",
    } <= scripts
    for name in ("国立国会図書館", "국립중앙도서관", "Российская государственная библиотека", "Deutsche Nationalbibliothek",
                 "Bibliothèque nationale de France", "הספרייה הלאומית של ישראל", "หอสมุดแห่งชาติ",
                 "Εθνική Βιβλιοθήκη της Ελλάδος"):  # fmt: skip
        assert Institution.objects.filter(name=name, kind="national_library").exists(), name


def test_same_names_as_a_second_generation(demo):
    assert db_names() == make_plan().names()


def test_every_institution_and_agreement_has_history(demo):
    logged = set(
        ActivityLog.objects.filter(content_type__model="institution").values_list(
            "object_id", flat=True
        )
    )
    assert {str(pk) for pk in Institution.objects.values_list("pk", flat=True)} <= logged
    logged = set(
        ActivityLog.objects.filter(content_type__model="agreement").values_list(
            "object_id", flat=True
        )
    )
    assert {str(pk) for pk in Agreement.objects.values_list("pk", flat=True)} <= logged


def test_second_run_creates_nothing(demo):
    counts = (
        Institution.objects.count(),
        Agreement.objects.count(),
        User.objects.count(),
        ActivityLog.objects.count(),
    )
    assert "already exists" in run()
    assert (Institution.objects.count(), Agreement.objects.count(), User.objects.count(),
            ActivityLog.objects.count()) == counts  # fmt: skip


def test_personas_sign_in(demo, client):
    for username, password, role, full_name, language in network.PERSONAS:
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert (str(user), user.language, user.time_zone) == (full_name, language, "Asia/Shanghai")
        assert client.login(username=username, password=password), username
        client.logout()
    assert User.objects.get(username="admin").is_superuser
