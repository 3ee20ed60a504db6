"""Every problem code an import run can store, as a sentence in the active language.

Codes come from the readers (``marc.problems``), the harvester (``harvest``) and the run
itself (below); they are stored as code + params so a report reads in each viewer's
language.
"""

from django.utils.translation import gettext_lazy as _

from . import harvest
from .imports import INTERNAL
from .marc import problems

RUN_MESSAGES = {
    INTERNAL: _(
        "The import stopped because of an error in Bibliobridge; it has been logged. "
        "Nothing was changed."
    ),
}


def problem_message(code: str, params: dict | None = None) -> str:
    for table in (problems.MESSAGES, harvest.MESSAGES, RUN_MESSAGES):
        if code in table:
            try:
                return str(table[code]) % (params or {})
            except (KeyError, TypeError, ValueError):
                return str(table[code])
    return code
