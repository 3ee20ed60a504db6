"""Every write to publication exchange. Each takes the acting user and is audited.

Items are parts of their list: adding, changing or removing one is logged on the list, so
the list's page shows one history (as an institution's parts are in the directory).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bibliobridge.catalog.queries import who_holds
from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import changes_between, log_activity, snapshot, update_fields
from bibliobridge.partners.models import Institution

from . import matching, queries, reservations
from .enums import ItemStatus, MatchStatus
from .identifiers import normalise_isbn
from .matching import title_forms
from .models import ExchangeList, ExchangeTerms, ListItem, MatchSuggestion

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
    item.match_title = title_forms(item.title, item.language)
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
        item.match_title = title_forms(item.title, item.language)
        item.save(update_fields=[*changes, "match_title", "updated_at"])
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
        item.match_title = title_forms(item.title, item.language)
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


# ---------------------------------------------------------------- matching


@dataclass
class MatchRun:
    """What a run of matching changed: new suggestions, undecided ones refreshed and ones
    dropped (no longer matching); decided pairs are left as they are."""

    new: int = 0
    refreshed: int = 0
    dropped: int = 0
    lists: list[ExchangeList] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"new": self.new, "refreshed": self.refreshed, "dropped": self.dropped}


def _match_scope(exchange_list: ExchangeList | None) -> tuple[Any, Any, Q]:
    """The wants and offers one run compares, and the suggestions it answers for."""
    wants, offers = queries.wanted_items(), queries.available_offers()
    if exchange_list is None:
        return wants, offers, Q()
    ours = exchange_list.partner_id is None
    # The other side: partners' lists for ours, ours for a partner's.
    other = Q(exchange_list__partner__isnull=not ours)
    if exchange_list.is_offer:
        items = offers.filter(exchange_list=exchange_list)
        return wants.filter(other), items, Q(offer__exchange_list=exchange_list)
    items = wants.filter(exchange_list=exchange_list)
    return items, offers.filter(other), Q(want__exchange_list=exchange_list)


@transaction.atomic
def find_matches(actor: User | None, exchange_list: ExchangeList | None = None) -> MatchRun:
    """Match one list against the other side's lists, or every list (``None``).

    New pairs are suggested; undecided suggestions are refreshed (score and reasons) or
    dropped when they no longer match, or when the offered item is no longer available;
    accepted and rejected pairs are kept, and a rejected pair is never suggested again.
    Logged on each list that gained or lost suggestions.
    """
    want_items, offer_items, scope = _match_scope(exchange_list)
    wants = queries.match_items(want_items)
    existing = {
        (want, offer): (pk, status)
        for pk, want, offer, status in MatchSuggestion.objects.filter(scope).values_list(
            "pk", "want_id", "offer_id", "status"
        )
    }
    decided = [pair for pair, (_pk, status) in existing.items() if status != MatchStatus.SUGGESTED]
    found = matching.match(
        wants,
        queries.match_items(offer_items),
        exclude=decided,
        workers=settings.EXCHANGE_MATCH_WORKERS,
    )
    owners = dict(
        ListItem.objects.filter(
            pk__in={s.want for s in found} | {s.offer for s in found}
        ).values_list("pk", "exchange_list__partner_id")
    )
    run = MatchRun()
    new, refreshed, seen = [], [], set()
    now = timezone.now()
    for suggestion in found:
        pair = (suggestion.want, suggestion.offer)
        seen.add(pair)
        values = {"score": suggestion.score, "reasons": suggestion.reason_data()}
        if pair in existing:
            refreshed.append(MatchSuggestion(pk=existing[pair][0], updated_at=now, **values))
        else:
            partner = owners[suggestion.want] or owners[suggestion.offer]
            new.append(
                MatchSuggestion(want_id=pair[0], offer_id=pair[1], partner_id=partner, **values)
            )
    stale = [
        pk
        for pair, (pk, status) in existing.items()
        if status == MatchStatus.SUGGESTED and pair not in seen
    ]
    # Two runs at once (two users pressing "find again") may both add a pair: the first
    # one stands.
    MatchSuggestion.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    MatchSuggestion.objects.bulk_update(
        refreshed, ["score", "reasons", "updated_at"], batch_size=1000
    )
    for start in range(0, len(stale), 1000):
        MatchSuggestion.objects.filter(pk__in=stale[start : start + 1000]).delete()
    run.new, run.refreshed, run.dropped = len(new), len(refreshed), len(stale)
    if exchange_list is not None:
        run.lists = [exchange_list]
    elif new or stale:
        # The lists of the wanted items whose suggestions changed.
        dropped = set(stale)
        stale_wants = {pair[0] for pair, (pk, _s) in existing.items() if pk in dropped}
        touched = {item.want_id for item in new} | stale_wants
        run.lists = list(ExchangeList.objects.filter(items__in=touched).distinct())
    for touched_list in run.lists:
        log_activity(actor, Action.UPDATED, touched_list, {"matches": run.as_dict()})
    return run


@transaction.atomic
def decide_match(actor: User, suggestion: MatchSuggestion, status: str) -> MatchSuggestion:
    """Accept or reject a suggested pair, once. Raises ValidationError when it was decided
    already (by someone else meanwhile, say).

    Accepting a partner's want of one of our offers reserves our item for the partner
    (``reservations.reserve``), in the same transaction: when someone else has it, nothing
    is decided and the ValidationError names the item. Accepting our want of a partner's
    offer records the decision (the partner is asked by letter or in its own portal).
    """
    if status not in (MatchStatus.ACCEPTED, MatchStatus.REJECTED):
        raise ValueError(status)
    now = timezone.now()
    # Compare-and-set: only an undecided suggestion is decided.
    done = MatchSuggestion.objects.filter(pk=suggestion.pk, status=MatchStatus.SUGGESTED).update(
        status=status, decided_by=actor, decided_at=now, updated_at=now
    )
    if not done:
        raise ValidationError(
            _("This suggestion was decided already; the page shows the decision."),
            code="decided",
        )
    suggestion.refresh_from_db()
    log_activity(
        actor,
        Action.TRANSITIONED,
        suggestion,
        {"status": [MatchStatus.SUGGESTED.value, status]},
    )
    offer = ListItem.objects.select_related("exchange_list").get(pk=suggestion.offer_id)
    if status == MatchStatus.ACCEPTED and offer.exchange_list.partner_id is None:
        try:
            reservations.reserve([offer], suggestion.partner, actor)
        except reservations.ItemsTaken as taken:
            raise ValidationError(str(taken), code="taken") from taken
    return suggestion


def accept(actor: User, suggestion: MatchSuggestion) -> MatchSuggestion:
    return decide_match(actor, suggestion, MatchStatus.ACCEPTED)


def reject(actor: User, suggestion: MatchSuggestion) -> MatchSuggestion:
    return decide_match(actor, suggestion, MatchStatus.REJECTED)
