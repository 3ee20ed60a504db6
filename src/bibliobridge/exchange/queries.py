"""Reusable reads of publication exchange, preloaded for the pages that list them."""

from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum

from bibliobridge.partners.models import Institution
from bibliobridge.partners.search import fold

from . import search
from .enums import ItemStatus, ListKind, OrderStatus, ShipmentStatus
from .matching import Item
from .models import (
    Claim,
    ExchangeList,
    ExchangeTerms,
    ListItem,
    MatchSuggestion,
    OrderLine,
    PortalLink,
    PortalOrder,
    Shipment,
    ShipmentItem,
)


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
    """Our offered items reserved for partner that no prepared shipment holds yet and that
    are not waiting in its portal cart (a submitted order's items, or staff's reservations)."""
    return (
        ListItem.objects.filter(
            exchange_list__partner__isnull=True,
            exchange_list__kind=ListKind.OFFER,
            status=ItemStatus.RESERVED,
            reserved_for=partner,
        )
        .exclude(shipment_items__shipment__status=ShipmentStatus.PREPARED)
        # Still in the partner's cart: it may yet be removed, or its hold run out.
        .exclude(
            pk__in=OrderLine.objects.filter(
                order__status=OrderStatus.CART, released_at=None, item__isnull=False
            ).values("item_id")
        )
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


# ---------------------------------------------------------------- portal


def offered_items() -> QuerySet[ListItem]:
    """What a partner may choose in the portal: available items of our own offer lists."""
    return ListItem.objects.filter(
        status=ItemStatus.AVAILABLE,
        exchange_list__partner__isnull=True,
        exchange_list__kind=ListKind.OFFER,
    )


def portal_offer(
    q: str = "", language: str = "", year: int | None = None, list_id: int | None = None
) -> QuerySet[ListItem]:
    """Offered items matching the partner's search (exchange.search) and filters, by title."""
    items = offered_items()
    if language:
        items = items.filter(language=language)
    if year:
        items = items.filter(year=year)
    if list_id:
        items = items.filter(exchange_list_id=list_id)
    if q.strip():
        items = search.matching(items, q)
    return items.order_by("title", "id")


def portal_filter_choices() -> dict[str, list]:
    """The languages and lists that the offer has available items in (kept until an item
    changes: two scans of the offer saved on every portal page)."""
    key = f"exchange-portal-choices:{search.signature()}"
    choices = cache.get(key)
    if choices is None:
        choices = _filter_choices()
        cache.set(key, choices, 3600)
    return choices


def _filter_choices() -> dict[str, list]:
    items = offered_items()
    return {
        "languages": list(
            items.exclude(language="")
            .order_by("language")
            .values_list("language", flat=True)
            .distinct()
        ),
        "lists": list(
            ExchangeList.objects.filter(
                partner__isnull=True, kind=ListKind.OFFER, items__status=ItemStatus.AVAILABLE
            )
            .distinct()
            .order_by("name")
            .values_list("id", "name")
        ),
    }


def cart_lines(partner: Institution) -> QuerySet[OrderLine]:
    """The items held in the partner's cart, oldest first."""
    # Still reserved for it: matching or staff may have released an item directly.
    return OrderLine.objects.filter(
        order__partner=partner,
        order__status=OrderStatus.CART,
        released_at__isnull=True,
        item__status=ItemStatus.RESERVED,
        item__reserved_for=partner,
    ).order_by("added_at", "id")


def partner_orders(partner: Institution) -> QuerySet[PortalOrder]:
    """The partner's submitted and cancelled orders, newest first, with their item counts."""
    return (
        PortalOrder.objects.filter(partner=partner)
        .exclude(status=OrderStatus.CART)
        .annotate(line_count=Count("lines", filter=Q(lines__released_at__isnull=True)))
        .order_by("-submitted_at", "-id")
    )


def received_orders(partner_id: int | None = None, status: str = "") -> QuerySet[PortalOrder]:
    """Orders (and carts) for the staff list, with partner and item counts."""
    orders = (
        PortalOrder.objects.select_related("partner")
        .annotate(
            line_count=Count("lines", filter=Q(lines__released_at__isnull=True)),
            released_count=Count("lines", filter=Q(lines__released_at__isnull=False)),
        )
        .order_by("-submitted_at", "-id")
    )
    if partner_id:
        orders = orders.filter(partner_id=partner_id)
    if status:
        orders = orders.filter(status=status)
    else:
        orders = orders.exclude(status=OrderStatus.CART)
    return orders


def order_lines(order: PortalOrder) -> QuerySet[OrderLine]:
    return order.lines.select_related("item__exchange_list").order_by("id")


def portal_links(partner: Institution) -> QuerySet[PortalLink]:
    return partner.portal_links.select_related("created_by").order_by("-created_at", "-id")


# ---------------------------------------------------------------- matching


def match_items(items: QuerySet[ListItem]) -> list[Item]:
    """List items as the matching engine takes them, read as plain rows (a million offers
    through model instances would take minutes). An ISBN that does not check is no key."""
    rows = items.values_list(
        "id", "exchange_list__partner_id", "title", "author", "publisher", "year", "edition",
        "isbn", "isbn_valid", "issn", "language", "match_title",
    )  # fmt: skip
    return [
        Item(
            pk,
            owner,
            title,
            author,
            publisher,
            year,
            edition,
            isbn if valid else "",
            issn,
            language,
            forms,
        )  # fmt: skip
        for pk, owner, title, author, publisher, year, edition, isbn, valid, issn, language, forms in rows.iterator(
            chunk_size=10_000
        )
    ]


def wanted_items() -> QuerySet[ListItem]:
    return ListItem.objects.filter(exchange_list__kind=ListKind.WANT)


def available_offers() -> QuerySet[ListItem]:
    return ListItem.objects.filter(exchange_list__kind=ListKind.OFFER, status=ItemStatus.AVAILABLE)


def filtered_matches(
    status: str = "", partner: int | None = None, exchange_list: int | None = None
) -> QuerySet[MatchSuggestion]:
    """Suggestions with both items, their lists and the partner, for the matches page."""
    matches = MatchSuggestion.objects.select_related(
        "want__exchange_list", "offer__exchange_list", "partner", "decided_by"
    ).order_by("-score", "id")
    if status:
        matches = matches.filter(status=status)
    if partner:
        matches = matches.filter(partner_id=partner)
    if exchange_list:
        matches = matches.filter(
            Q(want__exchange_list_id=exchange_list) | Q(offer__exchange_list_id=exchange_list)
        )
    return matches
