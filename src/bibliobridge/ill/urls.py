from django.urls import path

from . import views

app_name = "ill"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_create, name="create"),
    path("statistics/", views.statistics, name="statistics"),
    path("pull-slips.pdf", views.pull_slips_incoming, name="pull_slips"),
    path("<int:pk>/slip.pdf", views.pull_slip, name="pull_slip"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/act/<slug:event>/", views.request_act, name="act"),
    path("<int:pk>/copy/", views.copy_deliver, name="copy_deliver"),
    path("<int:pk>/rota/suggest/", views.rota_suggest, name="rota_suggest"),
    path("<int:pk>/rota/add/", views.rota_add, name="rota_add"),
    path("<int:pk>/rota/<int:entry_pk>/remove/", views.rota_remove, name="rota_remove"),
    path("<int:pk>/messages/<int:message_pk>/", views.message_body, name="message"),
]
