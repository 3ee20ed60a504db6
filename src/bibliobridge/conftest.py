"""Personas and shared fixtures, as in healthchecks' alice/bob/charlie.

Each persona is a user in one role; `outsider` is signed in but has no role at all.
"""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client

from bibliobridge.core.enums import Role
from bibliobridge.core.models import User
from bibliobridge.ill.receive import forget_agencies

PASSWORD = "correct horse battery staple"


def make_user(username: str, role: Role | None, **extra) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", **extra
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CATALOG_IMPORT_DIR = tmp_path / "imports"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # What the process caches (our own agency ids, the partners' standing for the rota,
    # rendered filter forms) belongs to the data of the test that put it there.
    cache.clear()
    forget_agencies()


@pytest.fixture
def admin_user(db) -> User:
    return make_user("admin", Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def officer(db) -> User:
    return make_user("officer", Role.COOPERATION_OFFICER, first_name="Li", last_name="Wei")


@pytest.fixture
def ill_staff(db) -> User:
    return make_user("ill", Role.ILL_STAFF)


@pytest.fixture
def exchange_staff(db) -> User:
    return make_user("exchange", Role.EXCHANGE_STAFF)


@pytest.fixture
def viewer(db) -> User:
    return make_user("viewer", Role.VIEWER)


@pytest.fixture
def outsider(db) -> User:
    return make_user("outsider", None)


def client_for(user: User) -> Client:
    """A test client of its own, signed in as user (personas never share a session)."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer_client(officer) -> Client:
    return client_for(officer)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return client_for(outsider)


@pytest.fixture
def ill_client(ill_staff) -> Client:
    return client_for(ill_staff)


@pytest.fixture
def exchange_client(exchange_staff) -> Client:
    return client_for(exchange_staff)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return client_for(admin_user)
