import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bibliobridge.settings")
django_application = get_wsgi_application()

from bibliobridge.ill import endpoint  # noqa: E402 (the apps are loaded above)

iso18626 = endpoint.Handler(django_application)

# What a request's environ says of the request itself, whatever the process's environment.
REQUEST_KEYS = frozenset(
    "REQUEST_METHOD SCRIPT_NAME PATH_INFO QUERY_STRING CONTENT_TYPE CONTENT_LENGTH "
    "SERVER_NAME SERVER_PORT SERVER_PROTOCOL REMOTE_ADDR REMOTE_PORT HTTPS".split()
)
# The process's environment, which some servers (granian, as CGI did) copy into every
# request's environ: its secrets (SECRET_KEY, DATABASE_URL) would be in request.META, and
# so in error reports, and an HTTP_PROXY of the process would pass for a request header.
PROCESS_ENV = tuple((k, v) for k, v in os.environ.items() if k not in REQUEST_KEYS)


def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    """Django, except that partners' ISO 18626 messages go straight to their view
    (``ill.endpoint.Handler``): the busiest path, and one that needs no page middleware."""
    without_process_env(environ)
    if environ.get("PATH_INFO") == endpoint.PATH and environ.get("REQUEST_METHOD") == "POST":
        return iso18626(environ, start_response)
    return django_application(environ, start_response)


def without_process_env(environ: dict[str, Any]) -> None:
    """Take out of ``environ`` what the server copied into it from the process's environment."""
    get = environ.get
    for key, value in PROCESS_ENV:
        if get(key) == value:
            del environ[key]
