"""Roles are Django groups; this table says which permissions each one holds.

`sync_roles` runs after every migrate, so a new permission reaches its roles without a
hand-written migration.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .enums import Role

VIEW = [
    "partners.view_institution",
    "agreements.view_agreement",
    "catalog.view_record",
    "catalog.view_cluster",
    "catalog.view_importrun",
    "ill.view_illrequest",
    "exchange.view_exchangeterms",
    "exchange.view_exchangelist",
    "core.view_currencyrate",
    "exchange.view_shipment",
    "exchange.view_claim",
    "exchange.view_lettertemplate",
    "exchange.view_portallink",
    "exchange.view_portalorder",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.COOPERATION_OFFICER: [
        *VIEW,
        "core.view_activitylog",
        "partners.add_institution",
        "partners.change_institution",
        "partners.delete_institution",
        "partners.change_illpolicy",
        "partners.change_contact",
        "partners.import_institutions",
        "partners.export_institutions",
        "agreements.add_agreement",
        "agreements.change_agreement",
        "agreements.transition_agreement",
        "agreements.add_agreementdocument",
        "agreements.export_agreements",
        "catalog.import_records",
        "catalog.change_cluster",
        "ill.add_illrequest",
        "ill.transition_illrequest",
    ],
    Role.ILL_STAFF: [
        *VIEW,
        "ill.add_illrequest",
        "ill.transition_illrequest",
        "catalog.import_records",
        "catalog.change_cluster",
        "partners.change_illpolicy",
        "partners.export_institutions",
    ],
    Role.EXCHANGE_STAFF: [
        *VIEW,
        "exchange.add_exchangeterms",
        "exchange.change_exchangeterms",
        "exchange.add_exchangelist",
        "exchange.change_exchangelist",
        "exchange.import_list_items",
        "core.add_currencyrate",
        "core.change_currencyrate",
        "core.delete_currencyrate",
        "exchange.add_shipment",
        "exchange.change_shipment",
        "exchange.add_claim",
        "exchange.change_claim",
        "exchange.add_lettertemplate",
        "exchange.change_lettertemplate",
        "exchange.delete_lettertemplate",
        "exchange.add_portallink",
        "exchange.change_portallink",
        "exchange.change_portalorder",
        "exchange.decide_matches",
        "catalog.import_records",
        "partners.change_contact",
        "partners.export_institutions",
    ],
    Role.VIEWER: [*VIEW],
}


def permissions_for(codes: list[str]) -> list[Permission]:
    query = Q()
    for code in codes:
        app_label, codename = code.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def sync_roles() -> None:
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMINISTRATOR:
            group.permissions.set(Permission.objects.all())
        else:
            group.permissions.set(permissions_for(ROLE_PERMISSIONS[role]))


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    from django.apps import apps

    # post_migrate is sent once per app with models; all permissions exist after the last.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        sync_roles()
