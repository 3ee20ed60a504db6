import random

import pytest
from pyroaring import BitMap

from bibliobridge.catalog import search
from bibliobridge.catalog.search import All, And, Not, Or, Range, Term
from bibliobridge.catalog.text import tokens

pytestmark = pytest.mark.django_db

FACETS = ["l", "y", "h"]


def terms(title: str, lang: str = "eng", year: int = 2000, holders: tuple[int, ...] = (1,)):
    words = tokens(title)
    return [
        *(f"a:{w}" for w in words),
        *(f"t:{w}" for w in words),
        f"l:{lang}",
        f"y:{year}",
        *(f"h:{h}" for h in holders),
    ]


BOOKS = {
    1: terms("Pride and Prejudice", "eng", 1813, (1, 2)),
    2: terms("Sense and Sensibility", "eng", 1811, (1,)),
    3: terms("Orgueil et préjugés", "fre", 1932, (3,)),
    4: terms("红楼梦研究", "chi", 1952, (2, 3)),
    5: terms("紅樓夢", "chi", 1791, (3,)),
    6: terms("Война и мир", "rus", 1869, (1, 3)),
    7: terms("Pride of the valley", "eng", 1950, (2,)),
}


def ids(query, **kwargs) -> list[int]:
    return search.search(query, page_size=100, **kwargs).doc_ids


def test_boolean_operators_and_ranges():
    search.index_documents(BOOKS.items())

    assert ids(Term("a", "pride")) == [7, 1]
    assert ids(Term("a", "PRIDE prejudice")) == [1]
    assert ids(Term("a", "pride") | Term("a", "sensibility")) == [7, 2, 1]
    assert ids(And(Term("l", "eng", exact=True), Not(Term("a", "pride")))) == [2]
    assert ids(Not(Term("l", "eng", exact=True))) == [6, 5, 4, 3]
    assert ids(Range("y", 1800, 1900)) == [6, 2, 1]
    assert ids(Range("y", high=1800)) == [5]
    assert ids(Range("y", 1900) & Term("h", "3", exact=True)) == [4, 3]
    assert ids(Or(Term("a", "война"), Term("a", "nothing"))) == [6]
    assert ids(All()) == [7, 6, 5, 4, 3, 2, 1]
    assert ids(Term("a", "!!!")) == []
    assert ids(Term("a", "unknown")) == []


def test_cjk_through_text_tokens():
    search.index_documents(BOOKS.items())

    # Traditional and simplified fold alike; 红楼梦 is found inside 红楼梦研究.
    assert ids(Term("a", "紅樓夢")) == [5, 4]
    assert ids(Term("a", "红楼梦研究")) == [4]
    assert ids(Term("a", "楼梦研")) == [4]
    # A single character inside a longer run is not indexed (bigrams only).
    assert ids(Term("a", "楼")) == []


def test_ranking_tiers_paging_and_order():
    search.index_documents(BOOKS.items())
    extra = {10 + i: terms(f"Valley pride {i}" if i % 2 else f"Valley {i}") for i in range(10)}
    search.index_documents(extra.items())

    query = Term("a", "valley")
    assert ids(query) == [19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 7]
    ranked = ids(query, rank=[Term("t", "pride")])
    assert ranked == [19, 17, 15, 13, 11, 7, 18, 16, 14, 12, 10]
    assert ids(query, rank=[Term("t", "pride")], descending=False) == [
        7, 11, 13, 15, 17, 19, 10, 12, 14, 16, 18
    ]  # fmt: skip
    pages = [
        search.search(query, page=p, page_size=4, rank=[Term("t", "pride")]).doc_ids
        for p in (1, 2, 3, 4)
    ]
    assert pages == [[19, 17, 15, 13], [11, 7, 18, 16], [14, 12, 10], []]
    assert search.search(query, page=3, page_size=4).total == 11


