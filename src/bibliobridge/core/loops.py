"""Django's database methods that refuse to run while an event loop runs in the thread
(``django.utils.asyncio.async_unsafe``), with that check made without an exception.

Django checks by calling ``asyncio.get_running_loop()``, which raises a RuntimeError when
no loop runs, the usual case in a WSGI worker: every connection check, cursor, commit and
rollback raised and caught one (some twenty on each ISO 18626 message). ``checked`` asks
``asyncio._get_running_loop()`` instead, which returns None; with a loop running it calls
Django's method, which refuses as before (unless DJANGO_ALLOW_ASYNC_UNSAFE is set).
"""

import asyncio
import functools
from collections.abc import Callable
from typing import Any


def checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` (decorated with async_unsafe) checked for a loop without an exception."""
    unchecked = getattr(method, "__wrapped__", None)
    if unchecked is None:  # not decorated (another Django): nothing to spare
        return method

    @functools.wraps(unchecked)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if asyncio._get_running_loop() is None:
            return unchecked(self, *args, **kwargs)
        return method(self, *args, **kwargs)

    return call
