"""{{ value|date_format }}: what {{ value|date:"DATE_FORMAT" }} shows, at a fraction of its cost.

Django formats a date anew at each call (~25 µs: a format object, the format string
parsed letter by letter); a list page shows a hundred dates, many of them alike. Each date
is formatted once per language here.
"""

import datetime as dt
import functools

from django import template
from django.utils import formats, translation

register = template.Library()


@register.filter(expects_localtime=True)
def date_format(value: dt.date | None) -> str:
    if value in (None, ""):
        return ""
    return _formatted(value, translation.get_language())


@functools.lru_cache(maxsize=4096)
def _formatted(value: dt.date, language: str | None) -> str:
    # language is part of the cache key only: it is the active one while this runs.
    return formats.date_format(value, "DATE_FORMAT")
