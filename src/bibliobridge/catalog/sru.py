"""SRU 2.0 server at ``/sru`` (work in progress)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def endpoint(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=503)


# Mounted at /sru by the project's urls.py: path("sru", include("bibliobridge.catalog.sru")).
urlpatterns = [path("", endpoint, name="sru")]
