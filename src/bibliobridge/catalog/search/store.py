# ruff: noqa: S608 — SQL is built only from our own table names and "%s" placeholders.
"""Writing the index: segments of roaring-bitmap postings, merged LSM-style.

Every write starts by bumping SearchState.generation. That one UPDATE is also the
writers' lock: on PostgreSQL it holds the row until commit, on SQLite it takes the
database's write lock; so segment ids are handed out, and committed, in order. Readers
only ever compare the generation (see ``reader``).

Segments are never changed once written. A merge writes the union of its sources, less
retired documents, as a new segment and deletes the sources in the same transaction. A
document's terms never change either: the caller gives changed content a new document id
and retires the old one. That is what lets a reader keep bitmaps across writes.
"""

import fcntl
import heapq
import itertools
import logging
import math
import os
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from pyroaring import BitMap

from .models import SearchPosting, SearchSegment, SearchState, SearchTerm
from .query import MAX_TERM
from .query import term_id as hash_term

__all__ = [
    "DocumentReused",
    "IndexStats",
    "SegmentStats",
    "index_documents",
    "merge_segments",
    "rebuild",
    "retire",
    "stats",
]

logger = logging.getLogger(__name__)

STATE = SearchState._meta.db_table
SEGMENT = SearchSegment._meta.db_table
TERM = SearchTerm._meta.db_table
POSTING = SearchPosting._meta.db_table

# Documents held in memory at once while indexing; a larger batch is written in pieces
# and merged into one segment. About 45 terms a document: ~100 MB of Python lists.
CHUNK_DOCS = 50_000
# Tiered merging: segments whose live sizes are within a factor of MERGE_FACTOR form a
# tier, and MERGE_FACTOR segments of a tier are merged into one.
MERGE_FACTOR = 8
# A segment with less than this share of its documents still live is rewritten.
MIN_LIVE_SHARE = 0.5
# Page cache of a writing SQLite connection.
SQLITE_CACHE_KIB = 64 * 1024
# Rows per statement or fetch.
BATCH = 2000
IN_CHUNK = 500
# Posting rows a merge writes, or deletes, in one transaction (merge_segments).
MERGE_ROWS_PER_TRANSACTION = 10_000
# The PostgreSQL advisory lock mergers take turns on ("search merge" in ASCII).
MERGER_LOCK = 0x736561726368_6D
# Namespaces whose values are listed (facets, year ranges): their terms' text is stored,
# the rest are known by their hash alone.
LISTED = frozenset(getattr(settings, "CATALOG_SEARCH_LISTED", ("c", "h", "l", "y")))


class DocumentReused(ValueError):
    """A document id that is (or was) indexed was given again.

    The index relies on a document's terms never changing: give changed content a new
    id and retire the old one.
    """

    def __init__(self, doc_ids: BitMap) -> None:
        sample = ", ".join(str(d) for d in list(doc_ids)[:10])
        super().__init__(
            f"{len(doc_ids)} document id(s) already indexed or retired ({sample}); "
            "changed content needs a new document id"
        )
        self.doc_ids = doc_ids


@dataclass
class SegmentStats:
    id: int
    newest: int
    docs: int
    live: int
    terms: int
    blob_bytes: int
    merged: bool


@dataclass
class IndexStats:
    generation: int
    live_docs: int
    retired_docs: int
    terms: int
    postings: int
    blob_bytes: int
    segments: list[SegmentStats] = field(default_factory=list)


@dataclass
class _State:
    epoch: int
    generation: int
    last_segment: int
    last_fresh: int
    live: BitMap
    retired: BitMap


