# ruff: noqa: S608 — SQL is built only from our own table names and "%s" placeholders.
"""Searching the index: a per-process cache of decoded bitmaps, and queries over them.

A search reads SearchState's generation (one indexed row). While it is unchanged, every
term in the cache is current and costs no SQL at all. When it changes, the live bitmap
is read again, and a cached term is brought up to date by reading only the segments that
hold documents it has not seen (``SearchSegment.newest > seen``), usually none: a merge
or a retirement changes no term, and an import adds one segment. That holds because a
document's terms never change (a changed record gets a new document id); a cached bitmap
may still hold retired documents, which the live bitmap removes from every result.

The cache is an LRU bounded by the bitmaps' serialised size, CATALOG_SEARCH_CACHE_BYTES
(default 128 MB), per database alias.
"""

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from pyroaring import BitMap, FrozenBitMap

from bibliobridge.core import sql

from .query import All, And, Not, Or, Query, Range, Term, term_id
from .store import IN_CHUNK, POSTING, SEGMENT, STATE, TERM, _placeholders

__all__ = ["Result", "cache_info", "search"]

EMPTY = FrozenBitMap()
# Bytes a cached entry costs beyond its serialised bitmap (objects, dict slot).
ENTRY_OVERHEAD = 200


@dataclass
class Result:
    total: int
    doc_ids: list[int]  # the page, in rank order
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class _Entry:
    __slots__ = ("bitmap", "seen", "size")

    def __init__(self, bitmap: FrozenBitMap, seen: int, size: int) -> None:
        self.bitmap, self.seen, self.size = bitmap, seen, size


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits = self.misses = self.refreshes = self.answered = 0
        self.reset(None)

    def reset(self, epoch: int | None) -> None:
        self.epoch = epoch
        self.generation: int | None = None
        self.horizon = 0  # SearchState.last_fresh at the generation read
        self.live = EMPTY
        self.terms: OrderedDict[str, _Entry] = OrderedDict()
        self.bytes = 0
        self.values: dict[str, list[tuple[str, int]]] = {}
        self.tops: dict[tuple[str, int], dict[str, FrozenBitMap]] = {}
        self.answers: OrderedDict[tuple, _Answer] = OrderedDict()
        self.answers_bytes = 0

    def remember(self, key: tuple, answer: "_Answer") -> None:
        limit = _answers_limit()
        if answer.size > limit // 4:
            return
        self.answers[key] = answer
        self.answers_bytes += answer.size
        while self.answers_bytes > limit:
            _, old = self.answers.popitem(last=False)
            self.answers_bytes -= old.size

    def sync(self, cursor) -> bool:
        """Check the generation; False when there is no index at all."""
        cursor.execute(f"SELECT epoch, generation FROM {STATE} WHERE id = 1")
        row = cursor.fetchone()
        if row is None:
            self.reset(None)
            return False
        if row[0] != self.epoch:
            self.reset(row[0])
        if row[1] != self.generation:
            # One statement, so the live bitmap and the horizon belong together.
            cursor.execute(f"SELECT epoch, generation, last_fresh, live FROM {STATE} WHERE id = 1")
            epoch, generation, horizon, live = cursor.fetchone()
            if epoch != self.epoch:
                self.reset(epoch)
            self.generation, self.horizon = generation, horizon
            self.live = _without_runs(FrozenBitMap.deserialize(live))
            self.values, self.tops = {}, {}
            self.answers.clear()
            self.answers_bytes = 0
        return True

    def values_of(self, cursor, namespace: str, limit: int) -> list[tuple[str, int]]:
        """A namespace's values with their numbers of live documents, most first.

        Counted from the values' bitmaps (read through the cache, which refreshes them from
        new segments only), so a retired document counts nowhere, whether or not a merge
        has rewritten its segment; values no live document carries are left out. Read once
        per generation.
        """
        if namespace not in self.values:
            cursor.execute(f"SELECT term FROM {TERM} WHERE namespace = %s", [namespace])
            terms = [term for (term,) in cursor.fetchall()]
            bitmaps = self.fetch(cursor, terms, limit)
            live, cut = self.live, len(namespace) + 1
            counts = [(term[cut:], live.intersection_cardinality(bitmaps[term])) for term in terms]
            counts.sort(key=lambda item: (-item[1], item[0]))
            self.values[namespace] = [(value, n) for value, n in counts if n]
        return self.values[namespace]

    def top_values(self, cursor, namespace: str, n: int, limit: int) -> dict[str, FrozenBitMap]:
        """The ``n`` values of a namespace with the most live documents, and their bitmaps:
        what every search's facets count, looked up once per generation."""
        key = (namespace, n)
        if key not in self.tops:
            values = [value for value, _ in self.values_of(cursor, namespace, limit)[:n]]
            bitmaps = self.fetch(cursor, [f"{namespace}:{value}" for value in values], limit)
            self.tops[key] = {value: bitmaps[f"{namespace}:{value}"] for value in values}
        return self.tops[key]

    def fetch(self, cursor, terms: Iterable[str], limit: int) -> dict[str, FrozenBitMap]:
        found: dict[str, FrozenBitMap] = {}
        missing: list[str] = []
        stale: dict[int, list[str]] = {}
        for term in terms:
            entry = self.terms.get(term)
            if entry is None:
                missing.append(term)
            elif entry.seen < self.horizon:
                stale.setdefault(entry.seen, []).append(term)
            else:
                self.terms.move_to_end(term)
                found[term] = entry.bitmap
                self.hits += 1
        self.misses += len(missing)
        for term, blobs in _read(cursor, missing, None).items():
            bitmap, size = _decode(blobs, self.live)
            found[term] = self._put(term, bitmap, size)
        for term in missing:
            if term not in found:
                found[term] = self._put(term, EMPTY, 0)
        for seen, group in stale.items():
            self.refreshes += len(group)
            news = _read(cursor, group, seen)
            for term in group:
                entry = self.terms[term]
                if term in news:
                    bitmap, size = _decode(news[term], self.live)
                    self._put(term, entry.bitmap | bitmap, entry.size + size)
                else:
                    entry.seen = self.horizon
                    self.terms.move_to_end(term)
                found[term] = self.terms[term].bitmap
        while self.bytes > limit and len(self.terms) > 1:
            _, entry = self.terms.popitem(last=False)
            self.bytes -= entry.size + ENTRY_OVERHEAD
        return found

    def _put(self, term: str, bitmap: FrozenBitMap, size: int) -> FrozenBitMap:
        old = self.terms.pop(term, None)
        if old is not None:
            self.bytes -= old.size + ENTRY_OVERHEAD
        self.terms[term] = _Entry(bitmap, self.horizon, size)
        self.bytes += size + ENTRY_OVERHEAD
        return bitmap


