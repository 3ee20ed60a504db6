"""Publication exchange in the API: lists and their items, match suggestions, shipments
and the yearly ledgers, with the permissions the exchange pages check.

Items are checked by the item form and written by the exchange services; a match is
decided and a shipment moved by the same service functions as on the pages, so a refusal
(an offer taken by another partner, a move the workflow does not allow) is the page's
message, answered with 422.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from bibliobridge.core.access import check_perm
from bibliobridge.core.models import User
from bibliobridge.exchange import ledger, queries, services, shipments
from bibliobridge.exchange.enums import ItemStatus
from bibliobridge.exchange.forms import ItemForm
from bibliobridge.exchange.matching import describe
from bibliobridge.exchange.models import (
    Box,
    ExchangeList,
    ListItem,
    MatchSuggestion,
    Shipment,
    ShipmentItem,
)
from bibliobridge.exchange.workflow import shipment_actions

router = Router(tags=["exchange"])
MAX_PAGE_SIZE = 100
# The exchange pages' permissions (exchange.views, views_shipments, views_ledger).
VIEW_LISTS, CHANGE_LIST = "exchange.view_exchangelist", "exchange.change_exchangelist"
DECIDE_MATCHES = "exchange.decide_matches"
VIEW_SHIPMENTS, CHANGE_SHIPMENT = "exchange.view_shipment", "exchange.change_shipment"
VIEW_LEDGER = VIEW_SHIPMENTS  # the ledger is what the shipments add up to


class Paging(Schema):
    page: int = 1
    page_size: int = 50


def _user(request: HttpRequest) -> User:
    # The token authenticated the request, so the user is signed in.
    return cast(User, request.user)


def _page(rows: QuerySet, paging: Paging) -> dict[str, Any]:
    size = max(1, min(paging.page_size, MAX_PAGE_SIZE))
    page = max(paging.page, 1)
    start = (page - 1) * size
    return {
        "count": rows.count(),
        "page": page,
        "page_size": size,
        "results": list(rows[start : start + size]),
    }


# ---------------------------------------------------------------- lists and items


class ListOut(Schema):
    id: int
    kind: str
    name: str
    notes: str
    partner_id: int | None = Field(None, description="Empty for a list of our own library.")
    partner: str
    item_count: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_partner(obj: ExchangeList) -> str:
        return str(obj.partner) if obj.partner_id else ""


class ListDetailOut(ListOut):
    linked_count: int = Field(..., description="Items linked to the union catalogue.")
    flagged_count: int = Field(..., description="Items whose ISBN does not check.")


class ListPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ListOut]


class ItemOut(Schema):
    id: int
    list_id: int
    title: str
    author: str
    publisher: str
    place: str
    year: int | None
    edition: str
    isbn: str
    isbn_valid: bool
    issn: str
    language: str
    quantity: int
    price: Decimal | None
    currency: str
    note: str
    status: str = Field(..., description="Offered items only: available, reserved or sent.")
    reserved_for_id: int | None
    cluster_id: int | None = Field(..., description="The union-catalogue cluster, if linked.")
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_list_id(obj: ListItem) -> int:
        return obj.exchange_list_id


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ItemOut]


class ItemIn(Schema):
    title: str
    author: str = ""
    publisher: str = ""
    place: str = ""
    year: int | None = None
    edition: str = ""
    isbn: str = Field("", description="ISBN-10 or ISBN-13; one that does not check is kept "
                      "and flagged (isbn_valid false).")  # fmt: skip
    issn: str = ""
    language: str = ""
    quantity: int = 1
    price: Decimal | None = None
    currency: str = ""
    note: str = ""
    status: str = Field("", description="Offer lists only; empty for available.")


class ItemPatch(Schema):
    title: str | None = None
    author: str | None = None
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    edition: str | None = None
    isbn: str | None = None
    issn: str | None = None
    language: str | None = None
    quantity: int | None = None
    price: Decimal | None = None
    currency: str | None = None
    note: str | None = None
    status: str | None = None


class ListFilter(Paging):
    kind: str = Field("", description="want or offer")
    partner: int | None = Field(None, description="A partner's id: its lists only.")
    q: str = Field("", description="The list's name or its partner's.")


class ItemFilter(Paging):
    status: str = ""
    q: str = Field("", description="Part of the title, author or ISBN.")


def _list(list_id: int) -> ExchangeList:
    try:
        return queries.list_detail(list_id)
    except ExchangeList.DoesNotExist as error:
        raise Http404 from error


def _item(item_id: int) -> ListItem:
    return get_object_or_404(ListItem.objects.select_related("exchange_list"), pk=item_id)


def _checked(exchange_list: ExchangeList, data: dict[str, Any], item: ListItem | None) -> dict:
    """The values as the item form cleans them; ValidationError by field, as the form says."""
    if not exchange_list.is_offer and data.get("status"):
        raise ValidationError({"status": _("Wanted items have no status.")})
    form = ItemForm(
        {k: ("" if v is None else v) for k, v in data.items()},
        instance=item,
        exchange_list=exchange_list,
    )
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form.cleaned_data


ITEM_FORM_FIELDS = list(ItemForm.base_fields)


def _form_values(item: ListItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ITEM_FORM_FIELDS}


@router.get("/lists", response=ListPage, summary="Offer and want lists, ours and partners'")
def list_lists(request: HttpRequest, filters: Query[ListFilter]):
    check_perm(request.user, VIEW_LISTS)
    lists = queries.filtered_lists(kind=filters.kind, q=filters.q)
    if filters.partner is not None:
        lists = lists.filter(partner_id=filters.partner)
    return _page(lists, filters)


@router.get("/lists/{int:list_id}", response=ListDetailOut, summary="One exchange list")
def get_list(request: HttpRequest, list_id: int):
    check_perm(request.user, VIEW_LISTS)
    exchange_list = _list(list_id)
    counts = queries.item_counts(exchange_list)
    exchange_list.item_count = counts["total"]  # type: ignore[attr-defined]
    exchange_list.linked_count = counts["linked"]  # type: ignore[attr-defined]
    exchange_list.flagged_count = counts["flagged"]  # type: ignore[attr-defined]
    return exchange_list


@router.get("/lists/{int:list_id}/items", response=ItemPage, summary="The items of a list")
def list_items(request: HttpRequest, list_id: int, filters: Query[ItemFilter]):
    check_perm(request.user, VIEW_LISTS)
    items = queries.list_items(_list(list_id))
    if filters.status:
        items = items.filter(status=filters.status)
    if q := filters.q.strip():
        digits = q.replace("-", "").replace(" ", "")
        items = items.filter(
            Q(title__icontains=q) | Q(author__icontains=q) | Q(isbn__icontains=digits)
        )
    return _page(items, filters)


@router.post("/lists/{int:list_id}/items", response={201: ItemOut}, summary="Add an item")
def add_item(request: HttpRequest, list_id: int, payload: ItemIn):
    """Checked as the item form checks it; linked to the union catalogue by ISBN or ISSN."""
    check_perm(request.user, VIEW_LISTS, CHANGE_LIST)
    exchange_list = _list(list_id)
    data = payload.dict()
    if exchange_list.is_offer and not data["status"]:
        data["status"] = ItemStatus.AVAILABLE
    values = _checked(exchange_list, data, None)
    item = services.add_item(_user(request), exchange_list, values)
    return 201, _item(item.pk)


@router.get("/items/{int:item_id}", response=ItemOut, summary="One list item")
def get_item(request: HttpRequest, item_id: int):
    check_perm(request.user, VIEW_LISTS)
    return _item(item_id)


@router.patch("/items/{int:item_id}", response=ItemOut, summary="Change a list item")
def update_item(request: HttpRequest, item_id: int, payload: ItemPatch):
    """Only the fields given change; null empties a field that may be empty."""
    check_perm(request.user, VIEW_LISTS, CHANGE_LIST)
    item = _item(item_id)
    given = payload.dict(exclude_unset=True)
    cleaned = _checked(item.exchange_list, {**_form_values(item), **given}, item)
    services.update_item(_user(request), item, {k: cleaned[k] for k in given if k in cleaned})
    return _item(item_id)


# ---------------------------------------------------------------- matches


class MatchOut(Schema):
    id: int
    status: str
    score: float = Field(..., description="From 0 to 1: how sure matching is.")
    reasons: list[str] = Field(..., description="Why the pair matches, in the request's language.")
    partner_id: int
    partner: str
    want_id: int
    want_title: str
    want_list_id: int
    offer_id: int
    offer_title: str
    offer_list_id: int
    decided_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_reasons(obj: MatchSuggestion) -> list[str]:
        return [describe(r.get("code", ""), r.get("params", {})) for r in obj.reasons]

    @staticmethod
    def resolve_partner(obj: MatchSuggestion) -> str:
        return str(obj.partner)

    @staticmethod
    def resolve_want_title(obj: MatchSuggestion) -> str:
        return obj.want.title

    @staticmethod
    def resolve_want_list_id(obj: MatchSuggestion) -> int:
        return obj.want.exchange_list_id

    @staticmethod
    def resolve_offer_title(obj: MatchSuggestion) -> str:
        return obj.offer.title

    @staticmethod
    def resolve_offer_list_id(obj: MatchSuggestion) -> int:
        return obj.offer.exchange_list_id


class MatchPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[MatchOut]


class MatchFilter(Paging):
    status: str = Field("", description="suggested, accepted or rejected")
    partner: int | None = None
    list: int | None = Field(None, description="A list's id: suggestions for its items.")


def _match(match_id: int) -> MatchSuggestion:
    try:
        return queries.filtered_matches().get(pk=match_id)
    except MatchSuggestion.DoesNotExist as error:
        raise Http404 from error


@router.get("/matches", response=MatchPage, summary="Suggested pairs of wanted and offered items")
def list_matches(request: HttpRequest, filters: Query[MatchFilter]):
    check_perm(request.user, VIEW_LISTS)
    found = queries.filtered_matches(
        status=filters.status, partner=filters.partner, exchange_list=filters.list
    )
    return _page(found, filters)


@router.get("/matches/{int:match_id}", response=MatchOut, summary="One match suggestion")
def get_match(request: HttpRequest, match_id: int):
    check_perm(request.user, VIEW_LISTS)
    return _match(match_id)


@router.post("/matches/{int:match_id}/accept", response=MatchOut, summary="Accept a suggestion")
def accept_match(request: HttpRequest, match_id: int):
    """Once only. Accepting a partner's want of our offer reserves our item for the partner;
    when the suggestion was decided already, or someone else has the item, nothing changes
    and the answer is 422 with the reason."""
    check_perm(request.user, VIEW_LISTS, DECIDE_MATCHES)
    services.accept(_user(request), _match(match_id))
    return _match(match_id)


@router.post("/matches/{int:match_id}/reject", response=MatchOut, summary="Reject a suggestion")
def reject_match(request: HttpRequest, match_id: int):
    """Once only; a rejected pair is never suggested again. Decided already: 422."""
    check_perm(request.user, VIEW_LISTS, DECIDE_MATCHES)
    services.reject(_user(request), _match(match_id))
    return _match(match_id)


# ---------------------------------------------------------------- shipments


class ShipmentOut(Schema):
    id: int
    number: str
    direction: str = Field(..., description="out (ours) or in (the partner's)")
    status: str
    partner_id: int
    partner: str
    partner_reference: str
    courier: str
    tracking_number: str
    postage: Decimal | None
    postage_currency: str
    shipped_on: dt.date | None
    delivered_on: dt.date | None
    received_on: dt.date | None
    acknowledged_on: dt.date | None
    line_count: int
    copies: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_partner(obj: Shipment) -> str:
        return str(obj.partner)

    @staticmethod
    def resolve_copies(obj: Shipment) -> int:
        return obj.copies or 0  # type: ignore[attr-defined]


class BoxOut(Schema):
    id: int
    number: int
    weight_kg: Decimal | None
    note: str


class LineOut(Schema):
    id: int
    box: int | None = Field(..., description="The box's number in the shipment.")
    list_item_id: int | None
    title: str
    author: str
    publisher: str
    place: str
    year: int | None
    edition: str
    isbn: str
    issn: str
    issue: str
    language: str
    quantity: int
    value: Decimal | None = Field(..., description="The value of all copies on the line.")
    currency: str
    check_result: str
    quantity_received: int | None
    check_note: str

    @staticmethod
    def resolve_box(obj: ShipmentItem) -> int | None:
        return obj.box.number if obj.box is not None else None


class ShipmentDetailOut(ShipmentOut):
    notes: str
    actions: list[str] = Field(
        ..., description="The moves (POST .../{action}) its status allows now."
    )
    boxes: list[BoxOut]
    lines: list[LineOut]

    @staticmethod
    def resolve_actions(obj: Shipment) -> list[str]:
        return [
            move.action
            for move in shipment_actions(obj.direction, obj.status)
            if move.action in shipments.SHIPMENT_MOVE_ACTIONS
        ]

    @staticmethod
    def resolve_boxes(obj: Shipment) -> list[Box]:
        return list(obj.boxes.all())

    @staticmethod
    def resolve_lines(obj: Shipment) -> list[ShipmentItem]:
        return queries.shipment_lines(obj)


class ShipmentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ShipmentOut]


class ShipmentFilter(Paging):
    direction: str = Field("", description="out or in")
    status: str = ""
    partner: int | None = None


class MoveIn(Schema):
    on: dt.date | None = Field(None, description="The day of the move; empty for today.")
    mail: bool = Field(False, description="thank: also mail the letter to the partner.")


def _shipment(shipment_id: int) -> Shipment:
    try:
        return queries.filtered_shipments().get(pk=shipment_id)
    except Shipment.DoesNotExist as error:
        raise Http404 from error


@router.get("/shipments", response=ShipmentPage, summary="Shipments, ours and partners'")
def list_shipments(request: HttpRequest, filters: Query[ShipmentFilter]):
    check_perm(request.user, VIEW_SHIPMENTS)
    rows = queries.filtered_shipments(None, filters.direction, filters.status)
    if filters.partner is not None:
        rows = rows.filter(partner_id=filters.partner)
    return _page(rows, filters)


@router.get("/shipments/{int:shipment_id}", response=ShipmentDetailOut,
            summary="One shipment with its boxes and lines")  # fmt: skip
def get_shipment(request: HttpRequest, shipment_id: int):
    check_perm(request.user, VIEW_SHIPMENTS)
    return _shipment(shipment_id)


@router.post("/shipments/{int:shipment_id}/{action}", response=ShipmentDetailOut,
             summary="Move a shipment's status (ship, deliver, acknowledge, cancel, thank, "
                     "discard)")  # fmt: skip
def move_shipment(
    request: HttpRequest, shipment_id: int, action: str, payload: MoveIn | None = None
):
    """A move the workflow does not allow now, or that something on the shipment stops,
    is refused with 422 and the reason; nothing changes."""
    check_perm(request.user, VIEW_SHIPMENTS, CHANGE_SHIPMENT)
    if action not in shipments.SHIPMENT_MOVE_ACTIONS:
        raise Http404
    try:
        shipment = queries.shipment_detail(shipment_id)
    except Shipment.DoesNotExist as error:
        raise Http404 from error
    on, mail = (payload.on, payload.mail) if payload is not None else (None, False)
    shipments.move_shipment(_user(request), shipment, action, on, mail)
    return _shipment(shipment_id)


# ---------------------------------------------------------------- ledger


class LedgerOut(Schema):
    partner_id: int
    partner: str
    kind: str = Field(..., description="The kind of exchange of the terms; empty without terms.")
    currency: str
    items_sent: int
    items_received: int
    balance_items: int = Field(..., description="Items sent less items received.")
    value_sent: Decimal
    value_received: Decimal
    balance_value: Decimal
    postage_sent: Decimal
    postage_received: Decimal
    alerts: list[str]
    problems: list[str] = Field(..., description="Values left out: no exchange rate recorded.")


class LedgerIn(Schema):
    year: int | None = Field(None, ge=1900, le=2999, description="Empty for this year.")


@router.get("/ledger", response=list[LedgerOut], summary="The year's exchange ledger by partner")
def get_ledger(request: HttpRequest, ask: Query[LedgerIn]):
    """What the ledger page shows: per partner with terms or a shipment counted in the
    year, items and values sent and received in the currency of its terms."""
    check_perm(request.user, VIEW_LEDGER)
    year = ask.year or timezone.localdate().year
    books = sorted(ledger.ledgers(year).values(), key=lambda book: str(book.partner))
    return [
        {
            "partner_id": book.partner.pk,
            "partner": str(book.partner),
            "kind": book.terms.kind if book.terms else "",
            "currency": book.currency,
            "items_sent": book.items_sent,
            "items_received": book.items_received,
            "balance_items": book.balance_items,
            "value_sent": book.value_sent,
            "value_received": book.value_received,
            "balance_value": book.balance_value,
            "postage_sent": book.postage_sent,
            "postage_received": book.postage_received,
            "alerts": book.alerts,
            "problems": book.problems,
        }
        for book in books
    ]
