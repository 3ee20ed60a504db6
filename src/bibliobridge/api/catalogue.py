"""The union catalogue in the API: search, and who holds a manifestation (for ILL routing)."""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from bibliobridge.catalog import queries, searching
from bibliobridge.catalog.models import Record
from bibliobridge.core.access import check_perm

router = Router(tags=["catalogue"])
MAX_PAGE_SIZE = 100


class HoldingOut(Schema):
    location: str = ""
    call_number: str = ""
    summary: str = ""
    note: str = ""


class RecordOut(Schema):
    id: int
    local_id: str
    title: str
    title_vernacular: str
    year: int | None
    edition: str
    isbns: list[str]
    holdings: list[HoldingOut]

    @staticmethod
    def resolve_isbns(obj: Record) -> list[str]:
        return [isbn["value"] for isbn in obj.isbns]


class HolderOut(Schema):
    institution_id: int
    name: str
    country: str
    records: list[RecordOut]


class ClusterOut(Schema):
    id: int
    title: str
    year: int | None
    holder_count: int
    holders: list[HolderOut]


class HeldOut(ClusterOut):
    confidence: float
    reason: str


class SearchOut(Schema):
    total: int
    page: int
    page_size: int
    results: list[ClusterOut]
    facets: dict[str, list[tuple[str, int]]]


class SearchIn(Schema):
    q: str = ""
    title: str = ""
    name: str = ""
    subject: str = ""
    isbn: str = ""
    issn: str = ""
    oclc: str = ""
    year_from: int | None = None
    year_to: int | None = None
    language: str = ""
    holder: int | None = None
    country: str = ""
    page: int = 1
    page_size: int = 20


class WhoHoldsIn(Schema):
    isbn: str = ""
    issn: str = ""
    oclc: str = ""
    title: str = ""
    name: str = ""
    year: int | None = None


def _holders(records_by_holder) -> list[dict]:
    return [
        {
            "institution_id": institution.pk,
            "name": str(institution),
            "country": institution.country,
            "records": records,
        }
        for institution, records in records_by_holder
    ]


@router.get("/search", response=SearchOut, summary="Search the union catalogue")
def search_catalogue(request: HttpRequest, filters: Query[SearchIn]):
    check_perm(request.user, "catalog.view_record")
    values = filters.dict()
    page, size = max(values.pop("page"), 1), min(max(values.pop("page_size"), 1), MAX_PAGE_SIZE)
    found = searching.find(searching.Criteria(**values), page=page, page_size=size)
    results = []
    for hit in found.hits:
        by_holder: dict = {}
        for record in hit.records:
            by_holder.setdefault(record.holder, []).append(record)
        results.append(
            {
                "id": hit.cluster.pk,
                "title": hit.cluster.title,
                "year": hit.cluster.year,
                "holder_count": hit.cluster.holder_count,
                "holders": _holders(by_holder.items()),
            }
        )
    return {"total": found.total, "page": page, "page_size": size, "results": results,
            "facets": found.facets}  # fmt: skip


@router.get("/holdings", response=list[HeldOut], summary="Who holds it: by identifier or citation")
def who_holds(request: HttpRequest, ask: Query[WhoHoldsIn]):
    check_perm(request.user, "catalog.view_record")
    return [
        {
            "id": held.cluster.pk,
            "title": held.cluster.title,
            "year": held.cluster.year,
            "holder_count": held.cluster.holder_count,
            "confidence": held.confidence,
            "reason": held.reason,
            "holders": _holders((h.institution, h.records) for h in held.holders),
        }
        for held in queries.who_holds(**ask.dict())
    ]
