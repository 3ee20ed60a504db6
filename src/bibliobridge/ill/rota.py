"""Who to ask, in which order: holders from the union catalogue, sifted and ranked.

1. Holders: ``catalog.queries.who_holds`` by ISBN, ISSN or OCLC number, else by title and
   author (a title match below MIN_CONFIDENCE is not trusted). Our own library among them
   means the item is held locally: staff see it before asking anyone.
2. Sifted by each partner's directory entry: an ISO 18626 service to send to; lends
   returnables (a loan) or supplies copies (a copy); serves our country; not closed today
   in its own time zone; charges no more than the request's maximum cost.
3. Ranked: a reciprocal ILL agreement in effect first; then free or reciprocal payment
   before charged, the lower charge first; then the quicker partner (the median time from
   asking it to its supplying, over the past year); then the partner we have borrowed less
   from against what we lent it (its load). Every candidate keeps the reasons for its
   place, and every partner left out keeps why.
"""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bibliobridge.agreements.enums import AgreementStatus, AgreementType
from bibliobridge.agreements.models import AgreementParty
from bibliobridge.catalog.queries import who_holds
from bibliobridge.partners.enums import EndpointKind, PaymentMethod
from bibliobridge.partners.models import Closure, Endpoint, Institution

from .enums import Role, Service
from .models import IllRequest, RotaEntry

MIN_CONFIDENCE = 0.8
TURNAROUND_WINDOW = dt.timedelta(days=365)  # a partner's speed is judged on the past year
# Every partner's speed is worked out at most once an hour (it moves by the day, and a
# rota is built far more often than that).
TURNAROUND_CACHE, TURNAROUND_CACHE_SECONDS = "ill-rota-turnaround", 3600


@dataclass
class Candidate:
    institution: Institution
    reasons: list[str] = field(default_factory=list)
    rank: tuple = ()

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class Rota:
    candidates: list[Candidate]
    left_out: list[tuple[Institution, str]]
    held_locally: bool


def build(request: IllRequest) -> Rota:
    """The ranked candidates for a borrowing request (nothing is saved)."""
    year = next((int(p) for p in request.date.split() if p.isdigit() and len(p) == 4), None)
    held = who_holds(
        isbn=request.isbn, issn=request.issn, oclc=request.oclc_number,
        title=request.title if not (request.isbn or request.issn or request.oclc_number) else "",
        name=request.author, year=year,
    )  # fmt: skip
    holders: dict[int, Institution] = {}
    for match in held:
        if match.confidence >= MIN_CONFIDENCE:
            for holder in match.holders:
                holders.setdefault(holder.institution.pk, holder.institution)
    home = Institution.objects.filter(is_home=True).first()
    held_locally = home is not None and home.pk in holders
    partners = list(
        Institution.objects.filter(pk__in=[pk for pk in holders if not home or pk != home.pk])
        .select_related("ill_policy")
        .order_by("pk")
    )
    ids = [p.pk for p in partners]
    # A title can be held by hundreds: what is read of each partner is read for all at
    # once, in narrow queries.
    directory = Directory(
        speaks_iso18626=set(
            Endpoint.objects.filter(institution_id__in=ids, kind=EndpointKind.ISO18626).values_list(
                "institution_id", flat=True
            )
        ),
        closures=_closures(ids),
    )
    reciprocal = _reciprocal(home)
    balance = _balance(ids)
    turnaround = _turnaround(ids)
    # A partner not asked in the past year ranks as a typical one, neither first nor last.
    typical = statistics.median(days for days, _n in turnaround.values()) if turnaround else 0.0
    candidates, left_out = [], []
    for partner in partners:
        why_not = _why_not(partner, request, home, directory)
        if why_not:
            left_out.append((partner, why_not))
            continue
        candidates.append(
            _ranked(partner, partner.pk in reciprocal, balance.get(partner.pk),
                    turnaround.get(partner.pk), typical)
        )  # fmt: skip
    candidates.sort(key=lambda c: c.rank)
    return Rota(candidates, left_out, held_locally)


@dataclass
class Directory:
    """What the directory says of the holders besides their policies."""

    speaks_iso18626: set[int]
    closures: dict[int, list[Closure]]


def _closures(partner_ids: list[int]) -> dict[int, list[Closure]]:
    """Per partner, its closures that may cover today somewhere in the world."""
    today = timezone.now().date()
    near = Closure.objects.filter(
        institution_id__in=partner_ids,
        start__lte=today + dt.timedelta(days=1),
        end__gte=today - dt.timedelta(days=1),
    )
    found: dict[int, list[Closure]] = defaultdict(list)
    for closure in near:
        found[closure.institution_id].append(closure)
    return found