def _lock(cursor) -> _State:
    """Bump the generation (taking the writers' lock) and read the state."""
    if cursor.db.vendor == "sqlite":
        # Postings land all over the term-ordered B-trees: SQLite's default 2 MB page
        # cache makes a large batch several times slower. This connection only.
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
    cursor.execute(f"UPDATE {STATE} SET generation = generation + 1 WHERE id = 1")
    if cursor.rowcount == 0:
        empty = BitMap().serialize()
        cursor.execute(
            f"INSERT INTO {STATE} (id, epoch, generation, last_segment, last_fresh, live, retired)"
            " VALUES (1, %s, 1, 0, 0, %s, %s)",
            [_new_epoch(), empty, empty],
        )
    cursor.execute(
        f"SELECT epoch, generation, last_segment, last_fresh, live, retired FROM {STATE} WHERE id = 1"
    )
    epoch, generation, last_segment, last_fresh, live, retired = cursor.fetchone()
    return _State(
        epoch,
        generation,
        last_segment,
        last_fresh,
        BitMap.deserialize(live),
        BitMap.deserialize(retired),
    )


def _save(cursor, state: _State) -> None:
    state.live.run_optimize()
    state.retired.run_optimize()
    cursor.execute(
        f"UPDATE {STATE} SET epoch = %s, last_segment = %s, last_fresh = %s, live = %s, retired = %s"
        " WHERE id = 1",
        [
            state.epoch,
            state.last_segment,
            state.last_fresh,
            state.live.serialize(),
            state.retired.serialize(),
        ],
    )


def _new_epoch() -> int:
    return secrets.randbits(62)


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- writing -----------------------------------------------------------------------------


def index_documents(
    docs: Iterable[tuple[int, Iterable[str]]], using: str = DEFAULT_DB_ALIAS
) -> int | None:
    """Index new documents as one new segment; returns its id (None for no documents).

    Runs in the caller's transaction when there is one. Raises DocumentReused, writing
    nothing, if a document id is already live, was retired, or comes twice.
    """
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        state = _lock(cursor)
        segment = _index(cursor, state, docs)
        _save(cursor, state)
        return segment


def rebuild(docs: Iterable[tuple[int, Iterable[str]]], using: str = DEFAULT_DB_ALIAS) -> int | None:
    """Replace the whole index by these documents, in one segment; returns its id.

    Retired ids are forgotten (they may be used again) and every reader's cache is dropped.
    """
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        state = _lock(cursor)
        for table in (POSTING, SEGMENT, TERM):
            cursor.execute(f"DELETE FROM {table}")
        state.epoch = _new_epoch()
        state.live, state.retired = BitMap(), BitMap()
        segment = _index(cursor, state, docs)
        _save(cursor, state)
        return segment


def _index(cursor, state: _State, docs: Iterable[tuple[int, Iterable[str]]]) -> int | None:
    written = []
    for chunk, postings in _read_chunks(docs):
        reused = chunk & (state.live | state.retired)
        if reused:
            raise DocumentReused(reused)
        state.last_segment += 1
        _write_segment(cursor, state.last_segment, state.last_segment, chunk, postings)
        state.live |= chunk
        state.last_fresh = state.last_segment
        written.append(state.last_segment)
        del postings
    if len(written) > 1:
        # One batch, one segment: readers and the merge policy count segments per batch.
        return _merge(cursor, state, written)
    return written[0] if written else None


def _read_chunks(
    docs: Iterable[tuple[int, Iterable[str]]],
) -> Iterator[tuple[BitMap, dict[str, list[int]]]]:
    ids = BitMap()
    postings: dict[str, list[int]] = defaultdict(list)
    for doc, terms in docs:
        if doc in ids:
            raise DocumentReused(BitMap([doc]))
        ids.add(doc)
        for term in terms if isinstance(terms, (set, frozenset)) else set(terms):
            if term:
                postings[term[:MAX_TERM]].append(doc)
        if len(ids) >= CHUNK_DOCS:
            yield ids, postings
            ids, postings = BitMap(), defaultdict(list)
    if ids:
        yield ids, postings


