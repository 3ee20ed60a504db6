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

What a rota reads of every partner (its directory entry, closures near today, agreements,
speed and load) is its ``Standing``, read at most once a minute (the speed once an hour)
and at once again when a policy, endpoint or closure is saved; each partner's place and
reasons are worked out once per standing and language. A rota then costs ``who_holds``
and a loop over the holders.
"""

import datetime as dt
import functools
import statistics
import time
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bibliobridge.agreements.enums import AgreementStatus, AgreementType
from bibliobridge.agreements.models import AgreementParty
from bibliobridge.catalog.queries import who_holds
from bibliobridge.partners.enums import EndpointKind, PaymentMethod
from bibliobridge.partners.models import Closure, Endpoint, IllPolicy, Institution

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
    # A title can be held by hundreds: what the rota reads of each partner is read for
    # all partners at once with the standing.
    partners = sorted(pk for pk in holders if pk != standing.home_id)
    closures = standing.closures
    ranks = _ranks(standing, get_language() or "")
    candidates, left_out = [], []
    for pk in partners:
        lender = standing.lenders.get(pk, NOT_A_LENDER)
        why_not = _why_not(lender, request, standing.home_country, closures.get(pk, []))
        if why_not:
            left_out.append((holders[pk], why_not))
            continue
        rank, reasons = ranks.get(pk) or _ranked(pk, lender, standing, ranks.say)
        candidates.append(Candidate(holders[pk], list(reasons), rank))
    candidates.sort(key=lambda c: c.rank)
    return Rota(candidates, left_out, held_locally)


class Lender(NamedTuple):
    """What the rota reads of a partner as a lender, whatever the item: its ISO 18626
    service and its ILL policy (none: no limits)."""

    speaks_iso18626: bool
    lends_returnables: bool = True
    supplies_copies: bool = True
    countries_served: frozenset[str] = frozenset()  # empty: every country
    free: bool = False
    max_cost: Decimal | None = None
    max_cost_currency: str = ""

    def serves(self, country: str) -> bool:
        return not self.countries_served or country in self.countries_served


NOT_A_LENDER = Lender(speaks_iso18626=False)


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
    lenders: dict[int, Lender]  # partners with an ISO 18626 service or an ILL policy
    closures: dict[int, list[tuple[dt.date, dt.date, str]]]  # partner → near today's
    read_at: float = 0.0  # when: what is worked out from it is kept under this

    @functools.cached_property
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
            lenders=_lenders(),
            closures=_closures(),
            read_at=time.time(),
        )
        cache.set(STANDING_CACHE, standing, STANDING_CACHE_SECONDS)
    return standing


def _lenders() -> dict[int, Lender]:
    speaking = set(
        Endpoint.objects.filter(kind=EndpointKind.ISO18626).values_list("institution_id", flat=True)
    )
    lenders = {pk: Lender(speaks_iso18626=True) for pk in speaking}
    policies = IllPolicy.objects.values_list(
        "institution_id", "lends_returnables", "supplies_copies", "countries_served",
        "payment_methods", "max_cost", "max_cost_currency",
    )  # fmt: skip
    for pk, returnables, copies, countries, methods, cost, currency in policies:
        lenders[pk] = Lender(
            pk in speaking, returnables, copies, frozenset(countries or ()),
            PaymentMethod.FREE in (methods or ()), cost, currency,
        )  # fmt: skip
    return lenders


def forget_standing(**_kwargs: object) -> None:
    """A partner's ILL policy, endpoints or closures changed: the next rota reads the
    standing again (in this process at once; in others within STANDING_CACHE_SECONDS)."""
    cache.delete(STANDING_CACHE)


def _closures() -> dict[int, list[tuple[dt.date, dt.date, str]]]:
    """Per partner, its closures that may cover today somewhere in the world, or tomorrow
    (the standing is kept a minute): (from, until, the partner's time zone)."""
    today = timezone.now().date()
    near = Closure.objects.filter(
        start__lte=today + dt.timedelta(days=2),
        end__gte=today - dt.timedelta(days=1),
    ).values_list("institution_id", "start", "end", "institution__time_zone")
    found: dict[int, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
    for pk, start, end, zone in near:
        found[pk].append((start, end, zone))
    return found


def _why_not(
    lender: Lender,
    request: IllRequest,
    home_country: str,
    closures: list[tuple[dt.date, dt.date, str]],
) -> str:
    if not lender.speaks_iso18626:
        return _("no ISO 18626 service in the directory")
    if request.service == Service.LOAN and not lender.lends_returnables:
        return _("does not lend returnables")
    if request.service == Service.COPY and not lender.supplies_copies:
        return _("does not supply copies")
    if home_country and not lender.serves(home_country):
        return _("does not serve %(country)s") % {"country": home_country}
    if (
        request.max_cost is not None
        and lender.max_cost is not None
        and lender.max_cost_currency == request.max_cost_currency
        and lender.max_cost > request.max_cost
    ):
        return _("charges up to %(cost)s %(currency)s") % {
            "cost": lender.max_cost, "currency": lender.max_cost_currency
        }  # fmt: skip
    for start, end, zone in closures:
        if start <= timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date() <= end:
            return _("closed until %(date)s") % {"date": end.isoformat()}
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


class _Ranks(dict):
    """Each partner's place and reasons as a lender (they depend on its standing alone),
    worked out once per standing and language in this process."""

    def __init__(self, standing: Standing, language: str) -> None:
        super().__init__()
        self.key = (standing.read_at, language)
        self.say = _wording(language)
        for pk, lender in standing.lenders.items():
            self[pk] = _ranked(pk, lender, standing, self.say)


_known_ranks: list[_Ranks] = []


def _ranks(standing: Standing, language: str) -> _Ranks:
    for ranks in _known_ranks:
        if ranks.key == (standing.read_at, language):
            return ranks
    ranks = _Ranks(standing, language)
    _known_ranks[:] = [*_known_ranks[-3:], ranks]  # the current standing, in a few languages
    return ranks


def _ranked(
    pk: int, lender: Lender, standing: Standing, say: dict[str, str]
) -> tuple[tuple, tuple[str, ...]]:
    """The partner's place among lenders (the sort key) and the reasons for it."""
    reciprocal = pk in standing.reciprocal
    turnaround = standing.turnaround.get(pk)
    cost = lender.max_cost or Decimal(0)
    borrowed, lent = standing.balance.get(pk, (0, 0))
    reasons = []
    if reciprocal:
        reasons.append(say["reciprocal"])
    if lender.free:
        reasons.append(say["free"])
    elif cost:
        reasons.append(say["charges"] % {"cost": cost, "currency": lender.max_cost_currency})
    if turnaround is not None:
        days, count = turnaround
        reasons.append(say["speed"] % {"days": f"{days:.1f}", "count": count})
    else:
        reasons.append(say["no_speed"])
    reasons.append(say["balance"] % {"borrowed": borrowed, "lent": lent})
    speed = turnaround[0] if turnaround is not None else standing.typical
    return (not reciprocal, not lender.free, cost, speed, borrowed - lent, pk), tuple(reasons)


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
