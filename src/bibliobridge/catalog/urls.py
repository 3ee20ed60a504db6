from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_upload, name="upload"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/split/", views.record_split, name="split"),
    path("records/<int:pk>/merge/", views.record_merge, name="merge"),
    path("records/<int:pk>.<slug:syntax>", views.record_export, name="record_export"),
    path("clusters/<int:pk>/", views.cluster_detail, name="cluster"),
    path("clusters/<int:pk>.<slug:syntax>", views.cluster_export, name="cluster_export"),
    path("holders/<int:pk>.<slug:syntax>", views.holder_export, name="holder_export"),
    path("export.<slug:syntax>", views.search_export, name="search_export"),
]
