from django.urls import include, path

from bibliobridge.api.api import api
from bibliobridge.core import views as core_views
from bibliobridge.ill import views as ill_views
from bibliobridge.ill import views_reader as ill_reader
from bibliobridge.reports import views as report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("accounts/", include("bibliobridge.core.urls")),
    path("partners/", include("bibliobridge.partners.urls")),
    path("agreements/", include("bibliobridge.agreements.urls")),
    path("catalogue/", include("bibliobridge.catalog.urls")),
    path("ill/copy/<str:token>/", ill_views.copy_download, name="ill_copy"),
    path("ill/ask/", ill_reader.ask, name="ill_reader_ask"),
    path("ill/mine/<str:token>/", ill_reader.status, name="ill_reader_status"),
    path("ill/", include("bibliobridge.ill.urls")),
    path("exchange/", include("bibliobridge.exchange.urls")),
    path("openurl", ill_views.openurl_intake, name="openurl"),
    path("api/v1/", api.urls),
    path("oai", include("bibliobridge.catalog.oai")),
    path("sru", include("bibliobridge.catalog.sru")),
    path("iso18626", include("bibliobridge.ill.endpoint")),
    path("healthz", core_views.healthz, name="healthz"),
]

handler403 = "bibliobridge.core.views.permission_denied"
handler404 = "bibliobridge.core.views.page_not_found"
