"""Reads of the union catalogue: records, clusters, and who holds a manifestation."""

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import NamedTuple

from django.db import connection
from django.db.models import JSONField, Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from rapidfuzz.distance import Indel

from bibliobridge.core import sql
from bibliobridge.partners.models import Institution

from . import search
from .enums import ISBN, ISSN, OCLC, RecordStatus
from .marc.normalise import isbn13
from .marc.record import Flavour, Kind, NormalisedRecord
from .matching import match_keys
from .models import Cluster, MatchKey, Record
from .text import fold

# Candidates compared for a title look-up; identifiers need no comparison.
MAX_TITLE_CANDIDATES = 200
# A citation answered at least this well is a match.
CITATION_THRESHOLD = 0.8
# What a Citation reads of a record (Citation.answer), after the cluster it counts for.
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


# A cluster as a search page or a look-up reads it: every column but updated_at (deferred).
CLUSTER_COLUMNS = tuple(
    f.attname for f in Cluster._meta.concrete_fields if f.attname != "updated_at"
)


def clusters_where(column: str, values: Iterable[int]) -> list[Cluster]:
    """The clusters whose ``column`` (id or doc_id) is one of ``values``, CLUSTER_COLUMNS
    only. In SQL of our own: Django's compiler took longer than reading the rows."""
    return _instances(Cluster, CLUSTER_COLUMNS, column, values)


# Values in one statement's IN (...): under SQLite's smallest limit on variables (999).
IN_CHUNK = 500


def records_where(column: str, fields: Sequence[str], values: Iterable[int]) -> list[Record]:
    """The records whose ``column`` is one of ``values``, with ``fields`` only (and id)."""
    return _instances(Record, ("id", *fields), column, values)


def _instances(model, columns: Sequence[str], column: str, values: Iterable[int]) -> list:
    """Model instances with ``columns`` (JSON fields decoded as JSONField does, the other
    fields deferred, as .only() gives) of the rows whose ``column`` is one of ``values``,
    made by sql.instance (``Model.__init__`` cost four times as much here)."""
    columns, decoded = _columns(model, tuple(columns))
    alias = connection.alias
    values = list(values)
    found = []
    with sql.cursor() as cursor:
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {model._meta.db_table} "  # noqa: S608
                f"WHERE {column} IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for row in cursor.fetchall():
                if decoded:
                    row = list(row)
                    for i in decoded:
                        row[i] = stored_json(row[i])
                found.append(sql.instance(model, alias, columns, row))
    return found


def stored_json(stored: str | None):
    """A JSON column's value as read in SQL of our own, as JSONField.from_db_value gives it
    (its decoder is json.loads: none of ours has one of its own); most lists are empty."""
    if stored is None:
        return None
    if stored == "[]":
        return []
    try:
        return json.loads(stored)
    except json.JSONDecodeError:
        return stored


