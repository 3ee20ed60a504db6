import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection

from bibliobridge.core import loops


def test_without_a_loop_the_method_runs_without_the_check():
    calls = []

    def method(self, value):
        calls.append(value)
        return value * 2

    def refusing(self, value):
        raise AssertionError("the check ran")

    refusing.__wrapped__ = method  # as functools.wraps leaves it on an async_unsafe method
    checked = loops.checked(refusing)
    assert in_a_new_thread(lambda: checked(object(), 21)) == 42 and calls == [21]


def in_a_new_thread(call: Callable[[], Any]) -> Any:
    """The call's result, from a thread of its own: no event loop runs there (Playwright's
    sync API leaves one running in the tests' own thread)."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()))
    thread.start()
    thread.join()
    return result[0]


def test_a_method_not_decorated_is_left_as_it_is():
    def plain(self):
        return 1

    assert loops.checked(plain) is plain


@pytest.mark.django_db(transaction=True)
def test_with_a_loop_running_django_still_refuses(monkeypatch):
    # The tests allow it (DJANGO_ALLOW_ASYNC_UNSAFE, for Playwright's loop); production does not.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)

    async def in_a_loop() -> None:
        with pytest.raises(SynchronousOnlyOperation):
            connection.ensure_connection()
        with pytest.raises(SynchronousOnlyOperation):
            connection.cursor()

    in_a_new_thread(lambda: asyncio.run(in_a_loop()))
