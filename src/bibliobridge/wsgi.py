import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bibliobridge.settings")
django_application = get_wsgi_application()

from bibliobridge.ill import endpoint  # noqa: E402 (the apps are loaded above)

iso18626 = endpoint.Handler()


def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    """Django, except that partners' ISO 18626 messages go straight to their view
    (``ill.endpoint.Handler``): the busiest path, and one that needs no page middleware."""
    if environ.get("PATH_INFO") == endpoint.PATH and environ.get("REQUEST_METHOD") == "POST":
        return iso18626(environ, start_response)
    return django_application(environ, start_response)