def _read(cursor, terms: list[str], seen: int | None) -> dict[str, list[bytes]]:
    """The blobs of these terms, from every segment or from those newer than ``seen``."""
    blobs: dict[str, list[bytes]] = {}
    for start in range(0, len(terms), IN_CHUNK):
        by_id = {term_id(term): term for term in terms[start : start + IN_CHUNK]}
        ids = list(by_id)
        sql = f"SELECT p.term_id, p.docs FROM {POSTING} p WHERE p.term_id IN ({_placeholders(len(ids))})"
        if seen is not None:
            sql = (
                f"SELECT p.term_id, p.docs FROM {POSTING} p JOIN {SEGMENT} s ON s.id = p.segment_id"
                f" WHERE p.term_id IN ({_placeholders(len(ids))}) AND s.newest > %s"
            )
            ids = [*ids, seen]
        cursor.execute(sql, ids)
        for found, blob in cursor.fetchall():
            blobs.setdefault(by_id[found], []).append(blob)
    return blobs


def _decode(blobs: list[bytes], live: FrozenBitMap) -> tuple[FrozenBitMap, int]:
    """The union of a term's blobs less the documents not live, and the blobs' size.

    Every result is intersected with the live bitmap, so a retired document (ids are
    never reused) only slows the bitmap down: in a catalogue whose clusters are indexed
    again as they grow, most of an unmerged segment's documents are retired. A document
    newer than ``live`` is dropped too, and comes back when the entry is refreshed: it
    lies in a segment newer than the horizon read with ``live``.
    """
    size = sum(len(blob) for blob in blobs)
    if len(blobs) == 1:
        return FrozenBitMap.deserialize(blobs[0]) & live, size
    union = BitMap.union(*(BitMap.deserialize(blob) for blob in blobs)) & live
    return FrozenBitMap(union, optimize=False), size


