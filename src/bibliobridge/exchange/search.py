"""Searching our offer in the portal: title, author, ISBN or ISSN, in any script.

Each offered item's search text (``OfferSearch``) holds its title and author folded
(catalog.text.fold: case, diacritics, full width, traditional → simplified Chinese), their
romanised forms (pinyin, Hepburn, ALA-LC: 红楼梦 is found by "hong lou meng", Достоевский
by "dostoevskii") and its ISBN and ISSN digits. A search is then one SQL query, every
folded word of the query a substring of the text.

The texts are derived data, made when a search finds them missing or older than their item
(``refresh``): the services that write items, the imports and the reservations need not
know of them. The first search after a large import romanises its items once (about a
millisecond an item for Japanese, far less for the rest).
"""

import re

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet

from bibliobridge.catalog import text

from .identifiers import normalise_isbn
from .models import ListItem, OfferSearch

BATCH = 2000
SIGNATURE_KEY = "exchange-offer-search"


def search_text(title: str, author: str, language: str, isbn: str, issn: str) -> str:
    folded = text.fold(f"{title} | {author}")
    parts = [folded]
    if not folded.isascii():
        parts += [text.romanise(title, language), text.romanise(author, language)]
    parts += [isbn.replace("-", "").lower(), issn.replace("-", "").lower()]
    return " | ".join(part for part in parts if part)


def refresh(items: QuerySet[ListItem]) -> int:
    """Make the search texts of these items that are missing or stale; returns how many."""
    stale = items.filter(
        Q(portal_search__isnull=True) | Q(updated_at__gt=F("portal_search__item_updated_at"))
    ).values_list("id", "title", "author", "language", "isbn", "issn", "updated_at")
    made = 0
    batch: list[OfferSearch] = []
    for pk, title, author, language, isbn, issn, updated_at in stale.iterator(chunk_size=BATCH):
        batch.append(
            OfferSearch(
                item_id=pk,
                text=search_text(title, author, language, isbn, issn),
                item_updated_at=updated_at,
            )
        )
        if len(batch) >= BATCH:
            made += _save(batch)
            batch = []
    return made + _save(batch)


def _save(batch: list[OfferSearch]) -> int:
    if batch:
        OfferSearch.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["item"],
            update_fields=["text", "item_updated_at"],
        )
    return len(batch)


def signature() -> str:
    """Changes whenever an item is added, changed, reserved, released or removed."""
    found = ListItem.objects.aggregate(latest=Max("updated_at"), count=Count("id"))
    latest = found["latest"].isoformat() if found["latest"] else "-"
    return f"{found['count']}:{latest}"


def refresh_if_changed() -> int:
    """Refresh the offered items' search texts if any item changed since this process last
    looked: one aggregate (items' count and latest change) instead of a join over all."""
    from .queries import offered_items

    key = signature()
    if cache.get(SIGNATURE_KEY) == key:
        return 0
    made = refresh(offered_items())
    cache.set(SIGNATURE_KEY, key, None)
    return made


def matching(items: QuerySet[ListItem], query: str) -> QuerySet[ListItem]:
    """The items whose search text has every word of the query (or its ISBN / ISSN)."""
    refresh_if_changed()
    compact = re.sub(r"[\s-]", "", query).lower()
    if re.fullmatch(r"\d{7,12}[\dx]", compact):
        isbn, valid = normalise_isbn(compact)
        found = Q(portal_search__text__contains=compact)
        if valid:
            found |= Q(portal_search__text__contains=isbn)
        return items.filter(found)
    for word in text.fold(query).split():
        items = items.filter(portal_search__text__contains=word)
    return items
