from django.urls import path

from . import urls_io, views

app_name = "partners"
urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("map/", views.partner_map, name="map"),
    path("map/data.json", views.map_data, name="map_data"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/edit/", views.institution_edit, name="edit"),
    path("<int:pk>/delete/", views.institution_delete, name="delete"),
    path("<int:pk>/identifiers/add/", views.identifier_add, name="identifier_add"),
    path(
        "<int:pk>/identifiers/<int:identifier_id>/remove/",
        views.identifier_remove,
        name="identifier_remove",
    ),
    path("<int:pk>/names/add/", views.name_add, name="name_add"),
    path("<int:pk>/names/<int:name_id>/remove/", views.name_remove, name="name_remove"),
    path("<int:pk>/ill-policy/", views.ill_policy_edit, name="ill_policy"),
    path("<int:pk>/<str:part>/add/", views.part_edit, name="part_add"),
    path("<int:pk>/<str:part>/<int:part_id>/", views.part_edit, name="part_edit"),
    path("<int:pk>/<str:part>/<int:part_id>/delete/", views.part_delete, name="part_delete"),
]

urlpatterns += urls_io.urlpatterns
