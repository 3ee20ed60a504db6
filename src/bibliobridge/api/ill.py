"""ILL requests in the API: the worklists, a request, a new borrowing request, its steps."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from bibliobridge.core.access import check_perm
from bibliobridge.ill import queries, services
from bibliobridge.ill.forms import LISTS, RequestForm
from bibliobridge.ill.models import IllRequest
from bibliobridge.partners.models import Institution

router = Router(tags=["ill"])
VIEW, ADD, ACT = "ill.view_illrequest", "ill.add_illrequest", "ill.transition_illrequest"
MAX_PAGE_SIZE = 100


class RotaOut(Schema):
    position: int
    institution_id: int
    reason: str
    outcome: str


class MessageOut(Schema):
    id: int
    direction: str
    kind: str
    event: str
    version: str
    created_at: dt.datetime
    message_status: str
    error_type: str
    delivery: str


class RequestOut(Schema):
    id: int
    our_id: str
    their_id: str
    role: str
    service: str
    state: str
    attention: bool
    attention_note: str
    partner_id: int | None
    title: str
    author: str
    article_title: str
    isbn: str
    issn: str
    doi: str
    due_date: dt.date | None
    created_at: dt.datetime
    rota: list[RotaOut] = []
    messages: list[MessageOut] = []

    @staticmethod
    def resolve_rota(obj: IllRequest) -> list:
        return list(obj.rota.all()) if hasattr(obj, "_prefetched_objects_cache") else []

    @staticmethod
    def resolve_messages(obj: IllRequest) -> list:
        return list(obj.messages.all()) if hasattr(obj, "_prefetched_objects_cache") else []


class RequestIn(Schema):
    service: str
    title: str
    author: str = ""
    article_title: str = ""
    article_author: str = ""
    date: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    isbn: str = ""
    issn: str = ""
    doi: str = ""
    patron_name: str = ""
    patron_email: str = ""
    patron_language: str = ""
    need_before: dt.date | None = None
    max_cost: Decimal | None = None
    max_cost_currency: str = ""
    note: str = ""
    declaration: bool = False
    lender_ids: list[int] = []


class StepIn(Schema):
    due_date: dt.date | None = None
    cost: Decimal | None = None
    cost_currency: str = ""
    reason_unfilled: str = ""
    note: str = ""


class ListFilter(Schema):
    list: str = "attention"
    q: str = ""
    page: int = 1
    page_size: int = 50


@router.get("/requests", response=list[RequestOut], summary="A worklist of ILL requests")
def list_requests(request: HttpRequest, filters: Query[ListFilter]):
    check_perm(request.user, VIEW)
    name = filters.list if filters.list in LISTS else "attention"
    size = max(1, min(filters.page_size, MAX_PAGE_SIZE))
    start = (max(filters.page, 1) - 1) * size
    return list(queries.worklist(name, filters.q)[start : start + size])


@router.get("/requests/{int:request_id}", response=RequestOut, summary="One ILL request")
def get_request(request: HttpRequest, request_id: int):
    check_perm(request.user, VIEW)
    try:
        return queries.request_detail(request_id)
    except IllRequest.DoesNotExist as error:
        raise Http404 from error


@router.post("/requests", response={201: RequestOut}, summary="Ask to borrow a book or a copy")
def create_request(request: HttpRequest, payload: RequestIn):
    """Checked as the request form checks it; lenders, when given, form its rota."""
    check_perm(request.user, VIEW, ADD)
    data = payload.dict()
    lender_ids = data.pop("lender_ids")
    form = RequestForm({k: ("" if v is None else v) for k, v in data.items()})
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    fields = dict(form.cleaned_data)
    fields.pop("declaration", None)
    lenders = [get_object_or_404(Institution, pk=pk) for pk in lender_ids]
    created = services.ask(request.user, fields, payload.declaration, lenders)
    return 201, queries.request_detail(created.pk)


@router.post("/requests/{int:request_id}/steps/{event}", response=RequestOut,
             summary="Take a staff step of the state model (e.g. submit, ship, receive)")  # fmt: skip
def take_step(request: HttpRequest, request_id: int, event: str, payload: StepIn):
    check_perm(request.user, VIEW, ACT)
    ill = get_object_or_404(IllRequest, pk=request_id)
    if event == "deliver_copy":
        raise ValidationError(_("Upload the copy to deliver it."))
    details = {k: v for k, v in payload.dict().items() if v not in (None, "")}
    try:
        services.transition(ill, event, request.user, details)
    except services.TransitionRefused as refusal:
        raise ValidationError(str(refusal)) from refusal
    return queries.request_detail(request_id)
