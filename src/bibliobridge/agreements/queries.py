"""Reusable reads of agreements. No writes here."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast, Substr

from bibliobridge.core.enums import choice_label
from bibliobridge.core.models import User
from bibliobridge.partners.models import Institution, name_for_reader
from bibliobridge.partners.search import search_terms

from .enums import AgreementStatus, AgreementType, DeadlineKind, PartyRole
from .models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    AgreementVersion,
    Condition,
    notice_date_of,
)


class Deadline(NamedTuple):
    agreement: Agreement
    kind: str
    date: dt.date
    days_left: int

    @property
    def kind_label(self) -> str:
        return str(DeadlineKind(self.kind).label)


def _parties_prefetch() -> Prefetch:
    # Institutions by a second query, not a join: joined, PostgreSQL hashes every
    # institution (8 ms at 5,000) to find the few a page of agreements names.
    return Prefetch(
        "parties", queryset=AgreementParty.objects.prefetch_related("institution").order_by("id")
    )


def agreements_for_list(filters: dict[str, Any] | None = None) -> QuerySet[Agreement]:
    """The agreements matching the filters, owners and parties preloaded (constant queries).

    As model instances, for the exports and the API; the list page shows
    listed_agreements(). filters: as filtered_agreements().
    """
    return (
        filtered_agreements(filters).select_related("owner").prefetch_related(_parties_prefetch())
    )


def filtered_agreements(filters: dict[str, Any] | None = None) -> QuerySet[Agreement]:
    """The agreements matching the list's filters, most recently changed first.

    filters: q (title or party name), type, status, country (a party's), expiring_within
    (days, live agreements only) and today (for expiring_within; default today).
    """
    filters = filters or {}
    qs = Agreement.objects.all()
    if filters.get("type"):
        qs = qs.filter(type=filters["type"])
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("country"):
        qs = qs.filter(
            Exists(
                # A partner's country: our own library's does not count.
                AgreementParty.objects.filter(
                    agreement=OuterRef("pk"),
                    institution__country=filters["country"].upper(),
                    institution__is_home=False,
                )
            )
        )
    for term in search_terms(filters.get("q") or ""):
        # A set of agreement ids computed once per term, rather than a subquery per row.
        party_match = AgreementParty.objects.filter(
            institution__in=Institution.objects.filter(search_text__contains=term)
        ).values("agreement_id")
        qs = qs.filter(Q(title__icontains=term) | Q(pk__in=party_match))
    within = filters.get("expiring_within")
    if within not in (None, ""):
        today = filters.get("today") or dt.date.today()
        qs = qs.filter(
            status__in=AgreementStatus.live_states,
            expiry_date__gte=today,
            expiry_date__lte=today + dt.timedelta(days=int(within)),
        )
    return qs.order_by("-updated_at", "-id")


class ListedParty(NamedTuple):
    name: str
    country: str


@dataclass
class ListedAgreement:
    """A row of the agreement list: the values it shows, not an Agreement.

    Fifty agreements with their owners, parties and institutions as model instances
    took about 20 ms to build; these rows, about 5 ms (SQLite, count included).
    """

    pk: int
    title: str
    type: str
    status: str
    expiry_date: dt.date | None
    notice_days: int | None
    owner_id: int | None
    owner: str = ""
    parties: list[ListedParty] = field(default_factory=list)
    # The agreement page's address, which the view knows.
    url: str = ""

    @property
    def notice_deadline(self) -> dt.date | None:
        return notice_date_of(self.expiry_date, self.notice_days)

    def type_label(self) -> str:
        return choice_label(AgreementType, self.type)

    def status_label(self) -> str:
        return choice_label(AgreementStatus, self.status)


def listed_agreements(agreements: QuerySet[Agreement]) -> list[ListedAgreement]:
    """One page of filtered_agreements() as rows, in four queries whatever its size."""
    rows = [
        ListedAgreement(*values)
        for values in agreements.values_list(
            "pk", "title", "type", "status", "expiry_date", "notice_days", "owner_id"
        )
    ]
    owners = User.objects.only("username", "first_name", "last_name").in_bulk(
        {row.owner_id for row in rows if row.owner_id}
    )
    by_pk = {row.pk: row for row in rows}
    # Institutions by a second query, not a join: joined, PostgreSQL hashes every
    # institution (8 ms at 5,000) to find the few a page of agreements names.
    links = list(
        AgreementParty.objects.filter(agreement_id__in=by_pk)
        .order_by("id")
        .values_list("agreement_id", "institution_id")
    )
    names = {
        pk: ListedParty(name_for_reader(name, name_zh, name_en), country)
        for pk, name, name_zh, name_en, country in Institution.objects.filter(
            pk__in={institution for _agreement, institution in links}
        ).values_list("pk", "name", "name_zh", "name_en", "country")
    }
    for agreement, institution in links:
        by_pk[agreement].parties.append(names[institution])
    for row in rows:
        row.owner = str(owners[row.owner_id]) if row.owner_id else ""
    return rows


def agreement_detail(pk: int) -> Agreement:
    """One agreement with everything its page shows. Raises Agreement.DoesNotExist."""
    return (
        Agreement.objects.select_related("owner")
        .prefetch_related(
            _parties_prefetch(),
            "conditions",
            Prefetch("documents", queryset=_documents()),
            Prefetch("versions", queryset=AgreementVersion.objects.select_related("created_by")),
            "reminders",
        )
        .get(pk=pk)
    )


def _documents() -> QuerySet:
    return AgreementDocument.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")


def deadline_rows(first: dt.date, last: dt.date) -> QuerySet:
    """(agreement id, kind, date) of every deadline of a live agreement from first to last.

    Soonest first, in SQL over the two date indexes, so a page of it can be counted and
    sliced without loading the agreements; deadlines_for() turns a slice into Deadlines.
    """
    live = Agreement.objects.filter(status__in=AgreementStatus.live_states).order_by()

    def of(kind: DeadlineKind, column: str) -> QuerySet:
        return (
            live.filter(**{f"{column}__gte": first, f"{column}__lte": last})
            .annotate(
                kind=Value(kind.value, output_field=CharField()),
                day=F(column),
            )
            .values_list("pk", "kind", "day", "title")
        )

    expiry, notice = of(DeadlineKind.EXPIRY, "expiry_date"), of(DeadlineKind.NOTICE, "notice_date")
    return expiry.union(notice, all=True).order_by("day", "kind", "title", "pk")


def deadlines_for(
    rows: Iterable[tuple[int, str, dt.date, str]], today: dt.date, *, with_parties: bool = False
) -> list[Deadline]:
    """Deadlines for rows of deadline_rows(), their agreements loaded in one query (and, with
    parties, their parties and institutions in two more: the home page shows none)."""
    rows = list(rows)
    agreements = Agreement.objects.all()
    if with_parties:
        agreements = agreements.prefetch_related(_parties_prefetch())
    by_pk = agreements.in_bulk([pk for pk, *_rest in rows])
    return [Deadline(by_pk[pk], kind, day, (day - today).days) for pk, kind, day, _title in rows]


def deadlines_between(first: dt.date, last: dt.date, today: dt.date) -> list[Deadline]:
    """Every expiry and notice deadline of live agreements from first to last, by date."""
    return deadlines_for(deadline_rows(first, last), today)


def upcoming_deadline_rows(today: dt.date, within_days: int = 90) -> QuerySet:
    """deadline_rows() for the next within_days days."""
    return deadline_rows(today, today + dt.timedelta(days=within_days))


def upcoming_deadlines(today: dt.date, within_days: int = 90) -> list[Deadline]:
    """Deadlines of live agreements in the next within_days days, soonest first.

    Each item unpacks as (agreement, deadline kind, date, days left).
    """
    return deadlines_for(upcoming_deadline_rows(today, within_days), today)


def agreements_of(institution: Institution) -> QuerySet[Agreement]:
    """The agreements an institution is a party to, live ones first."""
    return (
        Agreement.objects.filter(
            Exists(AgreementParty.objects.filter(agreement=OuterRef("pk"), institution=institution))
        )
        .select_related("owner")
        .prefetch_related(_parties_prefetch())
        .order_by("status", "expiry_date", "title", "pk")
    )


CALENDAR_PAGE_SIZE = 50


@dataclass
class Month:
    start: dt.date
    deadlines: list[Deadline]
    page: Page


def _month_start(day: dt.date, plus: int = 0) -> dt.date:
    index = day.month - 1 + plus
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


@dataclass
class MonthCount:
    start: dt.date
    count: int


def deadline_counts_by_month(today: dt.date, months: int = 24) -> list[MonthCount]:
    """How many expiry and notice deadlines fall in each month from this one on.

    Counted in SQL, one GROUP BY per date column, without loading agreements.
    """
    starts = [_month_start(today, i) for i in range(months)]
    end = _month_start(today, months) - dt.timedelta(days=1)
    counts = dict.fromkeys(starts, 0)
    live = Agreement.objects.filter(status__in=AgreementStatus.live_states).order_by()
    for column in ("expiry_date", "notice_date"):
        grouped = (
            live.filter(**{f"{column}__gte": today, f"{column}__lte": end})
            # "YYYY-MM" from the ISO text of the date: native on SQLite and PostgreSQL,
            # where SQLite's TruncMonth calls back into Python for every row.
            .annotate(month=Substr(Cast(column, CharField()), 1, 7))
            .values("month")
            .annotate(n=Count("pk"))
            .values_list("month", "n")
        )
        for month, n in grouped:
            counts[dt.date(int(month[:4]), int(month[5:7]), 1)] += n
    return [MonthCount(start, counts[start]) for start in starts]


def expiry_calendar(today: dt.date, month: dt.date | None = None, page: Any = 1) -> Month:
    """One page of the deadlines falling in one month (this month unless given), soonest first."""
    start = _month_start(month or today)
    end = _month_start(start, 1) - dt.timedelta(days=1)
    shown = Paginator(deadline_rows(max(start, today), end), CALENDAR_PAGE_SIZE).get_page(page)
    return Month(start, deadlines_for(shown.object_list, today, with_parties=True), shown)


def home_institution() -> Institution | None:
    return Institution.objects.filter(is_home=True).first()


@dataclass
class VersionView:
    """An earlier version, rebuilt from its snapshot for display."""

    number: int
    fields: dict[str, Any]
    parties: list[dict[str, Any]]
    conditions: list[Condition]


def version_view(version: AgreementVersion) -> VersionView:
    content = version.content
    fields = dict(content.get("fields", {}))
    fields["type_label"] = _label(AgreementType, fields.get("type"))
    fields["status_label"] = _label(AgreementStatus, fields.get("status"))
    for name in ("effective_date", "expiry_date"):
        fields[name] = dt.date.fromisoformat(fields[name]) if fields.get(name) else None
    parties = []
    for party in content.get("parties", []):
        shown = dict(party)
        shown["role_label"] = _label(PartyRole, party.get("role"))
        shown["signed_on"] = (
            dt.date.fromisoformat(party["signed_on"]) if party.get("signed_on") else None
        )
        parties.append(shown)
    conditions = [_condition_from(data) for data in content.get("conditions", [])]
    return VersionView(version.number, fields, parties, conditions)


def _label(choices: Any, value: str | None) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _condition_from(data: dict[str, Any]) -> Condition:
    values = dict(data)
    for name in ("quantity", "per_quantity"):
        values[name] = Decimal(values[name]) if values.get(name) not in (None, "") else None
    return Condition(**values)
