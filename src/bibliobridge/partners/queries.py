"""Reusable reads of the partner directory."""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from bibliobridge.core.enums import choice_label

from .enums import InstitutionKind
from .models import Identifier, Institution, name_for_reader
from .search import search_terms


def institutions_for_list(
    *, q: str = "", country: str = "", kind: str = "", tag: str = "", has_agreement: str = ""
) -> QuerySet[Institution]:
    """The partners matching the filters, identifiers and tags preloaded (constant queries).

    As model instances, for the API; the list page shows listed_partners().
    """
    return filtered_institutions(
        q=q, country=country, kind=kind, tag=tag, has_agreement=has_agreement
    ).prefetch_related(
        Prefetch("identifiers", queryset=Identifier.objects.order_by("scheme", "value")), "tags"
    )


def filtered_institutions(
    *, q: str = "", country: str = "", kind: str = "", tag: str = "", has_agreement: str = ""
) -> QuerySet[Institution]:
    """The partners matching the list's filters, in the list's order."""
    # Agreements build on partners, not the reverse, so their model is looked up by name.
    party = apps.get_model("agreements", "AgreementParty")
    qs = Institution.objects.filter(is_home=False)
    # A filter only: the flag shown on each row is set for the page alone (listed_partners).
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
    return qs.order_by("name_en", "name", "pk")


@dataclass
class ListedPartner:
    """A row of the partner list: the values it shows, not an Institution.

    Fifty institutions with their identifiers and tags prefetched as model instances
    cost several times as much Python as these rows, for the same page.
    """

    pk: int
    name: str
    name_zh: str
    name_en: str
    kind: str
    country: str
    identifiers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    has_agreement: bool = False
    # The institution page's address, which the view knows.
    url: str = ""

    def display_name(self) -> str:
        return name_for_reader(self.name, self.name_zh, self.name_en)

    def kind_label(self) -> str:
        return choice_label(InstitutionKind, self.kind)


def listed_partners(institutions: QuerySet[Institution]) -> list[ListedPartner]:
    """One page of filtered_institutions() as rows, in four queries whatever its size.

    ``has_agreement`` is looked up for the page's rows only: as an annotation over the
    whole list, PostgreSQL hashes every party of every agreement for each page (15–30 ms
    at 40,000 parties).
    """
    rows = [
        ListedPartner(*values)
        for values in institutions.values_list(
            "pk", "name", "name_zh", "name_en", "kind", "country"
        )
    ]
    by_pk = {row.pk: row for row in rows}
    identifiers = Identifier.objects.filter(institution_id__in=by_pk).order_by("scheme", "value")
    for pk, value in identifiers.values_list("institution_id", "value"):
        by_pk[pk].identifiers.append(value)
    tagged = Institution.tags.through.objects.filter(institution_id__in=by_pk)
    for pk, name in tagged.order_by("tag__name").values_list("institution_id", "tag__name"):
        by_pk[pk].tags.append(name)
    party = apps.get_model("agreements", "AgreementParty")
    bound = party.objects.filter(institution_id__in=by_pk).order_by()
    for pk in set(bound.values_list("institution_id", flat=True)):
        by_pk[pk].has_agreement = True
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


# From this many agreements on, an institution's first agreements are found by walking
# all agreements in their order (our own library takes part in every one of them).
WALK_AGREEMENTS_FROM = 1000


def agreement_parties_of(institution: Institution, total: int, limit: int) -> list:
    """The institution's first ``limit`` parts in agreements by the agreement's status and
    expiry date; ``total``: how many it has. Through the reverse relation (no import of
    the agreements app, which builds on this one)."""
    parties = institution.agreement_parties.select_related("agreement")
    if total < WALK_AGREEMENTS_FROM:
        return list(parties.order_by("agreement__status", "agreement__expiry_date")[:limit])
    # Reading and sorting twenty thousand parts to show twenty took most of the page; the
    # agreements' (status, expiry date) index gives them in order, and nearly every one
    # of them is this institution's.
    party = parties.model
    agreement = party._meta.get_field("agreement").related_model
    first = list(
        agreement.objects.filter(
            Exists(party.objects.filter(agreement=OuterRef("pk"), institution=institution))
        )
        .order_by("status", "expiry_date")
        .values_list("pk", flat=True)[:limit]
    )
    # Unordered, so that SQLite looks them up by (agreement, institution), not by
    # reading all of the institution's parts in id order.
    found = {p.agreement_id: p for p in parties.filter(agreement_id__in=first).order_by()}
    return [found[pk] for pk in first]
