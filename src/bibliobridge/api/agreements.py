import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from bibliobridge.agreements import queries, services
from bibliobridge.agreements.models import Agreement
from bibliobridge.core.access import check_perm
from bibliobridge.partners.models import Institution

router = Router(tags=["agreements"])


class PartyOut(Schema):
    institution_id: int
    institution: str
    role: str
    reference: str
    signatory_name: str
    signatory_title: str
    signed_on: dt.date | None

    @staticmethod
    def resolve_institution(obj) -> str:
        return str(obj.institution)


class ConditionOut(Schema):
    kind: str
    quantity: Decimal | None
    unit: str
    per_quantity: Decimal | None
    per_unit: str
    currency: str
    period: str
    direction: str
    note: str


class AgreementOut(Schema):
    id: int
    type: str
    title: str
    status: str
    version: int
    effective_date: dt.date | None
    expiry_date: dt.date | None
    notice_deadline: dt.date | None
    auto_renew: bool
    renewal_months: int | None
    notice_days: int | None
    summary: str
    parties: list[PartyOut]
    conditions: list[ConditionOut]
    updated_at: dt.datetime

    @staticmethod
    def resolve_parties(obj: Agreement) -> list:
        return list(obj.parties.all())

    @staticmethod
    def resolve_conditions(obj: Agreement) -> list:
        return list(obj.conditions.all())


class AgreementPage(Schema):
    count: int
    results: list[AgreementOut]


class PartyIn(Schema):
    institution_id: int
    role: str
    reference: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    signed_on: dt.date | None = None


class ConditionIn(Schema):
    kind: str
    quantity: Decimal | None = None
    unit: str = ""
    per_quantity: Decimal | None = None
    per_unit: str = ""
    currency: str = ""
    period: str = "year"
    direction: str = "each_way"
    note: str = ""


class AgreementIn(Schema):
    type: str
    title: str
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    auto_renew: bool = False
    renewal_months: int | None = None
    notice_days: int | None = None
    summary: str = ""
    parties: list[PartyIn]
    conditions: list[ConditionIn] = []


class TransitionIn(Schema):
    action: str
    note: str = ""


def _detail(agreement_id: int) -> Agreement:
    return get_object_or_404(
        Agreement.objects.prefetch_related("parties__institution", "conditions"), pk=agreement_id
    )


@router.get("", response=AgreementPage, summary="List agreements")
def list_agreements(
    request: HttpRequest,
    status: str = "",
    type: str = "",
    q: str = "",
    limit: int = 50,
    offset: int = 0,
):
    check_perm(request.user, "agreements.view_agreement")
    qs = queries.agreements_for_list({"status": status, "type": type, "q": q}).prefetch_related(
        "parties__institution", "conditions"
    )
    limit = max(1, min(limit, 500))
    return {"count": qs.count(), "results": list(qs[offset : offset + limit])}


@router.get("/{int:agreement_id}", response=AgreementOut, summary="One agreement")
def get_agreement(request: HttpRequest, agreement_id: int):
    check_perm(request.user, "agreements.view_agreement")
    return _detail(agreement_id)


@router.post("", response={201: AgreementOut}, summary="Create an agreement (as a draft)")
def create_agreement(request: HttpRequest, payload: AgreementIn):
    check_perm(request.user, "agreements.add_agreement")
    data = payload.dict()
    parties = []
    for party in data.pop("parties"):
        party["institution"] = get_object_or_404(Institution, pk=party.pop("institution_id"))
        parties.append(party)
    conditions = data.pop("conditions")
    agreement = services.create_agreement(
        request.user, {**data, "owner": request.user}, parties, conditions
    )
    return 201, _detail(agreement.pk)


@router.post(
    "/{int:agreement_id}/transition", response=AgreementOut, summary="Change an agreement's status"
)
def transition_agreement(request: HttpRequest, agreement_id: int, payload: TransitionIn):
    check_perm(request.user, "agreements.transition_agreement")
    agreement = get_object_or_404(Agreement, pk=agreement_id)
    services.transition_agreement(request.user, agreement, payload.action, payload.note)
    return _detail(agreement_id)
