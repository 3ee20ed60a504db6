"""Reusable reads of publication exchange, preloaded for the pages that list them."""

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from bibliobridge.partners.models import Institution
from bibliobridge.partners.search import fold

from .enums import ItemStatus, ListKind, ShipmentStatus
from .models import Claim, ExchangeList, ExchangeTerms, ListItem, Shipment, ShipmentItem


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


def filtered_shipments(
    partner: Institution | None = None, direction: str = "", status: str = ""
) -> QuerySet[Shipment]:
    """Shipments with their partner, lines and copies, newest first, filtered."""
    shipments = (
        Shipment.objects.select_related("partner")
        .annotate(line_count=Count("items"), copies=Sum("items__quantity"))
        .order_by("-created_at", "-id")
    )
    if partner is not None:
        shipments = shipments.filter(partner=partner)
    if direction:
        shipments = shipments.filter(direction=direction)
    if status:
        shipments = shipments.filter(status=status)
    return shipments


def shipment_detail(pk: int) -> Shipment:
    """One shipment with its partner. Raises Shipment.DoesNotExist."""
    return Shipment.objects.select_related("partner").get(pk=pk)


def shipment_lines(shipment: Shipment) -> list[ShipmentItem]:
    return list(shipment.items.select_related("box", "list_item").order_by("box__number", "id"))


def shipment_totals(shipment: Shipment) -> dict[str, Any]:
    """Boxes, weight, lines, copies, and value in each currency."""
    boxes = shipment.boxes.aggregate(count=Count("id"), weight=Sum("weight_kg"))
    lines = shipment.items.aggregate(count=Count("id"), copies=Sum("quantity"))
    values = (
        shipment.items.exclude(value=None)
        .values("currency")
        .annotate(total=Sum("value"))
        .order_by("currency")
    )
    return {
        "boxes": boxes["count"],
        "weight": boxes["weight"],
        "lines": lines["count"],
        "copies": lines["copies"] or 0,
        "values": [(row["currency"], row["total"]) for row in values],
    }


def filtered_claims(partner: Institution | None = None, status: str = "") -> QuerySet[Claim]:
    claims = Claim.objects.select_related("partner", "shipment_item__shipment").order_by(
        "-created_at", "-id"
    )
    if partner is not None:
        claims = claims.filter(partner=partner)
    if status:
        claims = claims.filter(status=status)
    return claims
