"""Reads of the union catalogue: records, clusters, and who holds a manifestation."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from rapidfuzz.distance import Indel

from bibliobridge.partners.models import Institution

from .enums import RecordStatus
from .marc.normalise import isbn13
from .marc.record import Flavour, Kind, NormalisedRecord
from .matching import match_keys
from .models import Cluster, MatchKey, Record
from .text import fold

# Candidates compared for a title look-up; identifiers need no comparison.
MAX_TITLE_CANDIDATES = 200
# A citation answered at least this well is a match.
CITATION_THRESHOLD = 0.8


def active_records() -> QuerySet[Record]:
    return Record.objects.filter(status=RecordStatus.ACTIVE)


def record_detail(pk: int) -> Record:
    """One record with its holder and cluster. Raises Record.DoesNotExist."""
    return Record.objects.select_related("holder", "cluster").get(pk=pk)


def cluster_detail(pk: int) -> Cluster:
    """A cluster with its held records and their holders. Raises Cluster.DoesNotExist."""
    members = active_records().select_related("holder").defer("raw").order_by("holder__name", "pk")
    return Cluster.objects.prefetch_related(Prefetch("records", queryset=members)).get(pk=pk)


@dataclass
class Holder:
    institution: Institution
    records: list[Record] = field(default_factory=list)


@dataclass
class Held:
    """One cluster that matches a look-up, how sure the match is, and who holds it."""

    cluster: Cluster
    confidence: float
    reason: str
    holders: list[Holder]


def who_holds(
    isbn: str = "",
    issn: str = "",
    oclc: str = "",
    title: str = "",
    name: str = "",
    year: int | None = None,
) -> list[Held]:
    """The clusters matching an identifier, or a title (+ name, + year), and their holders.

    An identifier match is certain (confidence 1); a title match carries the matcher's score.
    Best first.
    """
    keys = _identifier_keys(isbn, issn, oclc)
    if keys:
        found = {
            cluster_id: (1.0, reason)
            for cluster_id, reason in MatchKey.objects.filter(
                key__in=keys, record__status=RecordStatus.ACTIVE
            ).values_list("record__cluster_id", "key")
            if cluster_id
        }
    elif title.strip():
        found = _by_title(title, name, year)
    else:
        return []
    return _held(found)


def _identifier_keys(isbn: str, issn: str, oclc: str) -> list[str]:
    keys = []
    if isbn.strip():
        keys.append(f"isbn:{isbn13(isbn.strip()) or isbn.strip()}")
    if issn.strip():
        compact = issn.strip().upper().replace(" ", "")
        keys.append(
            f"issn:{compact[:4]}-{compact[-4:]}" if "-" not in compact else f"issn:{compact}"
        )
    if oclc.strip():
        digits = "".join(c for c in oclc if c.isdigit()).lstrip("0")
        keys.append(f"oclc:{digits}")
    return keys


def _by_title(title: str, name: str, year: int | None) -> dict[int, tuple[float, str]]:
    """Clusters whose records answer a citation: title (+ name, + year), with a confidence."""
    wanted = NormalisedRecord(
        local_id="",
        flavour=Flavour.MARC21,
        kind=Kind.BIBLIOGRAPHIC,
        title=title.strip(),
        names=[name.strip()] if name.strip() else [],
        year=year or 2000,  # any year: only the title part of the key is used
    )
    query = Q()
    for key in match_keys(wanted):
        if key.startswith("title:"):
            prefix = key.rsplit(":", 1)[0] + ":"
            # A range on the indexed column: a prefix search both databases do by index.
            query |= Q(key__gte=prefix, key__lt=prefix + "\uffff")
    if not query:
        return {}
    candidate_ids = list(
        MatchKey.objects.filter(query).values_list("record_id", flat=True)[:MAX_TITLE_CANDIDATES]
    )
    found: dict[int, tuple[float, str]] = {}
    for record in active_records().filter(pk__in=candidate_ids).defer("raw"):
        confidence, reason = citation_match(title, name, year, record)
        best = found.get(record.cluster_id)
        if (
            record.cluster_id
            and confidence >= CITATION_THRESHOLD
            and (best is None or confidence > best[0])
        ):
            found[record.cluster_id] = (confidence, reason)
    return found


def citation_match(title: str, name: str, year: int | None, record: Record) -> tuple[float, str]:
    """How well a record answers a citation (0..1), and why, in the active language.

    The title counts most, in any of the record's forms (as catalogued, vernacular,
    romanised); a name must share a word with one of the record's names; a year may be
    one off (a reprint, a prepublication record), no more.
    """
    wanted = fold(title)
    forms = [fold(f) for f in (record.title, record.title_vernacular, record.title_romanised) if f]
    forms += [form.split(" : ")[0] for form in forms]
    similarity = max((Indel.normalized_similarity(wanted, form) for form in forms), default=0.0)
    confidence, reasons = (
        similarity,
        [_("Title %(percent)s%% alike") % {"percent": round(similarity * 100)}],
    )
    if name.strip():
        words = set(fold(name).replace(",", " ").split())
        names = " ".join(fold(n) for n in record.names + record.names_vernacular)
        if words & set(names.replace(",", " ").split()):
            reasons.append(_("Name in common"))
        else:
            confidence *= 0.7
            reasons.append(_("No name in common"))
    if year and record.year:
        if abs(year - record.year) > 1:
            return 0.0, _("Different year: %(a)s vs %(b)s") % {"a": year, "b": record.year}
        if year != record.year:
            confidence *= 0.9
            reasons.append(_("Years one apart"))
    return round(confidence, 3), "; ".join(str(r) for r in reasons)


def _held(found: dict[int, tuple[float, str]]) -> list[Held]:
    clusters = Cluster.objects.in_bulk(list(found))
    records = (
        active_records()
        .filter(cluster_id__in=list(found))
        .select_related("holder")
        .defer("raw")
        .order_by("holder__name", "pk")
    )
    holders: dict[int, dict[int, Holder]] = {}
    for record in records:
        by_holder = holders.setdefault(record.cluster_id, {})
        by_holder.setdefault(record.holder_id, Holder(record.holder)).records.append(record)
    result = [
        Held(clusters[pk], confidence, reason, list(holders.get(pk, {}).values()))
        for pk, (confidence, reason) in found.items()
        if pk in clusters
    ]
    return sorted(result, key=lambda h: (-h.confidence, -len(h.holders), h.cluster.pk))