def _write_segment(
    cursor, segment: int, newest: int, docs: BitMap, postings: dict[str, list[int]]
) -> None:
    term_ids = _term_ids(cursor, list(postings))
    blob_bytes = 0
    # Most terms of a batch are in one document (an OCLC number, a rare word: 222,000 of
    # 305,000 in a 31,250-record load): their bitmaps are made once per document.
    alone: dict[int, bytes] = {}

    def rows() -> Iterator[tuple[int, int, int, bytes]]:
        nonlocal blob_bytes
        # By id alone: two terms of one id would be one primary key twice, refused anyway.
        by_id = sorted(
            zip(map(term_ids.__getitem__, postings), postings.values(), strict=True),
            key=itemgetter(0),
        )
        for term_id, carrying in by_id:
            if len(carrying) == 1:
                blob = alone.get(carrying[0])
                if blob is None:
                    blob = alone[carrying[0]] = _serialized(carrying)
                count = 1
            else:
                bitmap = BitMap(carrying)
                bitmap.run_optimize()
                blob, count = bitmap.serialize(), len(bitmap)
            blob_bytes += len(blob)
            yield term_id, segment, count, blob

    _insert_postings(cursor, rows())
    _insert_segment(cursor, segment, newest, docs, len(postings), blob_bytes, merged=False)


def _serialized(doc_ids: list[int]) -> bytes:
    bitmap = BitMap(doc_ids)
    bitmap.run_optimize()
    return bitmap.serialize()


def _insert_segment(
    cursor, segment: int, newest: int, docs: BitMap, terms: int, blob_bytes: int, merged: bool
) -> None:
    docs.run_optimize()
    cursor.execute(
        f"INSERT INTO {SEGMENT} (id, newest, doc_count, docs, term_count, blob_bytes, merged,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, CURRENT_TIMESTAMP)",
        [segment, newest, len(docs), docs.serialize(), terms, blob_bytes, merged],
    )