def test_facets_match_a_brute_force_count():
    rng = random.Random(7)
    docs = {
        doc: terms(
            rng.choice(["alpha beta", "alpha", "beta gamma", "gamma"]),
            rng.choice(["eng", "eng", "eng", "ger", "fre", "chi", "rus"]),
            rng.randint(1990, 2000),
            tuple(rng.sample(range(1, 9), rng.randint(1, 3))),
        )
        for doc in range(1, 400)
    }
    search.index_documents(list(docs.items())[:200])
    search.index_documents(list(docs.items())[200:])
    search.retire(range(1, 400, 5))
    live = {doc: t for doc, t in docs.items() if doc % 5 != 1}

    query = Term("a", "alpha") & Term("h", "3", exact=True)
    result = search.search(query, facets=FACETS, facet_limit=100)
    matched = [t for t in live.values() if "a:alpha" in t and "h:3" in t]
    assert result.total == len(matched)
    for namespace in FACETS:
        counts: dict[str, int] = {}
        for t in matched:
            for term in t:
                if term.startswith(f"{namespace}:"):
                    value = term.partition(":")[2]
                    counts[value] = counts.get(value, 0) + 1
        assert dict(result.facets[namespace]) == counts
        assert [n for _, n in result.facets[namespace]] == sorted(counts.values(), reverse=True)

    # Only the two most common languages are counted, and the one the query names.
    result = search.search(
        Term("a", "gamma") & Term("l", "rus", exact=True), facets=["l"], facet_limit=2
    )
    assert [value for value, _ in result.facets["l"]] == ["rus"]
    # The two with the most live documents in the whole index are picked.
    indexed = [t for t in live.values() for t in t if t.startswith("l:")]
    top = sorted(set(indexed), key=lambda t: (-indexed.count(t), t))[:2]
    result = search.search(Term("a", "gamma"), facets=["l"], facet_limit=2)
    assert {f"l:{value}" for value, _ in result.facets["l"]} == set(top)


def test_facet_values_are_picked_by_live_documents_merged_or_not():
    """Retired documents count nowhere: before a merge rewrites their segment, a value
    whose documents were mostly retired is not picked over one with more live."""
    search.index_documents([(doc, terms("Alpha", "ger", 1990, (1,))) for doc in range(1, 11)])
    search.index_documents([(doc, terms("Alpha", "eng", 1991, (2,))) for doc in range(11, 16)])
    search.retire(range(1, 9))  # 2 German documents live, 5 English

    def facets() -> dict:
        return search.search(Term("a", "alpha"), facets=FACETS, facet_limit=1).facets

    expected = {"l": [("eng", 5)], "y": [("1991", 5)], "h": [("2", 5)]}
    assert facets() == expected
    # A query naming a value still counts it.
    result = search.search(Term("l", "ger", exact=True), facets=["l"], facet_limit=1)
    assert result.facets["l"] == [("ger", 2)]

    search.merge_segments(full=True)
    assert facets() == expected
    # Every German document retired: the value is listed nowhere, not even for a range.
    search.retire([9, 10])
    assert search.search(All(), facets=["l"]).facets["l"] == [("eng", 5)]
    assert ids(Range("y", 1980, 1990)) == []


QUERIES = [
    Term("a", "alpha"),
    Term("a", "alpha beta"),
    Term("t", "gamma") | Term("l", "fre", exact=True),
    Not(Term("a", "beta")),
    Range("y", 1993, 1996) & Not(Term("h", "2", exact=True)),
    All(),
]


def corpus(n: int, seed: int = 11) -> dict[int, list[str]]:
    rng = random.Random(seed)
    return {
        doc: terms(
            " ".join(rng.sample(["alpha", "beta", "gamma", "delta", "红楼梦", "мир"], 2)),
            rng.choice(["eng", "ger", "fre"]),
            rng.randint(1990, 2000),
            tuple(rng.sample(range(1, 6), 2)),
        )
        for doc in range(1, n + 1)
    }


def snapshot() -> list:
    return [
        (r.total, r.doc_ids, r.facets)
        for r in (search.search(q, page_size=1000, facets=FACETS, facet_limit=50) for q in QUERIES)
    ]


def test_many_segments_read_like_one_rebuilt_segment():
    docs = corpus(300)
    items = list(docs.items())
    for start in range(0, 300, 50):
        search.index_documents(items[start : start + 50])
    assert len(search.stats().segments) == 6
    search.retire([5, 50, 150])
    many = snapshot()

    search.rebuild((doc, t) for doc, t in items if doc not in (5, 50, 150))
    stats = search.stats()
    assert len(stats.segments) == 1
    assert stats.live_docs == 297
    assert snapshot() == many


