"""Reusable reads of publication exchange, preloaded for the pages that list them."""

from typing import Any

from django.db.models import Count, Q, QuerySet

from bibliobridge.partners.search import fold

from .enums import ItemStatus, ListKind
from .matching import Item
from .models import ExchangeList, ExchangeTerms, ListItem, MatchSuggestion


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
