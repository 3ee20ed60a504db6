"""Reserving offered items for a partner, and giving them back: one function per change.

An offered item is available, reserved (for one partner, since a time) or sent. The
portal, matching and shipments all go through these two functions::

    from bibliobridge.exchange import reservations

    reservations.reserve([item_a, item_b], partner, actor=user)  # all or none
    reservations.release([item_a], actor=user)

``reserve`` is one conditional UPDATE (status available → reserved), so of two partners
asking for the same item at the same moment exactly one gets it, on SQLite (writes take
the database lock in turn) as on PostgreSQL (the second UPDATE waits for the first row
lock and then finds the row no longer available). The other gets ``ItemsTaken``, naming
the items, and nothing of its request is reserved.

Both write the list's history (as item changes do in services.py); ``actor`` is None when
a partner acts in the portal, and the message says so.
"""

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import log_activity
from bibliobridge.partners.models import Institution

from .enums import ItemStatus, ListKind
from .models import ExchangeList, ListItem


class ItemsTaken(Exception):
    """Some of the items asked for are no longer available; none was reserved.

    ``items`` are those items; the message names them, in the active language.
    """

    def __init__(self, items: Sequence[ListItem]) -> None:
        self.items = list(items)
        titles = "; ".join(f"“{item.title}”" for item in self.items)
        super().__init__(
            ngettext(
                "No longer available: %(titles)s.",
                "No longer available: %(titles)s.",
                len(self.items),
            )
            % {"titles": titles}
        )


def _ids(items: Iterable[ListItem | int]) -> list[int]:
    ids = [item if isinstance(item, int) else item.pk for item in items]
    return list(dict.fromkeys(ids))


def _log(
    actor: User | None, changed: Iterable[tuple[ListItem, str | None, str | None]], event: str
) -> None:
    """One history entry per list: each item's status and partner, before → after.

    ``changed`` holds (item, partner before, partner after). The event is a code, like the
    other services' ("reserve", "release"; "… in portal" when the partner acted), so the
    history reads the same in either language.
    """
    label = str(ListItem._meta.verbose_name)
    by_list: dict[int, dict[str, list[str | None]]] = {}
    for item, before, after in changed:
        changes = by_list.setdefault(item.exchange_list_id, {})
        changes[f"{label} {item.pk}.status"] = [
            ItemStatus.AVAILABLE if before is None else ItemStatus.RESERVED,
            ItemStatus.AVAILABLE if after is None else ItemStatus.RESERVED,
        ]
        changes[f"{label} {item.pk}.reserved_for"] = [before, after]
    message = event if actor is not None else f"{event} in portal"
    for list_id, changes in by_list.items():
        log_activity(actor, Action.UPDATED, ExchangeList(pk=list_id), changes, message)


@transaction.atomic
def reserve(
    items: Iterable[ListItem | int], partner: Institution, actor: User | None = None
) -> list[ListItem]:
    """Reserve offered items for the partner, all of them or none; returns them.

    Raises ItemsTaken when any of them is not available (reserved for anyone, sent, or
    gone); nothing is then reserved. Quotas are the caller's to check (the portal does).
    """
    ids = _ids(items)
    if not ids:
        return []
    now = timezone.now()
    offered = list(
        ListItem.objects.filter(pk__in=ids, exchange_list__kind=ListKind.OFFER).values_list(
            "pk", flat=True
        )
    )
    # The whole decision is this one statement, on the item's own row and with no join, so
    # PostgreSQL re-checks the status on the row it waited for: only a row still
    # available changes.
    ListItem.objects.filter(pk__in=offered, status=ItemStatus.AVAILABLE).update(
        status=ItemStatus.RESERVED, reserved_for=partner, reserved_at=now, updated_at=now
    )
    # Ours are those carrying this very reservation (our own write, seen in our transaction).
    won = {
        item.pk: item
        for item in ListItem.objects.filter(
            pk__in=ids, status=ItemStatus.RESERVED, reserved_for=partner, reserved_at=now
        )
    }
    if len(won) < len(ids):
        lost = list(ListItem.objects.filter(pk__in=[pk for pk in ids if pk not in won]))
        missing = len(ids) - len(won) - len(lost)
        lost += [ListItem(pk=0, title=_("an item that was removed"))] * missing
        raise ItemsTaken(lost)
    reserved = [won[pk] for pk in ids]
    _log(actor, [(item, None, str(partner)) for item in reserved], "reserve")
    return reserved


@transaction.atomic
def release(
    items: Iterable[ListItem | int],
    actor: User | None = None,
    partner: Institution | None = None,
    event: str = "release",
) -> list[ListItem]:
    """Make reserved items available again; returns those that were released.

    With ``partner``, only items reserved for that partner are touched (a partner can give
    back only its own). Items that are not reserved (already released, or sent) are left
    as they are, so releasing twice is harmless. ``event`` names why in the history
    ("release", "cart expired", "order cancelled").
    """
    ids = _ids(items)
    if not ids:
        return []
    held = ListItem.objects.filter(pk__in=ids, status=ItemStatus.RESERVED)
    if partner is not None:
        held = held.filter(reserved_for=partner)
    # Locked, then changed only if still reserved: a release racing a shipment or another
    # release changes each row once.
    rows = list(held.select_for_update(of=("self",)).select_related("reserved_for").order_by("pk"))
    if not rows:
        return []
    now = timezone.now()
    ListItem.objects.filter(pk__in=[row.pk for row in rows], status=ItemStatus.RESERVED).update(
        status=ItemStatus.AVAILABLE, reserved_for=None, reserved_at=None, updated_at=now
    )
    _log(actor, [(row, str(row.reserved_for), None) for row in rows], event)
    for row in rows:
        row.status, row.reserved_for, row.reserved_at = ItemStatus.AVAILABLE, None, None
    return rows
