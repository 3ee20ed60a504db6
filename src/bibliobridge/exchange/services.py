"""Every write to publication exchange. Each takes the acting user and is audited.

Items are parts of their list: adding, changing or removing one is logged on the list, so
the list's page shows one history (as an institution's parts are in the directory).
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from bibliobridge.catalog.queries import who_holds
from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import changes_between, log_activity, snapshot, update_fields
from bibliobridge.partners.models import Institution

from .enums import ItemStatus
from .identifiers import normalise_isbn
from .models import ExchangeList, ExchangeTerms, ListItem

TERMS_FIELDS = (
    "agreement", "kind", "currency", "quota_sent", "quota_received", "tolerance_items",
    "tolerance_value", "postage_paid_by",
    "contact", "language", "notes",
)  # fmt: skip
LIST_FIELDS = ("partner", "kind", "name", "notes")
ITEM_FIELDS = (
    "title", "author", "publisher", "place", "year", "edition", "isbn", "issn", "language",
    "quantity", "price", "currency", "note", "status",
)  # fmt: skip


# ---------------------------------------------------------------- terms


@transaction.atomic
def save_terms(actor: User, partner: Institution, values: dict[str, Any]) -> ExchangeTerms:
    """Create the partner's terms or change them. Raises ValidationError by field."""
    fields = {k: v for k, v in values.items() if k in TERMS_FIELDS}
    terms = ExchangeTerms.objects.select_for_update().filter(partner=partner).first()
    if terms is not None:
        update_fields(terms, actor, fields)
        return terms
    terms = ExchangeTerms(partner=partner, **fields)
    terms.full_clean()
    terms.save()
    log_activity(actor, Action.CREATED, terms, snapshot(terms, [*fields, "partner"]))
    return terms


# ---------------------------------------------------------------- lists


@transaction.atomic
def create_list(actor: User, values: dict[str, Any]) -> ExchangeList:
    exchange_list = ExchangeList(**{k: v for k, v in values.items() if k in LIST_FIELDS})
    exchange_list.full_clean()
    exchange_list.save()
    log_activity(actor, Action.CREATED, exchange_list, snapshot(exchange_list, LIST_FIELDS))
    return exchange_list


@transaction.atomic
def update_list(actor: User, exchange_list: ExchangeList, values: dict[str, Any]) -> dict:
    # The kind decides whether items carry a status; it is fixed once there are items.
    fields = {k: v for k, v in values.items() if k in LIST_FIELDS and k != "kind"}
    return update_fields(exchange_list, actor, fields)


# ---------------------------------------------------------------- items


def linked_cluster_id(isbn: str, isbn_valid: bool, issn: str) -> int | None:
    """The union-catalogue cluster carrying the item's ISBN (else ISSN), if any.

    An identifier match is certain; a title alone is left to matching, which weighs it.
    """
    if isbn and isbn_valid:
        held = who_holds(isbn=isbn)
    elif issn:
        held = who_holds(issn=issn)
    else:
        return None
    return held[0].cluster.pk if held else None


def _prepared(exchange_list: ExchangeList, values: dict[str, Any]) -> dict[str, Any]:
    """The item's fields with its ISBN in normal form and the status its list needs."""
    fields = {k: v for k, v in values.items() if k in ITEM_FIELDS}
    if "isbn" in fields:
        fields["isbn"], fields["isbn_valid"] = normalise_isbn(fields["isbn"])
    if exchange_list.is_offer:
        fields["status"] = fields.get("status") or ItemStatus.AVAILABLE
    else:
        fields["status"] = ""
    return fields


@transaction.atomic
def add_item(actor: User, exchange_list: ExchangeList, values: dict[str, Any]) -> ListItem:
    """A new item on the list, linked to the catalogue. Raises ValidationError by field."""
    item = ListItem(exchange_list=exchange_list, **_prepared(exchange_list, values))
    item.full_clean()
    item.cluster_id = linked_cluster_id(item.isbn, item.isbn_valid, item.issn)
    item.save()
    log_activity(
        actor, Action.UPDATED, exchange_list, {str(ListItem._meta.verbose_name): [None, str(item)]}
    )
    return item


@transaction.atomic
def update_item(actor: User, item: ListItem, values: dict[str, Any]) -> dict:
    item = ListItem.objects.select_for_update().select_related("exchange_list").get(pk=item.pk)
    before = snapshot(item)
    for name, value in _prepared(item.exchange_list, values).items():
        setattr(item, name, value)
    item.full_clean()
    if (item.isbn, item.isbn_valid, item.issn) != (
        before["isbn"],
        before["isbn_valid"],
        before["issn"],
    ):
        item.cluster_id = linked_cluster_id(item.isbn, item.isbn_valid, item.issn)
    changes = changes_between(before, snapshot(item))
    if changes:
        item.save(update_fields=[*changes, "updated_at"])
        label = str(ListItem._meta.verbose_name)
        log_activity(
            actor,
            Action.UPDATED,
            item.exchange_list,
            {f"{label} {item.pk}.{k}": v for k, v in changes.items()},
        )
    return changes


@transaction.atomic
def delete_item(actor: User, item: ListItem) -> None:
    log_activity(
        actor,
        Action.UPDATED,
        item.exchange_list,
        {str(ListItem._meta.verbose_name): [str(item), None]},
    )
    item.delete()


@transaction.atomic
def import_items(
    actor: User, exchange_list: ExchangeList, rows: Iterable[dict[str, Any]], file_name: str
) -> list[ListItem]:
    """Checked rows (exchange.imports) onto the list in one transaction, each linked to the
    catalogue; one history entry for the file rather than one per row."""
    links: dict[tuple[str, bool, str], int | None] = {}
    items = []
    for values in rows:
        item = ListItem(exchange_list=exchange_list, **_prepared(exchange_list, values))
        key = (item.isbn, item.isbn_valid, item.issn)
        if key not in links:
            links[key] = linked_cluster_id(*key)
        item.cluster_id = links[key]
        items.append(item)
    ListItem.objects.bulk_create(items, batch_size=500)
    exchange_list.save(update_fields=["updated_at"])  # the lists page shows it as changed
    log_activity(
        actor,
        Action.IMPORTED,
        exchange_list,
        {"file": file_name, "items": len(items)},
    )
    return items