def _why_not(
    partner: Institution, request: IllRequest, home: Institution | None, directory: Directory
) -> str:
    if partner.pk not in directory.speaks_iso18626:
        return _("no ISO 18626 service in the directory")
    policy = getattr(partner, "ill_policy", None)
    if policy is not None:
        if request.service == Service.LOAN and not policy.lends_returnables:
            return _("does not lend returnables")
        if request.service == Service.COPY and not policy.supplies_copies:
            return _("does not supply copies")
        if home is not None and not policy.serves(home.country):
            return _("does not serve %(country)s") % {"country": home.country}
        if (
            request.max_cost is not None
            and policy.max_cost is not None
            and policy.max_cost_currency == request.max_cost_currency
            and policy.max_cost > request.max_cost
        ):
            return _("charges up to %(cost)s %(currency)s") % {
                "cost": policy.max_cost, "currency": policy.max_cost_currency
            }  # fmt: skip
    closures = directory.closures.get(partner.pk, [])
    day = partner.local_date() if closures else None
    for closure in closures:
        if day is not None and closure.start <= day <= closure.end:
            return _("closed until %(date)s") % {"date": closure.end.isoformat()}
    return ""


def _ranked(
    partner: Institution,
    reciprocal: bool,
    balance: tuple[int, int] | None,
    turnaround: tuple[float, int] | None,
    typical: float,
) -> Candidate:
    candidate = Candidate(partner)
    policy = getattr(partner, "ill_policy", None)
    methods = policy.payment_methods if policy is not None else []
    free = PaymentMethod.FREE in methods
    cost = policy.max_cost if policy is not None and policy.max_cost is not None else Decimal(0)
    borrowed, lent = balance or (0, 0)
    if reciprocal:
        candidate.reasons.append(_("reciprocal ILL agreement in effect"))
    if free:
        candidate.reasons.append(_("free or reciprocal"))
    elif cost:
        candidate.reasons.append(
            _("charges up to %(cost)s %(currency)s")
            % {"cost": cost, "currency": policy.max_cost_currency if policy else ""}
        )
    if turnaround is not None:
        days, count = turnaround
        candidate.reasons.append(
            _("supplied in %(days)s days (the median of %(count)s in the past year)")
            % {"days": f"{days:.1f}", "count": count}
        )
    else:
        candidate.reasons.append(_("nothing supplied in the past year to judge its speed by"))
    candidate.reasons.append(
        _("we borrowed %(borrowed)s from it, lent it %(lent)s")
        % {"borrowed": borrowed, "lent": lent}
    )
    speed = turnaround[0] if turnaround is not None else typical
    candidate.rank = (not reciprocal, not free, cost, speed, borrowed - lent, partner.pk)
    return candidate


def reciprocal_partners() -> set[int]:
    """Partners sharing a reciprocal ILL agreement in effect with our library."""
    return _reciprocal(Institution.objects.filter(is_home=True).first())


def _reciprocal(home: Institution | None) -> set[int]:
    """Partners sharing a reciprocal ILL agreement in effect with our library."""
    if home is None:
        return set()
    ours = AgreementParty.objects.filter(
        institution=home,
        agreement__type=AgreementType.ILL_RECIPROCAL,
        agreement__status=AgreementStatus.IN_EFFECT,
    ).values("agreement")
    return set(
        AgreementParty.objects.filter(agreement__in=ours)
        .exclude(institution=home)
        .values_list("institution_id", flat=True)
    )


def _turnaround(partner_ids: list[int]) -> dict[int, tuple[float, int]]:
    """Per partner: the median days from our asking it to its supplying, over the past
    year, and how many loans and copies that is."""
    every = cache.get(TURNAROUND_CACHE)
    if every is None:
        every = _every_turnaround()
        cache.set(TURNAROUND_CACHE, every, TURNAROUND_CACHE_SECONDS)
    return {pk: every[pk] for pk in partner_ids if pk in every}


def _every_turnaround() -> dict[int, tuple[float, int]]:
    since = timezone.now() - TURNAROUND_WINDOW
    waited = ExpressionWrapper(
        F("request__supplied_at") - F("asked_at"), output_field=DurationField()
    )
    supplied = (
        RotaEntry.objects.filter(
            outcome=RotaEntry.Outcome.SUPPLIED,
            asked_at__gte=since,
            request__supplied_at__isnull=False,
        )
        .annotate(waited=waited)
        .values_list("institution_id", "waited")
    )
    days: dict[int, list[float]] = defaultdict(list)
    for partner_id, duration in supplied:
        days[partner_id].append(max(duration.total_seconds(), 0) / 86400)
    return {pk: (statistics.median(values), len(values)) for pk, values in days.items()}


def _balance(partner_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per partner: requests we borrowed from it and requests it borrowed from us."""
    rows = (
        IllRequest.objects.filter(partner_id__in=partner_ids)
        .values("partner")
        .annotate(
            borrowed=Count("id", filter=Q(role=Role.REQUESTER)),
            lent=Count("id", filter=Q(role=Role.SUPPLIER)),
        )
    )
    return {row["partner"]: (row["borrowed"], row["lent"]) for row in rows}
