"""Reusable reads of publication exchange, preloaded for the pages that list them."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from bibliobridge.partners.models import Institution
from bibliobridge.partners.search import fold

from .enums import ItemStatus, ListKind, ShipmentStatus
from .models import ExchangeList, ExchangeTerms, ListItem


def listed_terms() -> QuerySet[ExchangeTerms]:
    """Every partner's terms with the partner, agreement and contact the list shows."""
    return ExchangeTerms.objects.select_related("partner", "agreement", "contact").order_by(
        "partner__name_en", "partner__name"
    )


def terms_detail(partner_pk: int) -> ExchangeTerms:
    """A partner's terms. Raises ExchangeTerms.DoesNotExist."""
    return listed_terms().get(partner_id=partner_pk)


def filtered_lists(kind: str = "", q: str = "") -> QuerySet[ExchangeList]:
    """Lists with their partner and item count, filtered by kind and by name or partner."""
    lists = (
        ExchangeList.objects.select_related("partner")
        .annotate(item_count=Count("items"))
        .order_by("-updated_at", "-id")
    )
    if kind:
        lists = lists.filter(kind=kind)
    if q.strip():
        lists = lists.filter(
            Q(name__icontains=q.strip()) | Q(partner__search_text__contains=fold(q))
        )
    return lists


def list_detail(pk: int) -> ExchangeList:
    """One list with its partner. Raises ExchangeList.DoesNotExist."""
    return ExchangeList.objects.select_related("partner").get(pk=pk)


def list_items(exchange_list: ExchangeList) -> QuerySet[ListItem]:
    # The cluster's title is all the page shows of it.
    return exchange_list.items.select_related("cluster").only(
        *(f.name for f in ListItem._meta.concrete_fields), "cluster__title"
    )


def item_counts(exchange_list: ExchangeList) -> dict[str, Any]:
    """How many items the list has, how many are linked to the catalogue, how many ISBNs
    are flagged."""
    return exchange_list.items.aggregate(
        total=Count("id"),
        linked=Count("id", filter=Q(cluster__isnull=False)),
        flagged=Count("id", filter=Q(isbn_valid=False)),
    )


# ---------------------------------------------------------------- shipments


def reserved_for_shipment(partner: Institution) -> QuerySet[ListItem]:
    """Our offered items reserved for partner that no prepared shipment holds yet."""
    return (
        ListItem.objects.filter(
            exchange_list__partner__isnull=True,
            exchange_list__kind=ListKind.OFFER,
            status=ItemStatus.RESERVED,
            reserved_for=partner,
        )
        .exclude(shipment_items__shipment__status=ShipmentStatus.PREPARED)
        .order_by("id")
    )
