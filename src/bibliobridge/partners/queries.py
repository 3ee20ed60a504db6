"""Reusable reads of the partner directory."""

from collections.abc import Iterable

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from .models import Identifier, Institution
from .search import search_terms


def institutions_for_list(
    *, q: str = "", country: str = "", kind: str = "", tag: str = "", has_agreement: str = ""
) -> QuerySet[Institution]:
    """The partner list: filtered, with what each row shows preloaded (constant queries)."""
    # Agreements build on partners, not the reverse, so their model is looked up by name.
    party = apps.get_model("agreements", "AgreementParty")
    qs = Institution.objects.filter(is_home=False)
    # A filter only: the flag shown on each row is set for the page alone (mark_agreements).
    with_party = Exists(party.objects.filter(institution=OuterRef("pk")))
    for term in search_terms(q):
        qs = qs.filter(search_text__contains=term)
    if country:
        qs = qs.filter(country=country.upper())
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__name=tag)
    if has_agreement == "yes":
        qs = qs.filter(with_party)
    elif has_agreement == "no":
        qs = qs.filter(~with_party)
    return qs.prefetch_related(
        Prefetch("identifiers", queryset=Identifier.objects.order_by("scheme", "value")), "tags"
    ).order_by("name_en", "name", "pk")


def mark_agreements(institutions: Iterable[Institution]) -> list[Institution]:
    """Set ``has_agreement`` on each of one page's institutions, in one query.

    As an annotation over the whole list, PostgreSQL hashes every party of every
    agreement for each page (15–30 ms at 40,000 parties); for fifty rows it need not.
    """
    party = apps.get_model("agreements", "AgreementParty")
    rows = list(institutions)
    with_party = set(
        party.objects.filter(institution__in=[i.pk for i in rows]).values_list(
            "institution_id", flat=True
        )
    )
    for institution in rows:
        institution.has_agreement = institution.pk in with_party
    return rows


def institution_detail(pk: int) -> Institution:
    return (
        Institution.objects.select_related("parent")
        .prefetch_related(
            "identifiers",
            "names",
            "addresses",
            "contacts",
            "endpoints",
            "closures",
            "tags",
            "units",
        )
        .get(pk=pk)
    )


def partners_by_country() -> list[tuple[str, int]]:
    rows = (
        Institution.objects.filter(is_home=False, is_active=True)
        .values("country")
        .annotate(n=Count("pk"))
        .order_by("-n", "country")
    )
    return [(row["country"], row["n"]) for row in rows]


def used_countries() -> list[str]:
    return list(
        Institution.objects.filter(is_home=False)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def home_institution() -> Institution | None:
    return Institution.objects.filter(is_home=True).first()


def find_by_identifier(scheme: str, value: str) -> Institution | None:
    return Institution.objects.filter(identifiers__scheme=scheme, identifiers__value=value).first()


def agreement_parties_of(institution: Institution) -> QuerySet:
    """The institution's part in agreements, through the reverse relation (no import of
    the agreements app, which builds on this one)."""
    return institution.agreement_parties.select_related("agreement").order_by(
        "agreement__status", "agreement__expiry_date"
    )
