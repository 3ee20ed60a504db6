"""The query language of the index: a small tree of terms, boolean operators and ranges.

    Term("a", "红楼梦") & Term("l", "chi", exact=True) & ~Term("t", "研究")
    And(Term("a", "pride prejudice"), Range("y", 1800, 1850))

A Term's text goes through ``catalog.text.tokens`` and every token must match, so a
multi-word or CJK text behaves like a phrase without positions: 红楼梦 is 红楼 AND 楼梦.
The caller must have indexed its documents with the same tokens, under the same
namespace ("a:红楼", "t:pride"). ``exact=True`` takes the text as one term, untouched: for
identifiers and codes (ISSN 0028-0836, language eng, holder 42) that are indexed as given.
"""

import hashlib
from dataclasses import dataclass

from ..text import tokens

__all__ = ["All", "And", "Not", "Or", "Query", "Range", "Term", "clip", "term_id"]

# SearchTerm.term's length; longer terms are cut the same way when indexed and queried.
MAX_TERM = 255


def clip(term: str) -> str:
    return term[:MAX_TERM]


def term_id(term: str) -> int:
    """A term's id: 63 bits of its BLAKE2b hash, the same in every process and database.

    Postings carry it, so indexing needs no look-up or insert of the term's text, and a
    query reads postings without a join. Two terms sharing an id (about one chance in
    10^6 with ten million terms) would only let one find the other's documents too.
    """
    digest = hashlib.blake2b(clip(term).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class Query:
    """A node of the query tree; ``&``, ``|`` and ``~`` build And, Or and Not."""

    def __and__(self, other: "Query") -> "And":
        return And(self, other)

    def __or__(self, other: "Query") -> "Or":
        return Or(self, other)

    def __invert__(self) -> "Not":
        return Not(self)


@dataclass(frozen=True)
class Term(Query):
    """Documents carrying every token of ``text`` in namespace ``field``."""

    field: str
    text: str
    exact: bool = False

    def terms(self) -> list[str]:
        if self.exact:
            return [clip(f"{self.field}:{self.text}")] if self.text else []
        return [clip(f"{self.field}:{token}") for token in dict.fromkeys(tokens(self.text))]


@dataclass(frozen=True, init=False)
class And(Query):
    children: tuple[Query, ...]

    def __init__(self, *children: Query) -> None:
        object.__setattr__(self, "children", children)


@dataclass(frozen=True, init=False)
class Or(Query):
    children: tuple[Query, ...]

    def __init__(self, *children: Query) -> None:
        object.__setattr__(self, "children", children)


@dataclass(frozen=True)
class Not(Query):
    """Live documents not matching ``child``; inside an And, a difference."""

    child: Query


@dataclass(frozen=True)
class Range(Query):
    """Documents with an integer value in [low, high] in ``field`` ("y:1813"); None is open."""

    field: str
    low: int | None = None
    high: int | None = None

    def accepts(self, value: str) -> bool:
        try:
            number = int(value)
        except ValueError:
            return False
        return (self.low is None or number >= self.low) and (
            self.high is None or number <= self.high
        )


@dataclass(frozen=True)
class All(Query):
    """Every live document: a query made only of filters starts here."""
