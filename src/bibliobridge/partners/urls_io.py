"""Import and export URLs, included by partners/urls.py inside the `partners` namespace."""

from django.urls import path

from . import views_io

urlpatterns = [
    path("import/", views_io.import_upload, name="import"),
    path("import/confirm/", views_io.import_confirm, name="import_confirm"),
    path("export/", views_io.export, name="export"),
    path("<int:pk>/entry.json", views_io.entry_json, name="entry_json"),
    path("entry/import/", views_io.entry_import, name="entry_import"),
    path("ror/import/", views_io.ror_import, name="ror_import"),
]
