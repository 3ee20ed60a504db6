import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from bibliobridge.core import vocab
from bibliobridge.core.access import check_perm
from bibliobridge.partners import queries, services
from bibliobridge.partners.models import Institution

router = Router(tags=["institutions"])


class IdentifierOut(Schema):
    scheme: str
    value: str


class InstitutionOut(Schema):
    id: int
    kind: str
    name: str
    name_zh: str
    name_en: str
    parent_id: int | None
    country: str
    region: str
    city: str
    time_zone: str
    languages: list[str]
    currencies: list[str]
    website: str
    is_active: bool
    identifiers: list[IdentifierOut]
    tags: list[str]
    updated_at: dt.datetime

    @staticmethod
    def resolve_identifiers(obj: Institution) -> list[dict]:
        return [{"scheme": i.scheme, "value": i.value} for i in obj.identifiers.all()]

    @staticmethod
    def resolve_tags(obj: Institution) -> list[str]:
        return [t.name for t in obj.tags.all()]


class InstitutionPage(Schema):
    count: int
    results: list[InstitutionOut]


class IdentifierIn(Schema):
    scheme: str = Field(..., description="isil, ror, oclc, calis or local")
    value: str


class InstitutionIn(Schema):
    kind: str
    name: str
    name_zh: str = ""
    name_en: str = ""
    parent_id: int | None = None
    country: str
    region: str = ""
    city: str = ""
    time_zone: str
    languages: list[str] = []
    currencies: list[str] = []
    website: str = ""
    notes: str = ""
    identifiers: list[IdentifierIn] = []
    tags: list[str] = []


class InstitutionPatch(Schema):
    kind: str | None = None
    name: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    country: str | None = None
    region: str | None = None
    city: str | None = None
    time_zone: str | None = None
    languages: list[str] | None = None
    currencies: list[str] | None = None
    website: str | None = None
    notes: str | None = None
    is_active: bool | None = None


def _fields(data: dict) -> dict:
    fields = dict(data)
    if "parent_id" in fields:
        parent_id = fields.pop("parent_id")
        fields["parent"] = get_object_or_404(Institution, pk=parent_id) if parent_id else None
    if fields.get("country"):
        fields["country"] = vocab.normalise_country(fields["country"])
    return fields


@router.get("", response=InstitutionPage, summary="List institutions")
def list_institutions(
    request: HttpRequest,
    q: str = "",
    country: str = "",
    kind: str = "",
    tag: str = "",
    limit: int = 50,
    offset: int = 0,
):
    check_perm(request.user, "partners.view_institution")
    qs = queries.institutions_for_list(q=q, country=country, kind=kind, tag=tag)
    limit = max(1, min(limit, 500))
    return {"count": qs.count(), "results": list(qs[offset : offset + limit])}


@router.get("/{int:institution_id}", response=InstitutionOut, summary="One institution")
def get_institution(request: HttpRequest, institution_id: int):
    check_perm(request.user, "partners.view_institution")
    return get_object_or_404(
        Institution.objects.prefetch_related("identifiers", "tags"), pk=institution_id
    )


@router.post("", response={201: InstitutionOut}, summary="Create an institution")
def create_institution(request: HttpRequest, payload: InstitutionIn):
    check_perm(request.user, "partners.add_institution")
    data = payload.dict()
    identifiers = [(i["scheme"], i["value"]) for i in data.pop("identifiers")]
    tags = data.pop("tags")
    institution = services.create_institution(
        request.user, _fields(data), identifiers=identifiers, tags=tags
    )
    return 201, institution


@router.patch("/{int:institution_id}", response=InstitutionOut, summary="Change an institution")
def update_institution(request: HttpRequest, institution_id: int, payload: InstitutionPatch):
    check_perm(request.user, "partners.change_institution")
    institution = get_object_or_404(Institution, pk=institution_id)
    services.update_institution(
        request.user, institution, _fields(payload.dict(exclude_unset=True))
    )
    return get_object_or_404(
        Institution.objects.prefetch_related("identifiers", "tags"), pk=institution_id
    )
