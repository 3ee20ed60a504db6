from django.urls import path

from . import views, views_portal

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
    path("terms/<int:partner_pk>/portal/", views.portal_links, name="portal_links"),
    path("portal-links/<int:pk>/revoke/", views.portal_link_revoke, name="portal_link_revoke"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("order-lines/<int:pk>/release/", views.line_release, name="line_release"),
]

# The partner portal: no account; the token in the address is the credential.
urlpatterns += [
    path("portal/<str:token>/", views_portal.browse, name="portal"),
    path("portal/<str:token>/cart/", views_portal.cart, name="portal_cart"),
    path("portal/<str:token>/cart/add/", views_portal.cart_add, name="portal_add"),
    path("portal/<str:token>/cart/remove/", views_portal.cart_remove, name="portal_remove"),
    path("portal/<str:token>/cart/submit/", views_portal.cart_submit, name="portal_submit"),
    path("portal/<str:token>/orders/", views_portal.orders, name="portal_orders"),
    path("portal/<str:token>/orders/<int:pk>/", views_portal.order, name="portal_order"),
]
