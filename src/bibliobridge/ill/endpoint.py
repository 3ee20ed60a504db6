"""``/iso18626``: where partners' ISO 18626 servers post their messages to ours.

No session and no CSRF token: a partner proves itself with its secret (see
``receive._authenticate``). Every answer is an ISO 18626 confirmation, HTTP 200, as peers
expect; only a wrong method or an oversized body gets an HTTP error besides.

Served twice over, by the same view: through Django's URLs and middleware (the test
client, ``runserver``), and under the WSGI server by ``Handler``, which
``bibliobridge.wsgi`` puts in front of Django for POST /iso18626 alone.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import translation
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import iso18626 as proto
from .receive import Caller, receive

XML = "application/xml; charset=utf-8"
PATH = "/iso18626"
# Of the project's middleware, what a partner's POST needs: the host check, HTTPS
# redirect and security headers, Content-Length. The rest is for people's pages
# (sessions, CSRF, users, their language and zone, messages, framing).
PROTOCOL_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
)


@csrf_exempt
@require_POST
def iso18626(request: HttpRequest) -> HttpResponse:
    # Never more than the limit and a byte: a larger body is refused, its rest unread.
    body = request.read(proto.MAX_BYTES + 1)
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    answer = receive(body, Caller(request.META.get("REMOTE_ADDR", ""), bearer))
    status = 413 if len(body) > proto.MAX_BYTES else 200
    return HttpResponse(answer, content_type=XML, status=status)


urlpatterns = [path("", iso18626, name="iso18626")]


def _direct(request: HttpRequest) -> HttpResponse:
    # What LocaleMiddleware would choose for a request without Accept-Language or cookie;
    # set each time, since the thread's last page may have left another language active.
    translation.activate(settings.LANGUAGE_CODE)
    return iso18626(request)


class Handler(WSGIHandler):
    """Django's own WSGI handler (request_started and request_finished, so database
    connections are checked, reused and closed as for any request; an exception becomes
    Django's 500 and is logged), with the view in place of URL resolving and the protocol
    middleware in place of the whole stack: every request it is given is a POST to
    /iso18626. A message costs several times a page's CPU in the stack it does not use.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list = []
        self._template_response_middleware: list = []
        self._exception_middleware: list = []
        handler: Callable[[HttpRequest], Any] = convert_exception_to_response(_direct)
        for name in reversed(settings.MIDDLEWARE):
            if name in PROTOCOL_MIDDLEWARE:
                handler = convert_exception_to_response(import_string(name)(handler))
        self._middleware_chain = handler
