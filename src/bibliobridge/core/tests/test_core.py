import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from bibliobridge.conftest import PASSWORD
from bibliobridge.core import vocab
from bibliobridge.core.enums import Role, choice_label
from bibliobridge.core.links import url_for_id
from bibliobridge.core.models import ActivityLog, ApiToken
from bibliobridge.core.roles import ROLE_PERMISSIONS
from bibliobridge.core.services import create_api_token, revoke_api_token, user_for_token
from bibliobridge.ill.models import IllMessage


@pytest.mark.django_db
def test_every_role_is_a_group_with_exactly_its_permissions():
    for role, codes in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert granted == set(codes), role
    assert Group.objects.get(name=Role.ADMINISTRATOR).permissions.count() > 50


@pytest.mark.django_db
def test_viewer_can_read_but_not_write(viewer, officer):
    assert viewer.has_perm("partners.view_institution") and not viewer.has_perm(
        "partners.add_institution"
    )
    assert officer.has_perm("agreements.transition_agreement")


@pytest.mark.django_db
def test_sign_in_with_the_form_and_sign_out(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # sign out is a POST (CSRF-protected)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_is_refused(client, officer):
    response = client.post(reverse("login"), {"username": "officer", "password": "nope"})
    assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated


@pytest.mark.django_db
def test_language_switch_is_remembered_in_cookie_and_profile(officer_client, officer):
    response = officer_client.post(
        reverse("set_language"), {"language": "zh-hans", "next": "/partners/"}
    )
    assert response.status_code == 302 and response["Location"] == "/partners/"
    assert response.cookies["django_language"].value == "zh-hans"
    officer.refresh_from_db()
    assert officer.language == "zh-hans"
    page = officer_client.get(reverse("home")).content.decode()
    assert '<html lang="zh-hans">' in page


@pytest.mark.django_db
def test_language_switch_ignores_unknown_languages_and_foreign_redirects(officer_client):
    response = officer_client.post(
        reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/" and "django_language" not in response.cookies


@pytest.mark.django_db
def test_chinese_is_the_default_language(client, settings, officer):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(officer)
    assert '<html lang="zh-hans">' in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_times_are_stored_in_utc_and_shown_in_the_users_zone(client, officer):
    token, _raw = create_api_token(officer, "zone test")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    )
    officer.time_zone = "America/New_York"
    officer.save()
    client.force_login(officer)
    assert "03/01/2026 7 a.m." in client.get(reverse("profile")).content.decode()
    officer.time_zone = "Asia/Tokyo"
    officer.save()
    assert "03/01/2026 9 p.m." in client.get(reverse("profile")).content.decode()
    assert timezone.get_current_timezone_name() == "Asia/Shanghai"  # nothing leaks past the request


@pytest.mark.django_db
def test_profile_saves_preferences_and_tokens(officer_client, officer):
    response = officer_client.post(
        reverse("profile"),
        {"save_preferences": "1", "language": "en", "time_zone": "Europe/Berlin"},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert (officer.language, officer.time_zone) == ("en", "Europe/Berlin")
    response = officer_client.post(
        reverse("profile"), {"create_token": "1", "name": "catalogue sync"}
    )
    raw = response.context["new_token"]
    assert raw.startswith("bb_") and user_for_token(raw) == officer
    token = ApiToken.objects.get()
    assert token.key_hash != raw  # only the hash is stored
    officer_client.post(reverse("revoke_token", args=[token.pk]))
    assert user_for_token(raw) is None


@pytest.mark.django_db
def test_profile_refuses_unknown_time_zone(officer_client):
    response = officer_client.post(
        reverse("profile"), {"save_preferences": "1", "language": "en", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200 and "time_zone" in response.context["prefs"].errors


@pytest.mark.django_db
def test_a_user_cannot_revoke_anothers_token(officer, viewer_client):
    token, _raw = create_api_token(officer, "mine")
    assert viewer_client.post(reverse("revoke_token", args=[token.pk])).status_code == 404
    revoke_api_token(token, officer)
    assert ActivityLog.objects.filter(action="token_revoked").count() == 1


def test_vocab_validates_and_names_codes_in_both_languages():
    assert vocab.normalise_country(" cn ") == "CN"
    assert vocab.normalise_language("RUS") == "rus"
    assert vocab.normalise_currency("jpy") == "JPY"
    assert vocab.normalise_time_zone("Asia/Seoul") == "Asia/Seoul"
    for bad, check in [
        ("ZZ", vocab.normalise_country),
        ("qqq1", vocab.normalise_language),
        ("ABC", vocab.normalise_currency),
        ("Asia/Gotham", vocab.normalise_time_zone),
    ]:
        with pytest.raises(ValidationError):
            check(bad)
    with translation.override("zh-hans"):
        assert vocab.country_name("JP") == "日本"
        assert vocab.language_name("ko") == "韩语"
    with translation.override("en"):
        assert vocab.country_name("JP") == "Japan"
        assert vocab.currency_name("CNY") == "Chinese Yuan"


def test_times_are_stored_in_utc():
    from django.conf import settings

    assert settings.USE_TZ is True
    shanghai = dt.datetime(2026, 1, 1, 8, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert shanghai.astimezone(dt.UTC).hour == 0


@pytest.mark.django_db
def test_error_pages_are_pages_not_tracebacks(viewer_client):
    response = viewer_client.get("/no-such-page/")
    assert response.status_code == 404 and "Not found" in response.content.decode()


def test_health_check(client):
    assert client.get("/healthz").content == b"ok"


def test_choice_labels_follow_the_language():
    with translation.override("en"):
        assert choice_label(Role, Role.VIEWER) == "Read-only viewer"
        assert choice_label(Role, "no_such_role") == "no_such_role"
    with translation.override("zh-hans"):
        assert choice_label(Role, Role.VIEWER) == str(Role.VIEWER.label)
        assert choice_label(Role, Role.VIEWER) != "Read-only viewer"


def test_date_format_filter_writes_dates_as_the_date_filter_does():
    shown = Template('{% load dates %}{{ day|date_format }}|{{ day|date:"DATE_FORMAT" }}')
    for language, expected in [("en", "March 4, 2027"), ("zh-hans", "2027年3月4日")]:
        with translation.override(language):
            assert shown.render(Context({"day": dt.date(2027, 3, 4)})) == f"{expected}|{expected}"
    assert Template("{% load dates %}{{ day|date_format }}").render(Context({"day": None})) == ""


def test_url_for_id_is_reverse_for_any_id():
    url = url_for_id("partners:detail")
    assert [url(7), url(1234)] == [reverse("partners:detail", args=[n]) for n in (7, 1234)]


@pytest.mark.django_db
def test_a_log_numbers_its_rows_as_written_without_autoincrement_on_sqlite():
    kind = ContentType.objects.get_for_model(ActivityLog)
    first, second = (
        ActivityLog.objects.create(action="updated", content_type=kind, object_id="1")
        for _ in range(2)
    )
    assert second.pk == first.pk + 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table'")
            tables = dict(cursor.fetchall())
        # The logs: no row of sqlite_sequence to keep on every insert.
        for model in (ActivityLog, IllMessage):
            assert "AUTOINCREMENT" not in tables[model._meta.db_table].upper()
        # Tables that delete rows keep a deleted row's number from being given again.
        assert "AUTOINCREMENT" in tables["core_user"].upper()
