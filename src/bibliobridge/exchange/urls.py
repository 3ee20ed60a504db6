from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.list_index, name="index"),
    path("terms/", views.terms_list, name="terms_list"),
    path("terms/new/", views.terms_new, name="terms_new"),
    path("terms/<int:partner_pk>/", views.terms_detail, name="terms_detail"),
    path("terms/<int:partner_pk>/edit/", views.terms_edit, name="terms_edit"),
    path("lists/new/", views.list_create, name="list_create"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/edit/", views.list_edit, name="list_edit"),
    path("lists/<int:pk>/items/add/", views.item_add, name="item_add"),
    path("lists/<int:pk>/import/", views.import_upload, name="import"),
    path("lists/<int:pk>/import/confirm/", views.import_confirm, name="import_confirm"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("matches/", views.matches, name="matches"),
    path("matches/find/", views.matches_find, name="matches_find"),
    path(
        "matches/<int:pk>/accept/", views.match_decide, {"decision": "accept"}, name="match_accept"
    ),
    path(
        "matches/<int:pk>/reject/", views.match_decide, {"decision": "reject"}, name="match_reject"
    ),
]
