"""Reads of the union catalogue: records, clusters, and who holds a manifestation."""

from collections.abc import Iterable
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
# What citation_match reads of a record, and the cluster it counts for.
CITATION_FIELDS = ("cluster_id", "title", "title_vernacular", "title_romanised", "names",
                   "names_vernacular", "year")  # fmt: skip


def active_records() -> QuerySet[Record]:
    return Record.objects.filter(status=RecordStatus.ACTIVE)


def record_detail(pk: int) -> Record:
    """One record with its holder and cluster. Raises Record.DoesNotExist."""
    return Record.objects.select_related("holder", "cluster").get(pk=pk)


def cluster_detail(pk: int) -> Cluster:
    """A cluster with its held records and their holders. Raises Cluster.DoesNotExist."""
    members = active_records().select_related("holder").defer("raw").order_by("holder__name", "pk")
    return Cluster.objects.prefetch_related(Prefetch("records", queryset=members)).get(pk=pk)


# What a list of holders shows of each: str() names it in the reader's language; pull
# slips look for our own library.
HOLDER_FIELDS = ("name", "name_zh", "name_en", "country", "is_home")
# What a cluster's records are read with when a caller wants them (the API lists them, SRU
# writes their holdings, pull slips their shelf marks): neither the original nor what only
# the matcher and the record page read.
MEMBER_FIELDS = ("cluster_id", "holder_id", "local_id", "flavour", "title",
                 "title_vernacular", "year", "edition", "isbns", "holdings")  # fmt: skip


def holders_of(clusters: Iterable[Cluster]) -> dict[int, list[tuple[Institution, int]]]:
    """Each cluster's holders with the first of their records in it, in one query.

    In the order of holder name, then record id: the order of the cluster's records, of
    which each holder's first stands for it (ClusterRecords reads them all).
    """
    held = {cluster.pk: cluster.held_by_pairs() for cluster in clusters}
    ids = {holder for pairs in held.values() for holder, _record in pairs}
    institutions = list(
        Institution.objects.filter(pk__in=ids).only(*HOLDER_FIELDS).order_by("name", "pk")
    )
    by_pk = {institution.pk: institution for institution in institutions}
    place = _name_places(institutions)
    return {
        pk: [
            (by_pk[holder], record)
            for _place, record, holder in sorted((place[h], r, h) for h, r in pairs)
        ]
        for pk, pairs in held.items()
    }


def _name_places(in_name_order: list[Institution]) -> dict[int, int]:
    """Each institution's place by name. Equal names share one, so that the record id
    decides between their records, as order_by("holder__name", "pk") does."""
    places: dict[int, int] = {}
    place, previous = -1, None
    for institution in in_name_order:
        if institution.name != previous:
            place, previous = place + 1, institution.name
        places[institution.pk] = place
    return places


class ClusterRecords:
    """The held records of some clusters (MEMBER_FIELDS, with their holders), in holder
    name then record order: read in one query for all of them, and only when asked for.

    A search page or a rota needs only who holds a title (holders_of); the records of a
    title held by hundreds of libraries are read when a caller lists them.
    """

    def __init__(self, cluster_ids: Iterable[int]) -> None:
        self.cluster_ids = list(cluster_ids)
        self._read: dict[int | None, list[Record]] | None = None

    def of(self, cluster_id: int, holder_id: int | None = None) -> list[Record]:
        if self._read is None:
            self._read = self._records()
        records = self._read.get(cluster_id, [])
        return records if holder_id is None else [r for r in records if r.holder_id == holder_id]

    def _records(self) -> dict[int | None, list[Record]]:
        found: dict[int | None, list[Record]] = {pk: [] for pk in self.cluster_ids}
        members = (
            active_records()
            .filter(cluster_id__in=self.cluster_ids)
            .select_related("holder")
            .only(*MEMBER_FIELDS, *(f"holder__{name}" for name in HOLDER_FIELDS))
            .order_by("holder__name", "pk")
        )
        for record in members:
            found[record.cluster_id].append(record)
        return found


@dataclass
class Holder:
    institution: Institution
    cluster_id: int
    _records: ClusterRecords = field(repr=False)

    @property
    def records(self) -> list[Record]:
        """Its records in the cluster; the first ask reads those of every holder found."""
        return self._records.of(self.cluster_id, self.institution.pk)


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
            )
            # One row per cluster and key, not per record: a title held by hundreds.
            .values_list("record__cluster_id", "key")
            .distinct()
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
    for record in active_records().filter(pk__in=candidate_ids).only(*CITATION_FIELDS):
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
    holders = holders_of(clusters.values())
    records = ClusterRecords(clusters.keys())
    result = [
        Held(
            clusters[pk],
            confidence,
            reason,
            [Holder(institution, pk, records) for institution, _first in holders[pk]],
        )
        for pk, (confidence, reason) in found.items()
        if pk in clusters
    ]
    return sorted(result, key=lambda h: (-h.confidence, -len(h.holders), h.cluster.pk))
