"""Searching the union catalogue: clusters indexed as documents, queries, facets.

One search document per cluster, carrying the terms of its held records. A cluster
whose members change is indexed again under a new document id and its old id retired
(``catalog.search`` never edits a posting list). Namespaces:

    a  any word: titles in every form, names, subjects
    t  title words        n  name words          s  subject words
    i  ISBN-13            x  ISSN                o  OCLC number
    y  year               l  language (ISO 639-2/B)
    h  holder (institution id)                   c  holder's country (ISO 3166, lower case)
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from bibliobridge.core.tasks import queue_once
from bibliobridge.partners.models import Institution

from . import search
from .enums import (
    ANY,
    COUNTRY,
    HOLDER,
    ISBN,
    ISSN,
    LANGUAGE,
    NAME,
    OCLC,
    SUBJECT,
    TITLE,
    YEAR,
    RecordStatus,
)
from .marc.normalise import isbn13
from .models import Cluster, Record, SearchDocCounter, StagedRecord
from .queries import ClusterRecords, clusters_where, holders_of, records_where, stored_json
from .terms import DESCRIPTION, description_terms, holder_terms
from .terms import split as split_terms

BATCH = 2000
# Clusters whose members are read at a time to make their documents. A popular title's
# cluster has hundreds of members, and the rows grow with the catalogue: the 57,710
# clusters of the largest holder's load (1M catalogue, 40 holders loaded) took 68 MB
# beside the importing process in batches of 2,000, 30 MB in batches of 500 (and 13 s
# rather than 17).
MEMBERS_BATCH = 500
FACETS = (LANGUAGE, YEAR, HOLDER, COUNTRY)
# What the search page shows of a hit's first record (the cluster has title and year).
FIRST_FIELDS = ("title_vernacular", "names", "publisher")
_JSON_COLUMNS = {"names", "names_vernacular", "subjects", "isbns", "issns", "oclc_numbers",
                 "languages"}  # fmt: skip


def reindex(cluster_ids: Iterable[int], run_id: int | None = None) -> None:
    """Index these clusters anew (inside the caller's transaction); retire their old ids.

    A cluster without held records is only retired. The records an import run ``run_id``
    wrote bring the terms its workers computed while reading (StagedRecord.terms), the
    others are read into terms from their columns.
    """
    ids = sorted({pk for pk in cluster_ids if pk})
    if not ids:
        return
    retired: list[int] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        retired += list(
            Cluster.objects.filter(pk__in=chunk, doc_id__isnull=False).values_list(
                "doc_id", flat=True
            )
        )
    if retired:
        search.retire(retired)
    new_ids = _allocate(len(ids))
    docs = dict(zip(ids, new_ids, strict=True))
    search.index_documents(_documents(docs, run_id))
    transaction.on_commit(queue_merge)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Cluster._meta.db_table} SET doc_id = %s WHERE id = %s",  # noqa: S608
            [(doc, pk) for pk, doc in docs.items()],
        )


def retire_clusters(cluster_ids: Iterable[int]) -> None:
    """Take clusters about to be deleted out of the index."""
    ids = sorted(cluster_ids)
    docs: list[int] = []
    for start in range(0, len(ids), BATCH):
        docs += Cluster.objects.filter(
            pk__in=ids[start : start + BATCH], doc_id__isnull=False
        ).values_list("doc_id", flat=True)
    if docs:
        search.retire(docs)
        transaction.on_commit(queue_merge)


def queue_merge() -> None:
    """Queue the index's merge (``tasks.task_catalog_merge_index``) unless one is queued:
    a worker merges the segments a write left, out of the way of the load or page that
    wrote them."""
    from .tasks import task_catalog_merge_index  # tasks imports the load, which imports us

    queue_once(task_catalog_merge_index)


def _documents(docs: dict[int, int], run_id: int | None = None) -> Iterator[tuple[int, set[str]]]:
    countries = dict(Institution.objects.values_list("pk", "country"))
    ids = list(docs)
    for start in range(0, len(ids), MEMBERS_BATCH):
        chunk = ids[start : start + MEMBERS_BATCH]
        terms: dict[int, set[str]] = {pk: set() for pk in chunk}
        # The holders of a popular title mostly describe it alike (at 100k records, 24,188
        # records of the clusters over 50 gave 1,668 descriptions): each description is
        # read into terms once, from the terms the run staged for it if it has some (a new
        # holding described as another holder's record), else from the columns as stored.
        members = _members(chunk, run_id)
        described: dict[tuple, set[str]] = {
            tuple(stored): split_terms(staged)
            for _cluster, _holder, staged, *stored in members
            if staged is not None
        }
        holders: dict[int, set[str]] = {}
        for cluster_id, holder_id, _staged, *stored in members:
            key = tuple(stored)
            if key not in described:
                described[key] = description_terms(_decoded(stored))
            if holder_id not in holders:
                holders[holder_id] = holder_terms(holder_id, countries.get(holder_id, ""))
            terms[cluster_id] |= described[key] | holders[holder_id]
        for pk in chunk:
            if terms[pk]:
                yield docs[pk], terms[pk]


def _members(cluster_ids: list[int], run_id: int | None) -> list[tuple]:
    """Cluster, holder, staged terms and DESCRIPTION of the clusters' held records: the
    terms staged by ``run_id`` for the records it wrote, None for the others, and the
    columns as stored (JSON as text on both databases: Django's converters decode it,
    and we need not)."""
    record, staged = Record._meta.db_table, StagedRecord._meta.db_table
    marks = ", ".join(["%s"] * len(cluster_ids))
    with connection.cursor() as cursor:
        if run_id is None:
            cursor.execute(
                f"SELECT cluster_id, holder_id, NULL, {', '.join(DESCRIPTION)} "  # noqa: S608
                f"FROM {record} WHERE cluster_id IN ({marks}) AND status = %s",
                [*cluster_ids, RecordStatus.ACTIVE.value],
            )
        else:
            described = ", ".join(f"r.{c}" for c in DESCRIPTION)
            cursor.execute(
                f"SELECT r.cluster_id, r.holder_id, s.terms, {described} FROM {record} r "  # noqa: S608
                f"LEFT JOIN {staged} s ON r.run_id = %s AND s.run_id = %s "
                f"AND s.local_id = r.local_id "
                f"WHERE r.cluster_id IN ({marks}) AND r.status = %s",
                [run_id, run_id, *cluster_ids, RecordStatus.ACTIVE.value],
            )
        return cursor.fetchall()


def _decoded(stored: list) -> tuple:
    return tuple(
        stored_json(value) if name in _JSON_COLUMNS else value
        for name, value in zip(DESCRIPTION, stored, strict=True)
    )


def _allocate(n: int) -> list[int]:
    """n new document ids, never used before: a counter row, locked by the update."""
    table = SearchDocCounter._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET last = last + %s WHERE id = 1", [n])  # noqa: S608
        if cursor.rowcount == 0:
            cursor.execute(f"INSERT INTO {table} (id, last) VALUES (1, %s)", [n])  # noqa: S608
        cursor.execute(f"SELECT last FROM {table} WHERE id = 1")  # noqa: S608
        (last,) = cursor.fetchone()
    return list(range(last - n + 1, last + 1))


def rebuild() -> int:
    """Index every cluster afresh (after a restore, or to compact); returns how many."""
    with transaction.atomic():
        ids = list(Cluster.objects.values_list("pk", flat=True).order_by("pk"))
        Cluster.objects.update(doc_id=None)
        new_ids = _allocate(len(ids))
        docs = dict(zip(ids, new_ids, strict=True))
        search.rebuild(_documents(docs))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Cluster._meta.db_table} SET doc_id = %s WHERE id = %s",  # noqa: S608
                [(doc, pk) for pk, doc in docs.items()],
            )
    return len(ids)


# --- Queries -----------------------------------------------------------------------------


@dataclass
class Criteria:
    """What a user searches for: keywords and fields, all of which must match."""

    q: str = ""  # keywords across titles, names, subjects
    title: str = ""
    name: str = ""
    subject: str = ""
    isbn: str = ""
    issn: str = ""
    oclc: str = ""
    year_from: int | None = None
    year_to: int | None = None
    language: str = ""
    holder: int | None = None
    country: str = ""

    def query(self) -> search.Query | None:
        parts: list[search.Query] = []
        for namespace, text in ((ANY, self.q), (TITLE, self.title), (NAME, self.name),
                                (SUBJECT, self.subject)):  # fmt: skip
            if text.strip():
                parts.append(search.Term(namespace, text))
        if self.isbn.strip():
            parts.append(
                search.Term(ISBN, isbn13(self.isbn.strip()) or self.isbn.strip(), exact=True)
            )
        if self.issn.strip():
            parts.append(search.Term(ISSN, normal_issn(self.issn), exact=True))
        if self.oclc.strip():
            digits = "".join(c for c in self.oclc if c.isdigit()).lstrip("0")
            parts.append(search.Term(OCLC, digits, exact=True))
        if self.year_from is not None or self.year_to is not None:
            parts.append(search.Range(YEAR, self.year_from, self.year_to))
        if self.language.strip():
            parts.append(search.Term(LANGUAGE, self.language.strip().lower(), exact=True))
        if self.holder:
            parts.append(search.Term(HOLDER, str(self.holder), exact=True))
        if self.country.strip():
            parts.append(search.Term(COUNTRY, self.country.strip().lower(), exact=True))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else search.And(*parts)

    def rank(self) -> list[search.Query]:
        """Clusters whose titles carry all the keywords come first."""
        return [search.Term(TITLE, self.q)] if self.q.strip() else []


def normal_issn(text: str) -> str:
    compact = text.strip().upper().replace("-", "").replace(" ", "")
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else text.strip()


@dataclass
class Hit:
    """A cluster found: its holders (by name, as its records are ordered) and its first record,
    with what the search page shows of it (FIRST_FIELDS)."""

    cluster: Cluster
    holders: list[Institution]
    first: Record | None
    _records: ClusterRecords = field(repr=False)

    @property
    def records(self) -> list[Record]:
        """Its held records (queries.MEMBER_FIELDS); the first ask reads the whole page's."""
        return self._records.of(self.cluster.pk)


@dataclass
class Found:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]


