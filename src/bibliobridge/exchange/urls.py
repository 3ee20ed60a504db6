from django.urls import path

from . import views, views_ledger, views_portal, views_rates, views_shipments

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
    path("ledger/", views_ledger.ledger_index, name="ledger_index"),
    path("ledger/<int:partner_pk>/", views_ledger.ledger_detail, name="ledger_detail"),
    path("report/", views_ledger.report_page, name="report"),
    path("handover/", views_ledger.handover, name="handover"),
    path("report/<slug:kind>/", views_ledger.report_file, name="report_file"),
    path("rates/", views_rates.rates, name="rates"),
    path("rates/add/", views_rates.rate_add, name="rate_add"),
    path("rates/<int:pk>/edit/", views_rates.rate_edit, name="rate_edit"),
    path("rates/<int:pk>/delete/", views_rates.rate_delete, name="rate_delete"),
    # Shipments, receipts, claims and letters (views_shipments).
    path("shipments/", views_shipments.shipment_list, name="shipment_list"),
    path("shipments/receive/", views_shipments.incoming_new, name="incoming_new"),
    path("terms/<int:partner_pk>/ship/", views_shipments.shipment_new, name="shipment_new"),
    path("shipments/<int:pk>/", views_shipments.shipment_detail, name="shipment_detail"),
    path("shipments/<int:pk>/edit/", views_shipments.shipment_edit, name="shipment_edit"),
    path("shipments/<int:pk>/check/", views_shipments.shipment_check, name="shipment_check"),
    path("shipments/<int:pk>/claim/", views_shipments.shipment_claim, name="shipment_claim"),
    path(
        "shipments/<int:pk>/<slug:action>/",
        views_shipments.shipment_move,
        name="shipment_move",
    ),
    path("shipments/<int:pk>/boxes/add/", views_shipments.box_add, name="box_add"),
    path("shipments/<int:pk>/items/add/", views_shipments.items_add, name="shipment_items_add"),
    path(
        "shipments/<int:pk>/items/from-list/",
        views_shipments.items_from_list,
        name="shipment_items_from_list",
    ),
    path("shipments/<int:pk>/packing-list.pdf", views_shipments.packing_list, name="packing_list"),
    path("shipments/<int:pk>/letter.pdf", views_shipments.cover_letter, name="cover_letter"),
    path(
        "shipments/<int:pk>/acknowledgement.pdf",
        views_shipments.acknowledgement_letter,
        name="acknowledgement_letter",
    ),
    path("boxes/<int:pk>/edit/", views_shipments.box_edit, name="box_edit"),
    path("boxes/<int:pk>/delete/", views_shipments.box_delete, name="box_delete"),
    path("lines/<int:pk>/edit/", views_shipments.line_edit, name="line_edit"),
    path("lines/<int:pk>/remove/", views_shipments.line_remove, name="line_remove"),
    path("claims/", views_shipments.claim_list, name="claim_list"),
    path("claims/new/", views_shipments.claim_new, name="claim_new"),
    path("claims/<int:pk>/", views_shipments.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", views_shipments.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/letter.pdf", views_shipments.claim_letter, name="claim_letter"),
    path("claims/<int:pk>/<slug:action>/", views_shipments.claim_move, name="claim_move"),
    path("letters/", views_shipments.letter_list, name="letter_list"),
    path("letters/new/", views_shipments.letter_new, name="letter_new"),
    path("letters/<slug:kind>/<slug:language>/", views_shipments.letter_edit, name="letter_edit"),
    path(
        "letters/<slug:kind>/<slug:language>/reset/",
        views_shipments.letter_reset,
        name="letter_reset",
    ),
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
    path("matches/", views.matches, name="matches"),
    path("matches/find/", views.matches_find, name="matches_find"),
    path(
        "matches/<int:pk>/accept/", views.match_decide, {"decision": "accept"}, name="match_accept"
    ),
    path(
        "matches/<int:pk>/reject/", views.match_decide, {"decision": "reject"}, name="match_reject"
    ),
]
