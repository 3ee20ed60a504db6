"""``/iso18626``: where partners' ISO 18626 servers post their messages to ours.

No session and no CSRF token: a partner proves itself with its secret (see
``receive._authenticate``). Every answer is an ISO 18626 confirmation, HTTP 200, as peers
expect; only a wrong method or an oversized body gets an HTTP error besides.

Served twice over, with the same answer (``answer``): through Django's URLs and
middleware by the view (the test client, ``runserver``), and under the WSGI server by
``Handler``, which ``bibliobridge.wsgi`` puts in front of Django for POST /iso18626 alone.
"""

import logging
import weakref
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.cache import close_caches
from django.core.exceptions import DisallowedHost
from django.core.handlers.base import reset_urlconf
from django.core.handlers.wsgi import get_script_name
from django.db import close_old_connections, connections, reset_queries
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.urls import path, set_script_prefix
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bibliobridge.core import sql

from . import iso18626 as proto
from .receive import Caller, receive

XML = "application/xml; charset=utf-8"
PATH = "/iso18626"
logger = logging.getLogger("django.request")


def answer(body: bytes, authorization: str, address: str) -> tuple[int, bytes]:
    """The HTTP status and confirmation for a message posted (``body``: at most the limit
    and a byte, read from the request)."""
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    confirmation = receive(body, Caller(address, bearer))
    return (413 if len(body) > proto.MAX_BYTES else 200), confirmation


@csrf_exempt
@require_POST
def iso18626(request: HttpRequest) -> HttpResponse:
    # Never more than the limit and a byte: a larger body is refused, its rest unread.
    body = request.read(proto.MAX_BYTES + 1)
    meta = request.META
    status, confirmation = answer(
        body, meta.get("HTTP_AUTHORIZATION", ""), meta.get("REMOTE_ADDR", "")
    )
    return HttpResponse(confirmation, content_type=XML, status=status)


urlpatterns = [path("", iso18626, name="iso18626")]

# Settings under which a response or a request needs more than Handler does: then every
# request goes through Django's whole stack.
_NEEDS_DJANGO = (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "PREPEND_WWW", "DISALLOWED_USER_AGENTS",
    "USE_X_FORWARDED_HOST", "DEBUG",
)  # fmt: skip
# Django's own receivers of the request signals. For a POST that uses only the database
# their work comes down to checking its connections (close_old_connections): the queries
# they clear are logged only under DEBUG, the URLconf they reset is never set here, and
# the caches they close hold nothing open with these backends.
_DJANGOS_RECEIVERS = {reset_queries, close_old_connections, close_caches, reset_urlconf}
_CACHES_WITHOUT_CLOSE = {
    "django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache",
}  # fmt: skip
STATUS_TEXT = {code: f"{code} {HTTPStatus(code).phrase}" for code in (200, 413, 500)}
HOSTS_KEPT = 100


class Handler:
    """POST /iso18626 under the WSGI server, without Django's request and response objects
    or its middleware, whose work cost an eighth of a message's CPU in one process and more
    under the server (docs/benchmarks.md). What of Django's cycle a partner's POST needs
    is kept, with Django's own parts: the database connections checked before and after,
    reused and closed as for any request (by the request signals when anything besides
    Django's own receivers listens to them, else directly: ``_other_receivers``; their
    receivers cost some 7 % of a message's CPU), the host checked against
    ALLOWED_HOSTS, the headers SecurityMiddleware puts on every response (taken from it),
    the default language active, and an exception logged as Django logs one and answered
    500. A host refused, or settings that ask for more (``_NEEDS_DJANGO``), and the request
    goes to ``django``, Django's whole stack.
    """

    def __init__(self, django: Callable[[dict[str, Any], Callable], Iterable[bytes]]) -> None:
        self.django = django
        self.direct = not any(getattr(settings, name) for name in _NEEDS_DJANGO)
        self.headers = _security_headers()
        self.hosts: dict[tuple[str, str, str], bool] = {}  # (host, name, port): allowed
        self.signals: bool | None = None  # whether to send them: decided at the first POST

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if not self.direct or not self._host_allowed(environ):
            return self.django(environ, start_response)
        set_script_prefix(get_script_name(environ))
        if self.signals is None:  # after every app's ready(), where receivers connect
            self.signals = _other_receivers()
        if self.signals:
            signals.request_started.send(sender=Handler, environ=environ)
        else:
            _check_connections()
        content_type = XML
        try:
            translation.activate(settings.LANGUAGE_CODE)  # the thread's last page may differ
            body = _body(environ)
            authorization = environ.get("HTTP_AUTHORIZATION", "")
            status, content = answer(body, authorization, environ.get("REMOTE_ADDR", ""))
        except Exception:
            signals.got_request_exception.send(sender=Handler, request=None)
            logger.error(
                "Internal Server Error: %s", PATH, exc_info=True, extra={"status_code": 500}
            )
            status, content, content_type = 500, b"Server Error (500)", "text/plain"
        finally:
            if self.signals:
                signals.request_finished.send(sender=Handler)
            else:
                _check_connections()
        headers = [("Content-Type", content_type), ("Content-Length", str(len(content))),
                   *self.headers]  # fmt: skip
        start_response(STATUS_TEXT[status], headers)
        return [content]

    def _host_allowed(self, environ: dict[str, Any]) -> bool:
        """Whether Django would take the request's host (``HttpRequest.get_host``), kept
        for the few hosts partners use."""
        key = (environ.get("HTTP_HOST", ""), environ.get("SERVER_NAME", ""),
               str(environ.get("SERVER_PORT", "")))  # fmt: skip
        allowed = self.hosts.get(key)
        if allowed is None:
            request = HttpRequest()
            request.META = environ
            try:
                request.get_host()
                allowed = True
            except DisallowedHost:
                allowed = False  # Django's stack answers it, 400, and logs it
            if len(self.hosts) >= HOSTS_KEPT:
                self.hosts.clear()
            self.hosts[key] = allowed
        return allowed


def _check_connections() -> None:
    """What close_old_connections does, before and after a request: each database
    connection closed if it broke or outlived CONN_MAX_AGE, and made again when next used."""
    for alias in connections:  # the configured aliases, read once (settings.DATABASES)
        sql.connection_of_thread(alias).close_if_unusable_or_obsolete()


def _other_receivers() -> bool:
    """Whether the request signals must be sent: something other than Django's own
    receivers listens, or a cache needs closing after each request."""
    found = {
        ref() if isinstance(ref, weakref.ReferenceType) else ref
        for signal in (signals.request_started, signals.request_finished)
        for ref in _references(signal)
    }
    backends = {options.get("BACKEND", "") for options in settings.CACHES.values()}
    return not found <= _DJANGOS_RECEIVERS or not backends <= _CACHES_WITHOUT_CLOSE


def _references(signal: Signal) -> list[object]:
    # Each entry of Signal.receivers is (lookup key, receiver or its weak reference, ...).
    return [entry[1] for entry in signal.receivers]


def _body(environ: dict[str, Any]) -> bytes:
    """The request's body, as Django reads it (CONTENT_LENGTH bytes), never more than the
    limit and a byte: a larger body is refused, its rest unread."""
    try:
        length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(min(length, proto.MAX_BYTES + 1)) if length else b""


def _security_headers() -> list[tuple[str, str]]:
    """The headers SecurityMiddleware adds to a response over plain HTTP, as it adds them."""
    response = HttpResponse()
    SecurityMiddleware(lambda request: response).process_response(HttpRequest(), response)
    return [(name, value) for name, value in response.items() if name != "Content-Type"]
