"""An inverted index over integer document ids, kept in the database as roaring bitmaps.

    from bibliobridge.catalog import search

    search.index_documents([(1, ["a:pride", "t:pride", "l:eng", "y:1813"]), ...])
    result = search.search(search.Term("a", "pride") & search.Range("y", 1800, 1850),
                           page=1, page_size=20, facets=["l", "y"],
                           rank=[search.Term("t", "pride")])
    result.total, result.doc_ids, result.facets["l"]  # [("eng", 1), ...]

Documents are integers, terms are "namespace:value" strings chosen by the caller. A
document's terms never change: changed content gets a new id and the old one is retired.
See docs/search-index.md for the design and its measured figures.
"""

from .query import All, And, Not, Or, Query, Range, Term
from .reader import Result, cache_info, search
from .store import (
    DocumentReused,
    IndexStats,
    SegmentStats,
    index_documents,
    merge_segments,
    rebuild,
    retire,
    stats,
)

__all__ = [
    "All",
    "And",
    "DocumentReused",
    "IndexStats",
    "Not",
    "Or",
    "Query",
    "Range",
    "Result",
    "SegmentStats",
    "Term",
    "cache_info",
    "index_documents",
    "merge_segments",
    "rebuild",
    "retire",
    "search",
    "stats",
]