def test_retire_hides_documents_and_ids_are_not_reused():
    search.index_documents(BOOKS.items())
    assert ids(Term("a", "pride")) == [7, 1]

    assert search.retire([1, 99]) == 1
    assert ids(Term("a", "pride")) == [7]
    assert ids(Not(Term("a", "pride"))) == [6, 5, 4, 3, 2]
    assert search.search(All(), facets=["l"]).facets["l"] == [
        ("chi", 2),
        ("eng", 2),
        ("fre", 1),
        ("rus", 1),
    ]

    with pytest.raises(search.DocumentReused):
        search.index_documents([(1, ["a:pride"])])
    with pytest.raises(search.DocumentReused):
        search.index_documents([(2, ["a:pride"])])
    with pytest.raises(search.DocumentReused):
        search.index_documents([(20, ["a:x"]), (20, ["a:y"])])
    assert ids(Term("a", "x")) == []


def test_merges_keep_results_identical():
    docs = corpus(400, seed=3)
    items = list(docs.items())
    # Ten segments of 40: a tier of eight is merged, two are left.
    for start in range(0, 400, 40):
        search.index_documents(items[start : start + 40])
    search.retire(range(1, 400, 7))
    before = snapshot()

    merged = search.merge_segments()
    assert len(merged) == 1
    assert len(search.stats().segments) == 3
    assert snapshot() == before
    assert search.merge_segments() == []

    search.merge_segments(full=True)
    stats = search.stats()
    assert [(s.docs, s.live) for s in stats.segments] == [(343, 343)]  # 57 of 400 retired
    assert snapshot() == before


def test_a_big_batch_is_written_as_one_segment(monkeypatch):
    monkeypatch.setattr("bibliobridge.catalog.search.store.CHUNK_DOCS", 30)
    docs = corpus(100)
    segment = search.index_documents(docs.items())
    stats = search.stats()
    assert [s.id for s in stats.segments] == [segment]
    assert stats.segments[0].docs == 100
    assert ids(Term("a", "alpha")) == sorted(
        (doc for doc, t in docs.items() if "a:alpha" in t), reverse=True
    )


def test_cache_follows_other_writes():
    search.index_documents(BOOKS.items())
    assert ids(Term("a", "pride")) == [7, 1]
    assert ids(Term("a", "pride")) == [7, 1]  # from the cache
    hits = search.cache_info()["hits"]
    assert hits >= 1

    # A write (from any process) bumps the generation; the cached term reads only the
    # new segment.
    search.index_documents([(30, terms("Pride and honour"))])
    assert ids(Term("a", "pride")) == [30, 7, 1]
    assert search.cache_info()["refreshes"] >= 1
    search.retire([7])
    assert ids(Term("a", "pride")) == [30, 1]
    search.merge_segments(full=True)
    assert ids(Term("a", "pride")) == [30, 1]

    # A rebuild draws a new epoch: nothing cached survives.
    search.rebuild([(1, terms("Something else"))])
    assert ids(Term("a", "pride")) == []
    assert ids(Term("a", "something")) == [1]


def test_an_empty_index_finds_nothing():
    result = search.search(Term("a", "pride"), facets=["l"])
    assert (result.total, result.doc_ids, result.facets) == (0, [], {"l": []})
    assert search.index_documents([]) is None
    assert search.merge_segments() == []


def posting_segments() -> dict[int, int]:
    """Posting rows by segment id, whatever segments exist."""
    from django.db import connection

    from bibliobridge.catalog.search.store import POSTING

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT segment_id, COUNT(*) FROM {POSTING} GROUP BY segment_id")  # noqa: S608
        return dict(cursor.fetchall())