@cache
def _columns(model, wanted: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """The columns of ``wanted`` in the fields' order, and which of them hold JSON."""
    fields = [f for f in model._meta.concrete_fields if f.attname in wanted]
    return [f.attname for f in fields], [
        i for i, f in enumerate(fields) if isinstance(f, JSONField)
    ]


class Holders(NamedTuple):
    """A cluster's holders in name order, and its first record (the first of its first
    holder's records), as holders_of gives them."""

    institutions: tuple[Institution, ...]
    first_record: int | None


def holders_of(clusters: Iterable[Cluster]) -> dict[int, Holders]:
    """Each cluster's holders, in name order, and its first record.

    The order of the cluster's records (holder name, then record id; ClusterRecords reads
    them all), of which each holder's first stands for it: the cluster's first record is
    the first of its first holder's.
    """
    directory = _holder_directory()
    return {cluster.pk: directory.holders(cluster.held_by) for cluster in clusters}


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


# Holder lists a directory keeps, by the cluster's held_by text: past this many, the
# oldest go first.
HOLDER_LISTS = 20_000


class _Directory:
    """Every institution as a list of holders shows it (HOLDER_FIELDS), with its place by
    name, kept by the process under a fingerprint of the table: a title held by hundreds
    lists them on every look-up, and building hundreds of model instances took longer than
    the rest of it. It keeps the holder lists it made too: a popular title comes up in
    search after search (two thirds of the holders a search mix lists had been listed
    before), and decoding and ordering hundreds of holders cost more than reading them."""

    def __init__(self, fingerprint: tuple, in_name_order: list[Institution]) -> None:
        self.fingerprint = fingerprint
        self.by_pk = {institution.pk: institution for institution in in_name_order}
        self.place = _name_places(in_name_order)
        # One tuple of institutions a list: a tuple for each holder (hundreds of
        # thousands of them) made each full pass of the garbage collector take 200 ms.
        self.lists: dict[str, Holders] = {}
        self.lock = threading.Lock()

    def holders(self, held_by: str) -> Holders:
        """The holders of a cluster's held_by (shared: not to be changed)."""
        found = self.lists.get(held_by)
        if found is None:
            place = self.place
            pairs = json.loads(held_by)  # by record id (clusters.held_by_text)
            pairs.sort(key=lambda pair: place[pair[0]])  # stable: then by record id
            found = Holders(
                tuple(map(self.by_pk.__getitem__, map(itemgetter(0), pairs))),
                pairs[0][1] if pairs else None,
            )
            with self.lock:  # threads of one process share it
                if len(self.lists) >= HOLDER_LISTS:
                    del self.lists[next(iter(self.lists))]
                self.lists[held_by] = found
        return found


_directory = _Directory((), [])


def _holder_directory() -> _Directory:
    """The directory, read again whenever an institution is added, saved or deleted."""
    global _directory
    with sql.cursor() as cursor:
        table = Institution._meta.db_table
        cursor.execute(
            # In SQL of our own: the ORM takes longer to compile this than to run it. One
            # aggregate a subquery, so that each is read from an index (a COUNT from the
            # smallest, MAX(updated_at) from its own, the home library from the partial
            # unique one) instead of scanning the directory on every look-up.
            # set_home_institution saves is_home alone, which leaves updated_at as it was.
            f"SELECT (SELECT COUNT(*) FROM {table}), (SELECT MAX(updated_at) FROM {table}), "  # noqa: S608
            f"(SELECT MAX(id) FROM {table} WHERE is_home)"
        )
        fingerprint = cursor.fetchone()
    if fingerprint != _directory.fingerprint:
        institutions = list(Institution.objects.only(*HOLDER_FIELDS).order_by("name", "pk"))
        _directory = _Directory(fingerprint, institutions)
    return _directory


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

    An identifier match is certain (confidence 1): a held record carries it as given (an
    ISBN-10 as its ISBN-13). A title match carries the matcher's score. Best first.
    """
    keys = _identifier_keys(isbn, issn, oclc)
    if keys:
        clusters, found = _by_identifiers(keys)
    elif title.strip():
        found = _by_title(title, name, year)
        clusters = {c.pk: c for c in clusters_where("id", found)}
    else:
        return []
    return _held(clusters, found)


# The search index's namespace for each kind of identifier key.
IDENTIFIER_NAMESPACES = {"isbn": ISBN, "issn": ISSN, "oclc": OCLC}
# Clusters one identifier may find: all of them (the index hands out pages).
EVERY_CLUSTER = 2**31


def _by_identifiers(keys: list[str]) -> tuple[dict[int, Cluster], dict[int, tuple[float, str]]]:
    """The clusters whose held records carry one of the identifier keys, found in the
    search index: a cluster is one document there, while a title held by hundreds has
    hundreds of match keys, each to be checked against its record."""
    found_by_doc: dict[int, str] = {}
    for key in keys:
        prefix, value = key.split(":", 1)
        result = search.search(
            search.Term(IDENTIFIER_NAMESPACES[prefix], value, exact=True),
            page_size=EVERY_CLUSTER,
        )
        for doc in result.doc_ids:
            found_by_doc.setdefault(doc, key)
    clusters = {c.pk: c for c in clusters_where("doc_id", found_by_doc)}
    return clusters, {
        pk: (1.0, found_by_doc[cluster.doc_id])
        for pk, cluster in clusters.items()
        if cluster.doc_id
    }


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
    prefixes = sorted(
        {key.rsplit(":", 1)[0] + ":" for key in match_keys(wanted) if key.startswith("title:")}
    )
    if not prefixes:
        return {}
    citation = Citation.of(title, name, year)
    answers: dict[tuple, Answer] = {}  # holders often catalogue a title alike
    best: dict[int, Answer] = {}
    for cluster_id, *stored in _candidates(prefixes):
        described = tuple(stored)
        if described not in answers:
            answers[described] = citation.answer(*_decoded(described))
        answer = answers[described]
        if (
            cluster_id
            and answer.confidence >= CITATION_THRESHOLD
            and (cluster_id not in best or answer.confidence > best[cluster_id].confidence)
        ):
            best[cluster_id] = answer
    # Only the best answer for each cluster is put in words.
    return {pk: (answer.confidence, str(answer)) for pk, answer in best.items()}


def _candidates(prefixes: list[str]) -> list[tuple]:
    """The CITATION_FIELDS of the active records under the first MAX_TITLE_CANDIDATES
    title keys with these prefixes, each distinct description once, names as stored (JSON
    text on both databases). In SQL of our own, one statement: Django's compiler and
    converters cost as much as the comparing, and a popular title's holders describe it
    alike."""
    # A range on the indexed column per prefix: a prefix search both databases do by index.
    ranges = " OR ".join(["(key >= %s AND key < %s)"] * len(prefixes))
    fields = ", ".join(f"r.{name}" for name in CITATION_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT {fields} FROM "  # noqa: S608 (names and placeholders only)
            f"(SELECT record_id FROM {MatchKey._meta.db_table} WHERE {ranges} LIMIT %s) k "
            f"JOIN {Record._meta.db_table} r ON r.id = k.record_id WHERE r.status = %s",
            [
                *(bound for prefix in prefixes for bound in (prefix, prefix + "\uffff")),
                MAX_TITLE_CANDIDATES,
                RecordStatus.ACTIVE.value,
            ],
        )
        return cursor.fetchall()


def _decoded(stored: tuple) -> tuple[str, str, str, list[str], list[str], int | None]:
    """CITATION_FIELDS after the cluster, as Citation.answer takes them."""
    title, vernacular, romanised, names, names_vernacular, year = stored
    return title, vernacular, romanised, json.loads(names), json.loads(names_vernacular), year


CITATION_MESSAGES = {
    "title": gettext_lazy("Title %(percent)s%% alike"),
    "name": gettext_lazy("Name in common"),
    "no_name": gettext_lazy("No name in common"),
    "different_year": gettext_lazy("Different year: %(a)s vs %(b)s"),
    "adjacent_year": gettext_lazy("Years one apart"),
}


@dataclass(frozen=True)
class Answer:
    """How well a record answers a citation (0..1), and why: CITATION_MESSAGES codes and
    their params, put in words in the active language by str()."""

    confidence: float
    reasons: tuple[tuple[str, dict], ...]

    def __str__(self) -> str:
        return "; ".join(str(CITATION_MESSAGES[code]) % params for code, params in self.reasons)


@dataclass(frozen=True)
class Citation:
    """A title (+ name, + year) asked for, folded once to be compared with many records.

    The title counts most, in any of the record's forms (as catalogued, vernacular,
    romanised); a name must share a word with one of the record's names; a year may be
    one off (a reprint, a prepublication record), no more.
    """

    title: str
    name_words: frozenset[str] | None  # None when no name was given
    year: int | None

    @classmethod
    def of(cls, title: str, name: str, year: int | None) -> "Citation":
        words = frozenset(fold(name).replace(",", " ").split()) if name.strip() else None
        return cls(fold(title), words, year)

    def answer(
        self,
        title: str,
        title_vernacular: str,
        title_romanised: str,
        names: list[str],
        names_vernacular: list[str],
        year: int | None,
    ) -> Answer:
        """How well a record with these CITATION_FIELDS answers the citation."""
        if self.year and year and abs(self.year - year) > 1:
            return Answer(0.0, (("different_year", {"a": self.year, "b": year}),))
        forms = [fold(form) for form in (title, title_vernacular, title_romanised) if form]
        forms += [form.split(" : ")[0] for form in forms]
        similarity = max(
            (Indel.normalized_similarity(self.title, form) for form in forms), default=0.0
        )
        confidence = similarity
        reasons: list[tuple[str, dict]] = [("title", {"percent": round(similarity * 100)})]
        if self.name_words is not None:
            folded = " ".join(fold(n) for n in names + names_vernacular)
            if self.name_words & set(folded.replace(",", " ").split()):
                reasons.append(("name", {}))
            else:
                confidence *= 0.7
                reasons.append(("no_name", {}))
        if self.year and year and self.year != year:
            confidence *= 0.9
            reasons.append(("adjacent_year", {}))
        return Answer(round(confidence, 3), tuple(reasons))


def _held(clusters: dict[int, Cluster], found: dict[int, tuple[float, str]]) -> list[Held]:
    holders = holders_of(clusters.values())
    records = ClusterRecords(clusters.keys())
    result = [
        Held(
            clusters[pk],
            confidence,
            reason,
            [Holder(institution, pk, records) for institution in holders[pk].institutions],
        )
        for pk, (confidence, reason) in found.items()
        if pk in clusters
    ]
    return sorted(result, key=lambda h: (-h.confidence, -len(h.holders), h.cluster.pk))