def find(criteria: Criteria, page: int = 1, page_size: int = 20) -> Found:
    """One page of the clusters matching the criteria, with their holders and facets."""
    query = criteria.query()
    if query is None:
        return Found(0, [], {})
    return find_query(query, (max(page, 1) - 1) * page_size, page_size, FACETS, criteria.rank())


def matching_cluster_ids(criteria: Criteria, limit: int) -> list[int]:
    """The first ``limit`` clusters matching the criteria, in result order (for export)."""
    query = criteria.query()
    if query is None:
        return []
    result = search.search(query, page=1, page_size=limit, rank=criteria.rank())
    by_doc = dict(Cluster.objects.filter(doc_id__in=result.doc_ids).values_list("doc_id", "pk"))
    return [by_doc[doc] for doc in result.doc_ids if doc in by_doc]


def find_query(
    query: search.Query,
    offset: int = 0,
    limit: int = 20,
    facets: Sequence[str] = (),
    rank: Sequence[search.Query] = (),
) -> Found:
    """The clusters matching a query tree (as SRU builds from CQL), ``limit`` from ``offset``."""
    if limit and offset % limit:  # the index pages by number: take ids to the end, drop the front
        page, size, skip = 1, offset + limit, offset
    else:
        page, size, skip = (offset // limit + 1 if limit else 1), limit, 0
    result = search.search(query, page=page, page_size=size, facets=facets, rank=rank)
    doc_ids = result.doc_ids[skip:]
    clusters = {c.doc_id: c for c in clusters_where("doc_id", doc_ids)}
    return Found(
        result.total, _hits([clusters[doc] for doc in doc_ids if doc in clusters]), result.facets
    )


def _hits(clusters: list[Cluster]) -> list[Hit]:
    """Hits for clusters in result order: two queries, however many records they hold."""
    holders = holders_of(clusters)
    first_ids = [h.first_record for h in holders.values() if h.first_record is not None]
    records = {r.pk: r for r in records_where("id", FIRST_FIELDS, first_ids)}
    members = ClusterRecords(c.pk for c in clusters)
    hits = []
    for cluster in clusters:
        held = holders[cluster.pk]
        first = records.get(held.first_record) if held.first_record is not None else None
        hits.append(Hit(cluster, list(held.institutions), first, members))
    return hits
