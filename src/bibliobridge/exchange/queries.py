"""Reusable reads of publication exchange, preloaded for the pages that list them."""

import re
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, QuerySet

from bibliobridge.catalog import text
from bibliobridge.partners.models import Institution
from bibliobridge.partners.search import fold

from .enums import ItemStatus, ListKind, OrderStatus
from .identifiers import normalise_isbn
from .models import ExchangeList, ExchangeTerms, ListItem, OrderLine, PortalLink, PortalOrder


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


# ---------------------------------------------------------------- portal


def offered_items() -> QuerySet[ListItem]:
    """What a partner may choose in the portal: available items of our own offer lists."""
    return ListItem.objects.filter(
        status=ItemStatus.AVAILABLE,
        exchange_list__partner__isnull=True,
        exchange_list__kind=ListKind.OFFER,
    )


def _matches(query: str) -> Callable[[tuple], bool]:
    """Whether a (title, author, isbn, issn, language) row matches a search in any script.

    Both sides are folded (catalog.text: case, diacritics, full width, traditional →
    simplified Chinese) and every word of the query must occur; a query in Latin letters
    also meets the romanised title and author (红楼梦 is found by "hong lou meng",
    Достоевский by "dostoevskii"). An ISBN or ISSN matches typed with or without hyphens,
    as ISBN-10 or ISBN-13.
    """
    words = text.fold(query).split()
    compact = re.sub(r"[\s-]", "", query).upper()
    identifier = compact if re.fullmatch(r"\d{7,12}[\dX]", compact) else ""
    isbn, valid = normalise_isbn(identifier) if identifier else ("", False)
    latin = query.isascii()

    def match(row: tuple) -> bool:
        title, author, item_isbn, issn, language = row
        if identifier and (
            (valid and item_isbn == isbn)
            or identifier in item_isbn.upper()
            or identifier in issn.replace("-", "")
        ):
            return True
        folded = text.fold(f"{title} {author}")
        if all(word in folded for word in words):
            return True
        if latin and not folded.isascii():
            romanised = f"{text.romanise(title, language)} {text.romanise(author, language)}"
            return all(word in romanised for word in words)
        return False

    return match


def portal_offer(
    q: str = "", language: str = "", year: int | None = None, list_id: int | None = None
) -> list[int]:
    """The ids of offered items matching the partner's search and filters, by title.

    Folding happens here rather than in a stored column, so only the filtered rows' titles
    and authors are read; an offer of tens of thousands of items is searched in tens of
    milliseconds (docs/benchmarks.md).
    """
    items = offered_items()
    if language:
        items = items.filter(language=language)
    if year:
        items = items.filter(year=year)
    if list_id:
        items = items.filter(exchange_list_id=list_id)
    items = items.order_by("title", "id")
    if not q.strip():
        return list(items.values_list("id", flat=True))
    match = _matches(q)
    return [
        row[0]
        for row in items.values_list("id", "title", "author", "isbn", "issn", "language")
        if match(row[1:])
    ]


def portal_rows(ids: list[int]) -> list[ListItem]:
    """The offered items with these ids, in this order, with what the portal shows."""
    by_id = ListItem.objects.select_related("exchange_list").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def portal_filter_choices() -> dict[str, list]:
    """The languages, years and lists that the offer has available items in."""
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
    return OrderLine.objects.filter(
        order__partner=partner, order__status=OrderStatus.CART, released_at__isnull=True
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