def test_a_merge_writes_and_deletes_a_few_rows_a_transaction(monkeypatch):
    monkeypatch.setattr("bibliobridge.catalog.search.store.MERGE_ROWS_PER_TRANSACTION", 3)
    items = list(corpus(400, seed=5).items())
    for start in range(0, 400, 40):
        search.index_documents(items[start : start + 40])
    search.retire(range(1, 400, 3))
    before = snapshot()

    merged = search.merge_segments()
    stats = search.stats()
    assert len(merged) == 1  # a tier of eight; two left
    assert len(stats.segments) == 3
    assert {s.id for s in stats.segments} == set(posting_segments())
    assert sum(s.terms for s in stats.segments) == sum(posting_segments().values())
    assert snapshot() == before
    search.merge_segments(full=True)
    assert snapshot() == before


def test_what_a_dead_merger_left_is_found_alike_and_deleted_by_the_next():
    from django.db import connection

    from bibliobridge.catalog.search import reader, store

    items = list(corpus(100).items())
    search.index_documents(items[:50])
    search.index_documents(items[50:])
    search.retire(range(1, 100, 4))
    before = snapshot()
    # A merger wrote part of a merge (true of its documents, retired ones too) and died.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {store.STATE} SET last_segment = last_segment + 1")  # noqa: S608
        cursor.execute(f"SELECT last_segment FROM {store.STATE}")  # noqa: S608
        (dead,) = cursor.fetchone()
        rows = {}
        for doc, doc_terms in items[:30]:
            for term in doc_terms:
                rows.setdefault(term, []).append(doc)
        store._insert_postings(
            cursor,
            sorted(
                (store.hash_term(t), dead, len(d), BitMap(d).serialize()) for t, d in rows.items()
            ),
        )
    reader._caches.clear()  # a process that has cached nothing yet reads every row
    assert snapshot() == before

    assert search.merge_segments() == []  # two segments, three quarters live: in shape
    assert set(posting_segments()) == {s.id for s in search.stats().segments}
    assert snapshot() == before


def test_a_merge_gives_up_when_the_index_is_rebuilt(monkeypatch):
    from bibliobridge.catalog.search import store

    monkeypatch.setattr(store, "MERGE_ROWS_PER_TRANSACTION", 5)
    items = list(corpus(80).items())
    for start in range(0, 80, 10):
        search.index_documents(items[start : start + 10])
    insert = store._insert_postings
    calls = []

    def rebuilt_meanwhile(cursor, rows):
        calls.append(1)
        if len(calls) == 2:  # the merge's second batch: another process rebuilds first
            search.rebuild([(1000, terms("Something else"))])
        return insert(cursor, rows)

    monkeypatch.setattr(store, "_insert_postings", rebuilt_meanwhile)
    assert search.merge_segments() == []
    stats = search.stats()
    assert [(s.docs, s.live) for s in stats.segments] == [(1, 1)]
    assert set(posting_segments()) == {stats.segments[0].id}
    assert ids(Term("a", "alpha")) == []
    assert ids(Term("a", "something")) == [1000]


def test_a_search_answered_again_until_the_next_write(settings):
    search.index_documents(BOOKS.items())
    query, rank = Term("a", "pride") | Term("l", "chi", exact=True), [Term("t", "pride")]
    first = search.search(query, page_size=2, facets=FACETS, rank=rank)
    assert (first.total, first.doc_ids) == (4, [7, 1])
    first.facets["l"].clear()  # what a caller does with its result is its own
    answered = search.cache_info()["answered"]
    second = search.search(query, page=2, page_size=2, facets=FACETS, rank=rank)
    assert (second.total, second.doc_ids) == (4, [5, 4])
    assert second.facets["l"] == [("chi", 2), ("eng", 2)]
    assert search.cache_info()["answered"] == answered + 1

    search.index_documents([(30, terms("Pride and honour", "chi"))])  # a new generation
    third = search.search(query, page_size=2, facets=FACETS, rank=rank)
    assert (third.total, third.doc_ids) == (5, [30, 7])
    assert third.facets["l"] == [("chi", 3), ("eng", 2)]
    assert search.cache_info()["answered"] == answered + 1

    settings.CATALOG_SEARCH_ANSWERS_BYTES = 0  # none kept: every search evaluated
    search.search(query, facets=FACETS, rank=rank)
    search.search(query, facets=FACETS, rank=rank)
    assert search.cache_info()["answered"] == answered + 1
