"""``/iso18626``: where partners' ISO 18626 servers post their messages to ours.

No session and no CSRF token: a partner proves itself with its secret (see
``receive._authenticate``). Every answer is an ISO 18626 confirmation, HTTP 200, as peers
expect; only a wrong method or an oversized body gets an HTTP error besides.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import iso18626 as proto
from .receive import Caller, receive

XML = "application/xml; charset=utf-8"


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
