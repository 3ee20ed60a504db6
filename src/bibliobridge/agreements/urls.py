from django.urls import path

from . import views

app_name = "agreements"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("calendar/", views.agreement_calendar, name="calendar"),
    path("new/", views.agreement_create, name="create"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("deadlines.ics", views.export_ical, name="export_ical"),
    path("<int:pk>/", views.agreement_detail, name="detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="edit"),
    path("<int:pk>/amend/", views.agreement_amend, name="amend"),
    path("<int:pk>/versions/<int:number>/", views.agreement_version, name="version"),
    path("<int:pk>/status/<slug:action>/", views.agreement_transition, name="transition"),
    path("<int:pk>/documents/new/", views.document_upload, name="upload"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="download"),
    path("<int:pk>/conditions/new/", views.condition_add, name="condition_add"),
    path(
        "<int:pk>/conditions/<int:condition_pk>/remove/",
        views.condition_remove,
        name="condition_remove",
    ),
    path("<int:pk>/parties/new/", views.party_add, name="party_add"),
    path("<int:pk>/parties/<int:party_pk>/", views.party_edit, name="party_edit"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party_remove"),
]