def _without_runs(bitmap: FrozenBitMap) -> FrozenBitMap:
    """The same documents in array and bitset containers only.

    Stored bitmaps are run-optimised (a segment's documents are mostly consecutive), and
    the live bitmap too; what is ANDed with a run container keeps runs, and counting a
    result against a value's bitmap of many short runs walks every run: the facets of the
    1M catalogue's search mix took 0.55-0.69 ms a search so, 0.35-0.39 without runs. As
    every cached bitmap is ANDed with live, a live bitmap without runs keeps them all so.
    """
    return FrozenBitMap(BitMap(bitmap.to_array(), optimize=False), optimize=False)


_caches: dict[str, _Cache] = {}
_caches_lock = threading.Lock()


def _cache(using: str) -> _Cache:
    with _caches_lock:
        return _caches.setdefault(using, _Cache())


def cache_info(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    cache = _cache(using)
    return {
        "terms": len(cache.terms),
        "bytes": cache.bytes,
        "hits": cache.hits,
        "misses": cache.misses,
        "refreshes": cache.refreshes,
        "answered": cache.answered,
        "answers": len(cache.answers),
    }


# --- searching -----------------------------------------------------------------------


def search(
    query: Query,
    page: int = 1,
    page_size: int = 20,
    facets: Sequence[str] = (),
    *,
    rank: Sequence[Query] = (),
    descending: bool = True,
    facet_limit: int = 20,
    using: str = DEFAULT_DB_ALIAS,
) -> Result:
    """The documents matching ``query``: how many, one page of ids, and facet counts.

    Order: documents matching ``rank[0]`` first, then ``rank[1]`` and so on, then the
    rest; within each tier by document id, highest first unless ``descending`` is False.
    ``page`` counts from 1.

    Facets count, for each namespace in ``facets``, the matching documents under its
    ``facet_limit`` most common values (by live documents in the whole index) and under
    any value the query names (Term(namespace, value)); values counting zero are left
    out, the rest come most frequent first. Every count is exact: live documents only.
    """
    cache = _cache(using)
    limit = getattr(settings, "CATALOG_SEARCH_CACHE_BYTES", 128 * 1024 * 1024)
    key = (query, tuple(rank), tuple(facets), facet_limit)
    with cache.lock, sql.cursor(using) as cursor:
        if not cache.sync(cursor):
            return Result(0, [], {namespace: [] for namespace in facets})
        answer = cache.answers.get(key) if _answers_limit() else None
        if answer is not None:
            cache.answers.move_to_end(key)
            cache.answered += 1
        else:
            generation = cache.generation
            nodes = [query, *rank]
            values = {
                namespace: cache.values_of(cursor, namespace, limit)
                for namespace in {*facets, *(r.field for r in _walk(nodes, Range))}
            }
            named = _named_values(nodes, facets)
            terms = {*_terms(nodes, values), *(f"{n}:{v}" for n, vs in named.items() for v in vs)}
            bitmaps = cache.fetch(cursor, terms, limit)
            candidates = {
                namespace: {
                    **cache.top_values(cursor, namespace, facet_limit, limit),
                    **{
                        value: bitmaps[f"{namespace}:{value}"] for value in named.get(namespace, [])
                    },
                }
                for namespace in facets
            }
            live = cache.live
    if answer is None:
        evaluate = _Evaluator(bitmaps, values, live).evaluate
        matched = evaluate(query) & live
        tiers = []
        rest = matched
        for node in rank:
            tier = rest & evaluate(node)
            tiers.append(tier)
            rest = rest - tier
        tiers.append(rest)
        answer = _Answer(
            len(matched),
            tiers,
            {namespace: _count(matched, candidates[namespace]) for namespace in facets},
        )
        with cache.lock:
            if cache.generation == generation:
                cache.remember(key, answer)
    return Result(
        total=answer.total,
        doc_ids=_page(answer.tiers, max(page - 1, 0) * page_size, page_size, descending),
        facets={namespace: list(counts) for namespace, counts in answer.facets.items()},
    )


def _answers_limit() -> int:
    """Bytes of answers a process keeps (CATALOG_SEARCH_ANSWERS_BYTES, default 16 MB; 0:
    none, every search evaluated)."""
    return getattr(settings, "CATALOG_SEARCH_ANSWERS_BYTES", 16 * 1024 * 1024)


class _Answer:
    """What a search finds whatever the page: its matches in rank tiers, and its facets.

    The cache keeps answers for the generation they were computed in (``_Cache.answers``):
    a popular search, or the next page of one, costs its facets once (at 1M documents a
    common word's 57,000 matches take 4-5 ms to count).
    """

    __slots__ = ("facets", "size", "tiers", "total")

    def __init__(self, total: int, tiers: list, facets: dict[str, list[tuple[str, int]]]) -> None:
        self.total, self.tiers, self.facets = total, tiers, facets
        # About two bytes a document (array containers; bitsets are denser).
        self.size = ENTRY_OVERHEAD + 2 * total + 16 * sum(len(f) for f in facets.values())


def _page(tiers: list[BitMap], offset: int, size: int, descending: bool) -> list[int]:
    ids: list[int] = []
    for tier in tiers:
        n = len(tier)
        if offset >= n:
            offset -= n
            continue
        take = min(size - len(ids), n - offset)
        if descending:
            ids.extend(reversed(list(tier[n - offset - take : n - offset])))
        else:
            ids.extend(tier[offset : offset + take])
        offset = 0
        if len(ids) == size:
            break
    return ids


def _count(
    matched: BitMap | FrozenBitMap, candidates: dict[str, FrozenBitMap]
) -> list[tuple[str, int]]:
    counts = []
    for value, bitmap in candidates.items():
        n = matched.intersection_cardinality(bitmap)
        if n:
            counts.append((value, n))
    counts.sort(key=lambda item: (-item[1], item[0]))
    return counts


def _walk(nodes: Iterable[Query], kind: type) -> Iterable:
    for node in nodes:
        if isinstance(node, kind):
            yield node
        if isinstance(node, And | Or):
            yield from _walk(node.children, kind)
        elif isinstance(node, Not):
            yield from _walk([node.child], kind)


def _terms(nodes: Iterable[Query], values: dict[str, list[tuple[str, int]]]) -> Iterable[str]:
    for node in _walk(nodes, Term):
        yield from node.terms()
    for node in _walk(nodes, Range):
        for value, _ in values[node.field]:
            if node.accepts(value):
                yield f"{node.field}:{value}"


def _named_values(nodes: list[Query], facets: Sequence[str]) -> dict[str, list[str]]:
    """For each facet namespace, the values the query names (counted whatever their rank)."""
    named: dict[str, list[str]] = {}
    for node in _walk(nodes, Term):
        if node.field in facets:
            named.setdefault(node.field, []).extend(t.partition(":")[2] for t in node.terms())
    return named


class _Evaluator:
    def __init__(
        self,
        bitmaps: dict[str, FrozenBitMap],
        values: dict[str, list[tuple[str, int]]],
        live: FrozenBitMap,
    ) -> None:
        self.bitmaps, self.values, self.live = bitmaps, values, live

    def evaluate(self, node: Query) -> BitMap | FrozenBitMap:
        if isinstance(node, Term):
            maps = sorted((self.bitmaps[t] for t in node.terms()), key=len)
            if not maps:
                return EMPTY
            return maps[0].intersection(*maps[1:]) if len(maps) > 1 else maps[0]
        if isinstance(node, And):
            include = [self.evaluate(c) for c in node.children if not isinstance(c, Not)]
            exclude = [self.evaluate(c.child) for c in node.children if isinstance(c, Not)]
            include.sort(key=len)
            result = include[0].intersection(*include[1:]) if include else self.live
            if exclude:
                result = result - BitMap.union(*exclude)
            return result
        if isinstance(node, Or):
            return (
                BitMap.union(*(self.evaluate(c) for c in node.children)) if node.children else EMPTY
            )
        if isinstance(node, Not):
            return self.live - self.evaluate(node.child)
        if isinstance(node, Range):
            maps = [
                self.bitmaps[f"{node.field}:{value}"]
                for value, _ in self.values[node.field]
                if node.accepts(value)
            ]
            return BitMap.union(*maps) if maps else EMPTY
        if isinstance(node, All):
            return self.live
        raise TypeError(f"not a search query: {node!r}")
