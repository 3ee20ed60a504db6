"""Reusable reads of agreements. No writes here."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet

from bibliobridge.partners.models import Institution
from bibliobridge.partners.search import search_terms

from .enums import AgreementStatus, AgreementType, DeadlineKind, PartyRole
from .models import Agreement, AgreementDocument, AgreementParty, AgreementVersion, Condition


class Deadline(NamedTuple):
    agreement: Agreement
    kind: str
    date: dt.date
    days_left: int

    @property
    def kind_label(self) -> str:
        return str(DeadlineKind(self.kind).label)


def _parties_prefetch() -> Prefetch:
    return Prefetch(
        "parties", queryset=AgreementParty.objects.select_related("institution").order_by("id")
    )


def agreements_for_list(filters: dict[str, Any] | None = None) -> QuerySet[Agreement]:
    """The agreement list, filtered, with each row's parties preloaded (constant queries).

    filters: q (title or party name), type, status, country (a party's), expiring_within
    (days, live agreements only) and today (for expiring_within; default today).
    """
    filters = filters or {}
    qs = Agreement.objects.select_related("owner").prefetch_related(_parties_prefetch())
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
        party_match = AgreementParty.objects.filter(
            agreement=OuterRef("pk"), institution__search_text__contains=term
        )
        qs = qs.filter(Q(title__icontains=term) | Exists(party_match))
    within = filters.get("expiring_within")
    if within not in (None, ""):
        today = filters.get("today") or dt.date.today()
        qs = qs.filter(
            status__in=AgreementStatus.live_states,
            expiry_date__gte=today,
            expiry_date__lte=today + dt.timedelta(days=int(within)),
        )
    return qs.order_by("-updated_at", "-id")


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


def _live_with_deadlines(first: dt.date, last: dt.date) -> QuerySet[Agreement]:
    """Live agreements that may have a deadline between first and last.

    A notice deadline lies notice_days before expiry, so expiry may be later than last
    by at most the longest notice period.
    """
    live = Agreement.objects.filter(
        status__in=AgreementStatus.live_states, expiry_date__isnull=False
    )
    longest_notice = live.aggregate(longest=Max("notice_days"))["longest"] or 0
    return (
        live.filter(
            expiry_date__gte=first, expiry_date__lte=last + dt.timedelta(days=longest_notice)
        )
        .select_related("owner")
        .prefetch_related(_parties_prefetch())
    )


def deadlines_between(first: dt.date, last: dt.date, today: dt.date) -> list[Deadline]:
    """Every expiry and notice deadline of live agreements from first to last, by date."""
    found = [
        Deadline(agreement, kind, day, (day - today).days)
        for agreement in _live_with_deadlines(first, last)
        for kind, day in agreement.deadlines()
        if first <= day <= last
    ]
    return sorted(found, key=lambda d: (d.date, d.kind, d.agreement.title, d.agreement.pk))


def upcoming_deadlines(today: dt.date, within_days: int = 90) -> list[Deadline]:
    """Deadlines of live agreements in the next within_days days, soonest first.

    Each item unpacks as (agreement, deadline kind, date, days left).
    """
    return deadlines_between(today, today + dt.timedelta(days=within_days), today)


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


@dataclass
class Month:
    start: dt.date
    deadlines: list[Deadline]


def _month_start(day: dt.date, plus: int = 0) -> dt.date:
    index = day.month - 1 + plus
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


@dataclass
class MonthCount:
    start: dt.date
    count: int


def deadline_counts_by_month(today: dt.date, months: int = 24) -> list[MonthCount]:
    """How many expiry and notice deadlines fall in each month from this one on.

    Counted from two columns, without loading agreements, so the overview stays fast
    with tens of thousands of agreements.
    """
    starts = [_month_start(today, i) for i in range(months)]
    end = _month_start(today, months) - dt.timedelta(days=1)
    counts = dict.fromkeys(starts, 0)
    live = Agreement.objects.filter(status__in=AgreementStatus.live_states, expiry_date__gte=today)
    for expiry, notice_days in live.values_list("expiry_date", "notice_days").iterator():
        days = [expiry] + ([expiry - dt.timedelta(days=notice_days)] if notice_days else [])
        for day in days:
            if today <= day <= end:
                counts[_month_start(day)] += 1
    return [MonthCount(start, counts[start]) for start in starts]


def expiry_calendar(today: dt.date, month: dt.date | None = None) -> Month:
    """The deadlines falling in one month (this month unless given), soonest first."""
    start = _month_start(month or today)
    end = _month_start(start, 1) - dt.timedelta(days=1)
    return Month(start, deadlines_between(max(start, today), end, today))


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