def _insert_postings(cursor, rows: Iterable[tuple[int, int, int, bytes]]) -> None:
    if cursor.db.vendor == "postgresql":
        # COPY is several times faster than INSERT for millions of rows.
        with cursor.cursor.copy(
            f"COPY {POSTING} (term_id, segment_id, n, docs) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {POSTING} (term_id, segment_id, n, docs) VALUES (%s, %s, %s, %s)"
    rows = iter(rows)
    while batch := list(itertools.islice(rows, BATCH)):
        cursor.executemany(sql, batch)


def _term_ids(cursor, terms: list[str]) -> dict[str, int]:
    """Ids of these terms (their hashes); the text of listed namespaces' terms is kept."""
    ids = dict(zip(terms, map(hash_term, terms), strict=True))
    listed = [(ids[t], t, namespace) for t in terms if (namespace := t.partition(":")[0]) in LISTED]
    for batch in _chunks(listed, BATCH):
        cursor.executemany(
            f"INSERT INTO {TERM} (id, term, namespace) VALUES (%s, %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            batch,
        )
    return ids


def retire(doc_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> int:
    """Hide documents from every search; returns how many were live.

    Their postings stay until a merge rewrites their segment. A retired id cannot be
    indexed again.
    """
    ids = BitMap(doc_ids)
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        state = _lock(cursor)
        gone = ids & state.live
        state.live -= gone
        state.retired |= gone
        _save(cursor, state)
        return len(gone)


# --- merging -----------------------------------------------------------------------------


def merge_segments(full: bool = False, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Merge segments by the tiered policy (or all into one); returns the new segments' ids.

    Made to run beside searches and other writers (``catalog.tasks`` runs it in the
    background after loads): no transaction of it holds the writers' lock for long. A
    merge writes its postings a batch at a time, each batch a transaction of its own,
    under a segment id no reader lists yet; one short transaction then swaps it in for
    its sources, whose postings are deleted a batch at a time afterwards. A posting row
    is true of its documents for as long as their ids are not reused (only ``rebuild``
    forgets ids, and a merge under way gives up when the index is rebuilt), so a reader
    meeting rows of a merge not yet swapped in, or of sources swapped out, gets the same
    documents. Mergers take turns, one per database; the next one deletes what a merger
    that died left behind.
    """
    connection = connections[using]
    merged: list[int] = []
    with _merger_turn(connection):
        _delete_postings(connection, _orphans(connection))
        while True:
            with connection.cursor() as cursor:
                segments = _segments(cursor, _live(cursor))
            retired = [segment for segment, _, live in segments if not live]
            if retired:
                _drop(connection, retired)
                continue
            plan = _plan(segments, full)
            if not plan:
                break  # in shape: nothing written, no new generation
            segment = _merge_in_steps(connection, plan)
            if segment is None:
                break  # rebuilt meanwhile
            merged.append(segment)
    return merged


@contextmanager
def _merger_turn(connection) -> Iterator[None]:
    """Wait for the database's other merges to finish (their processes may have died)."""
    if connection.vendor == "postgresql":
        # A session's advisory lock: let go of when the connection closes, however.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MERGER_LOCK])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MERGER_LOCK])
        return
    if connection.is_in_memory_db():
        yield
        return
    # A file lock beside the database, let go of when the process ends, however.
    fd = os.open(f"{os.path.abspath(str(connection.settings_dict['NAME']))}.merging",
                 os.O_RDWR | os.O_CREAT, 0o600)  # fmt: skip
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _merge_in_steps(connection, sources: list[int]) -> int | None:
    """Merge ``sources`` in short transactions; the new segment's id, or None if the index
    was rebuilt meanwhile (whatever was written of the merge is deleted)."""
    started = time.perf_counter()
    using = connection.alias
    with transaction.atomic(using=using), connection.cursor() as cursor:
        state = _lock(cursor)
        found = _source_segments(cursor, sources)
        if len(found) != len(sources):
            return None
        state.last_segment += 1
        segment, epoch, live = state.last_segment, state.epoch, state.live
        _save(cursor, state)
    newest = max(newest for newest, _ in found)
    docs = BitMap.union(*(docs for _, docs in found)) & live
    totals = [0, 0]  # terms, blob bytes
    with connection.cursor() as reading:
        rows = _merged_rows(reading, sources, segment, live, totals)
        while batch := list(itertools.islice(rows, MERGE_ROWS_PER_TRANSACTION)):
            with transaction.atomic(using=using), connection.cursor() as cursor:
                if _epoch_now(cursor) != epoch:
                    break  # rebuilt: the ids named may be given again
                _insert_postings(cursor, batch)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        state = _lock(cursor)
        swapped = state.epoch == epoch and len(_source_segments(cursor, sources)) == len(sources)
        if swapped:
            _insert_segment(cursor, segment, newest, docs, totals[0], totals[1], merged=True)
            cursor.execute(
                f"DELETE FROM {SEGMENT} WHERE id IN ({_placeholders(len(sources))})", sources
            )
        _save(cursor, state)
    _delete_postings(connection, sources if swapped else [segment])
    if not swapped:
        return None
    logger.info(
        "search index: segments %s merged into %s (%d documents, %d terms) in %.1f s",
        sources, segment, len(docs), totals[0], time.perf_counter() - started,
    )  # fmt: skip
    return segment


def _epoch_now(cursor) -> int | None:
    """The index's epoch, read so that no rebuild commits before this transaction does.

    Without a new generation and without rewriting the state row (which carries the live
    and retired bitmaps: some 200 KB at a million documents): on SQLite the transaction
    holds the write lock from its start (BEGIN IMMEDIATE; were it deferred, a rebuild
    committed meanwhile would make its first write fail, not pass), on PostgreSQL the
    row is locked against the rebuild's UPDATE until commit.
    """
    lock = " FOR SHARE" if cursor.db.vendor == "postgresql" else ""
    cursor.execute(f"SELECT epoch FROM {STATE} WHERE id = 1{lock}")
    row = cursor.fetchone()
    return row[0] if row else None


def _drop(connection, segments: list[int]) -> None:
    """Delete segments none of whose documents is live (nothing to merge)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        state = _lock(cursor)
        cursor.execute(
            f"DELETE FROM {SEGMENT} WHERE id IN ({_placeholders(len(segments))})", segments
        )
        _save(cursor, state)
    _delete_postings(connection, segments)


def _source_segments(cursor, sources: list[int]) -> list[tuple[int, BitMap]]:
    """(newest, documents) of those of ``sources`` that still exist."""
    cursor.execute(
        f"SELECT newest, docs FROM {SEGMENT} WHERE id IN ({_placeholders(len(sources))})",
        sources,
    )
    return [(newest, BitMap.deserialize(docs)) for newest, docs in cursor.fetchall()]


def _orphans(connection) -> list[int]:
    """Segment ids that postings carry but no segment has: what a merger that died left
    (a batch or a merge is committed with its segment row, a swap deletes it with its
    sources'). Only called in the mergers' turn, when no merge is under way."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {SEGMENT}")
        known = {segment for (segment,) in cursor.fetchall()}
        found: list[int] = []
        after = -1
        while True:  # the distinct segment ids, one seek of the (segment, term) index each
            cursor.execute(
                f"SELECT segment_id FROM {POSTING} WHERE segment_id > %s"
                " ORDER BY segment_id LIMIT 1",
                [after],
            )
            row = cursor.fetchone()
            if row is None:
                return found
            after = row[0]
            if after not in known:
                found.append(after)


def _delete_postings(connection, segments: list[int]) -> None:
    """Delete these segments' postings, about MERGE_ROWS_PER_TRANSACTION a transaction
    (several small segments in one: every commit of a large WAL checkpoints it)."""
    pending = list(segments)
    while pending:
        budget = MERGE_ROWS_PER_TRANSACTION
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            while pending and budget > 0:
                segment = pending[0]
                cursor.execute(
                    f"SELECT term_id FROM {POSTING} WHERE segment_id = %s ORDER BY term_id"
                    " LIMIT 1 OFFSET %s",
                    [segment, budget - 1],
                )
                row = cursor.fetchone()
                if row is None:  # fewer rows left than the budget: all of them
                    cursor.execute(f"DELETE FROM {POSTING} WHERE segment_id = %s", [segment])
                    budget -= cursor.rowcount
                    pending.pop(0)
                else:
                    cursor.execute(
                        f"DELETE FROM {POSTING} WHERE segment_id = %s AND term_id <= %s",
                        [segment, row[0]],
                    )
                    budget = 0


def _live(cursor) -> BitMap:
    cursor.execute(f"SELECT live FROM {STATE} WHERE id = 1")
    row = cursor.fetchone()
    return BitMap.deserialize(row[0]) if row else BitMap()


def _segments(cursor, live: BitMap) -> list[tuple[int, int, int]]:
    """(id, documents written, documents live) of every segment, oldest first."""
    cursor.execute(f"SELECT id, doc_count, docs FROM {SEGMENT} ORDER BY id")
    return [
        (segment, count, BitMap.deserialize(docs).intersection_cardinality(live))
        for segment, count, docs in cursor.fetchall()
    ]


def _plan(segments: list[tuple[int, int, int]], full: bool) -> list[int]:
    """The segments to merge next, or [] when the index is in shape."""
    if full:
        if len(segments) > 1 or any(live < count for _, count, live in segments):
            return [segment for segment, _, _ in segments]
        return []
    tiers: dict[int, list[int]] = defaultdict(list)
    for segment, _, live in segments:
        tiers[int(math.log(max(live, 1), MERGE_FACTOR))].append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            return tiers[tier][:MERGE_FACTOR]
    for segment, count, live in segments:
        if live < count * MIN_LIVE_SHARE:
            return [segment]  # mostly retired: rewrite it without them
    return []


def _merge(cursor, state: _State, sources: list[int]) -> int:
    """Write the union of ``sources`` (live documents only) as a new segment, in the
    caller's transaction (a batch written in pieces)."""
    found = _source_segments(cursor, sources)
    newest = max(newest for newest, _ in found)
    docs = BitMap.union(*(docs for _, docs in found)) & state.live
    state.last_segment += 1
    segment = state.last_segment
    totals = [0, 0]
    # Stream through a list of batches: both engines see each source read as finished
    # before the next insert, whatever their cursor semantics.
    out = _merged_rows(cursor, sources, segment, state.live, totals)
    while batch := list(itertools.islice(out, BATCH * 5)):
        _insert_postings(cursor, batch)
    _insert_segment(cursor, segment, newest, docs, totals[0], totals[1], merged=True)
    marks = _placeholders(len(sources))
    cursor.execute(f"DELETE FROM {POSTING} WHERE segment_id IN ({marks})", sources)
    cursor.execute(f"DELETE FROM {SEGMENT} WHERE id IN ({marks})", sources)
    return segment


def _merged_rows(
    cursor, sources: list[int], segment: int, live: BitMap, totals: list[int]
) -> Iterator[tuple[int, int, int, bytes]]:
    """The posting rows of ``sources`` merged, in term order, less documents not live;
    ``totals`` counts their terms and blob bytes."""
    streams = [_read_segment(cursor, source) for source in sources]
    merged = heapq.merge(*streams, key=itemgetter(0))
    for term_id, group in itertools.groupby(merged, key=itemgetter(0)):
        parts = [BitMap.deserialize(blob) for _, blob in group]
        bitmap = parts[0] if len(parts) == 1 else BitMap.union(*parts)
        bitmap &= live
        if not bitmap:
            continue
        bitmap.run_optimize()
        blob = bitmap.serialize()
        totals[0] += 1
        totals[1] += len(blob)
        yield term_id, segment, len(bitmap), blob


def _read_segment(cursor, segment: int) -> Iterator[tuple[int, bytes]]:
    """A segment's (term id, blob) in term order, a page at a time."""
    after = -1
    while True:
        cursor.execute(
            f"SELECT term_id, docs FROM {POSTING} WHERE segment_id = %s AND term_id > %s"
            " ORDER BY term_id LIMIT %s",
            [segment, after, BATCH],
        )
        page = cursor.fetchall()
        if not page:
            return
        yield from page
        after = page[-1][0]


# --- statistics --------------------------------------------------------------------------


def stats(using: str = DEFAULT_DB_ALIAS) -> IndexStats:
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT generation, live, retired FROM {STATE} WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            return IndexStats(0, 0, 0, 0, 0, 0)
        generation, live, retired = row[0], BitMap.deserialize(row[1]), BitMap.deserialize(row[2])
        cursor.execute(
            f"SELECT id, newest, doc_count, docs, term_count, blob_bytes, merged FROM {SEGMENT}"
            " ORDER BY id"
        )
        segments = [
            SegmentStats(
                id=segment,
                newest=newest,
                docs=count,
                live=BitMap.deserialize(docs).intersection_cardinality(live),
                terms=terms,
                blob_bytes=blob_bytes,
                merged=bool(merged),
            )
            for segment, newest, count, docs, terms, blob_bytes, merged in cursor.fetchall()
        ]
        # Distinct terms over live segments would need a scan of every posting: the sum
        # of segments' term counts is an upper bound, exact for one segment.
        terms = sum(s.terms for s in segments)
    return IndexStats(
        generation=generation,
        live_docs=len(live),
        retired_docs=len(retired),
        terms=terms,
        postings=sum(s.terms for s in segments),
        blob_bytes=sum(s.blob_bytes for s in segments),
        segments=segments,
    )
