"""Settings read on every ISO 18626 message, kept by the process.

Each read of ``settings.NAME`` goes through ``LazySettings.__getattribute__``, which
raises and catches an AttributeError inside (some 1 µs): the hot path read DEBUG and
USE_TZ eight times a message. Settings do not change while a process runs, except when a
test changes them, which Django announces (``setting_changed``): the value kept is then
forgotten, and read again when next asked for.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

_kept: dict[str, Any] = {}
_NOT_KEPT = object()


def setting(name: str) -> Any:
    """``getattr(settings, name)``, kept."""
    value = _kept.get(name, _NOT_KEPT)
    if value is _NOT_KEPT:
        value = _kept[name] = getattr(settings, name)
    return value


def now() -> dt.datetime:
    """``django.utils.timezone.now()``: the time, in UTC when USE_TZ (as always here)."""
    return dt.datetime.now(dt.UTC) if setting("USE_TZ") else dt.datetime.now()


def _forget(*, setting: str, **kwargs: Any) -> None:
    _kept.pop(setting, None)


setting_changed.connect(_forget, dispatch_uid="bibliobridge.core.kept")
