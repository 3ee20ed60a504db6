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
import functools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language
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
# rota is built far more often than that); the rest of its standing once a minute.
TURNAROUND_CACHE, TURNAROUND_CACHE_SECONDS = "ill-rota-turnaround", 3600
STANDING_CACHE, STANDING_CACHE_SECONDS = "ill-rota-standing", 60


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
    standing = _standing()
    held_locally = standing.home_id in holders
    # A title can be held by hundreds: what is read of each partner is read for all at
    # once, in narrow queries.
    partners = list(
        Institution.objects.filter(pk__in=[pk for pk in holders if pk != standing.home_id])
        .select_related("ill_policy")
        .annotate(
            speaks_iso18626=Exists(
                Endpoint.objects.filter(institution=OuterRef("pk"), kind=EndpointKind.ISO18626)
            )
        )
        .order_by("pk")
    )
    closures = _closures([p.pk for p in partners])
    candidates, left_out = [], []
    for partner in partners:
        why_not = _why_not(partner, request, standing.home_country, closures.get(partner.pk, []))
        if why_not:
            left_out.append((partner, why_not))
            continue
        candidates.append(_ranked(partner, standing))
    candidates.sort(key=lambda c: c.rank)
    return Rota(candidates, left_out, held_locally)


@dataclass(frozen=True)
class Standing:
    """Where every partner stands with us, whatever the item: read for all partners at
    most once a minute (their speed once an hour), since rotas are built far more often
    than any of it moves."""

    home_id: int | None
    home_country: str
    reciprocal: frozenset[int]
    balance: dict[int, tuple[int, int]]  # partner → (we borrowed from it, it borrowed from us)
    turnaround: dict[int, tuple[float, int]]  # partner → (median days, of how many)

    @property
    def typical(self) -> float:
        """The median partner's speed: a partner not asked in the past year ranks as that,
        neither first nor last."""
        speeds = [days for days, _n in self.turnaround.values()]
        return statistics.median(speeds) if speeds else 0.0


def _standing() -> Standing:
    standing = cache.get(STANDING_CACHE)
    if standing is None:
        home = Institution.objects.filter(is_home=True).first()
        standing = Standing(
            home_id=home.pk if home else None,
            home_country=home.country if home else "",
            reciprocal=frozenset(_reciprocal(home)),
            balance=_balance(),
            turnaround=_turnaround(),
        )
        cache.set(STANDING_CACHE, standing, STANDING_CACHE_SECONDS)
    return standing


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
    partner: Institution, request: IllRequest, home_country: str, closures: list[Closure]
) -> str:
    if not getattr(partner, "speaks_iso18626", False):
        return _("no ISO 18626 service in the directory")
    policy = getattr(partner, "ill_policy", None)
    if policy is not None:
        if request.service == Service.LOAN and not policy.lends_returnables:
            return _("does not lend returnables")
        if request.service == Service.COPY and not policy.supplies_copies:
            return _("does not supply copies")
        if home_country and not policy.serves(home_country):
            return _("does not serve %(country)s") % {"country": home_country}
        if (
            request.max_cost is not None
            and policy.max_cost is not None
            and policy.max_cost_currency == request.max_cost_currency
            and policy.max_cost > request.max_cost
        ):
            return _("charges up to %(cost)s %(currency)s") % {
                "cost": policy.max_cost, "currency": policy.max_cost_currency
            }  # fmt: skip
    day = partner.local_date() if closures else None
    for closure in closures:
        if day is not None and closure.start <= day <= closure.end:
            return _("closed until %(date)s") % {"date": closure.end.isoformat()}
    return ""


@functools.cache
def _wording(language: str) -> dict[str, str]:
    """The reasons' wording in one language, looked up once, not once per partner."""
    del language  # the cache key: gettext answers in the active language
    return {
        "reciprocal": _("reciprocal ILL agreement in effect"),
        "free": _("free or reciprocal"),
        "charges": _("charges up to %(cost)s %(currency)s"),
        "speed": _("supplied in %(days)s days (the median of %(count)s in the past year)"),
        "no_speed": _("nothing supplied in the past year to judge its speed by"),
        "balance": _("we borrowed %(borrowed)s from it, lent it %(lent)s"),
    }


def _ranked(partner: Institution, standing: Standing) -> Candidate:
    candidate = Candidate(partner)
    say = _wording(get_language() or "")
    reciprocal = partner.pk in standing.reciprocal
    turnaround = standing.turnaround.get(partner.pk)
    policy = getattr(partner, "ill_policy", None)
    methods = policy.payment_methods if policy is not None else []
    free = PaymentMethod.FREE in methods
    cost = policy.max_cost if policy is not None and policy.max_cost is not None else Decimal(0)
    borrowed, lent = standing.balance.get(partner.pk, (0, 0))
    if reciprocal:
        candidate.reasons.append(say["reciprocal"])
    if free:
        candidate.reasons.append(say["free"])
    elif cost:
        currency = policy.max_cost_currency if policy else ""
        candidate.reasons.append(say["charges"] % {"cost": cost, "currency": currency})
    if turnaround is not None:
        days, count = turnaround
        candidate.reasons.append(say["speed"] % {"days": f"{days:.1f}", "count": count})
    else:
        candidate.reasons.append(say["no_speed"])
    candidate.reasons.append(say["balance"] % {"borrowed": borrowed, "lent": lent})
    speed = turnaround[0] if turnaround is not None else standing.typical
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


def _turnaround() -> dict[int, tuple[float, int]]:
    """Per partner: the median days from our asking it to its supplying, over the past
    year, and how many loans and copies that is (worked out at most once an hour)."""
    every = cache.get(TURNAROUND_CACHE)
    if every is None:
        every = _every_turnaround()
        cache.set(TURNAROUND_CACHE, every, TURNAROUND_CACHE_SECONDS)
    return every


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


def _balance() -> dict[int, tuple[int, int]]:
    """Per partner: requests we borrowed from it and requests it borrowed from us."""
    rows = (
        IllRequest.objects.filter(partner__isnull=False)
        .values("partner")
        .annotate(
            borrowed=Count("id", filter=Q(role=Role.REQUESTER)),
            lent=Count("id", filter=Q(role=Role.SUPPLIER)),
        )
    )
    return {row["partner"]: (row["borrowed"], row["lent"]) for row in rows}
