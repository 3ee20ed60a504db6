import asyncio

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection

from bibliobridge.core import loops


def test_without_a_loop_the_method_runs_and_raises_nothing_to_check(monkeypatch):
    calls = []

    def method(self, value):
        calls.append(value)
        return value * 2

    def refusing(self, value):
        raise AssertionError("the check ran")

    refusing.__wrapped__ = method  # as functools.wraps leaves it on an async_unsafe method
    checked = loops.checked(refusing)
    assert checked(object(), 21) == 42 and calls == [21]


def test_a_method_not_decorated_is_left_as_it_is():
    def plain(self):
        return 1

    assert loops.checked(plain) is plain


@pytest.mark.django_db
def test_with_a_loop_running_django_still_refuses(monkeypatch):
    # The tests allow it (DJANGO_ALLOW_ASYNC_UNSAFE, for Playwright's loop); production does not.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)

    async def in_a_loop() -> None:
        with pytest.raises(SynchronousOnlyOperation):
            connection.ensure_connection()
        with pytest.raises(SynchronousOnlyOperation):
            connection.cursor()

    asyncio.run(in_a_loop())
    with connection.cursor() as cursor:  # and without one, it runs
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
