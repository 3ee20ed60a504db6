import datetime as dt

from django.test import override_settings

from bibliobridge.core import kept


def test_a_setting_kept_is_read_again_when_a_test_changes_it(settings):
    assert kept.setting("DEBUG") is settings.DEBUG is False
    with override_settings(DEBUG=True):
        assert kept.setting("DEBUG") is True
    assert kept.setting("DEBUG") is False


def test_now_is_django_s_now():
    before = dt.datetime.now(dt.UTC)
    now = kept.now()
    assert now.tzinfo is dt.UTC and before <= now <= dt.datetime.now(dt.UTC)
    with override_settings(USE_TZ=False):
        assert kept.now().tzinfo is None
    assert kept.now().tzinfo is dt.UTC
