"""OpenURL 1.0 KEV (Z39.88-2004) from discovery systems, read into a request's fields.

Both the 1.0 keys (``rft.atitle``, ``rft_id=info:doi/...``) and the older 0.1 keys many
link resolvers still send (``atitle``, ``id=doi:...``) are read; a genre of article or
chapter asks for a copy, anything else for a loan.
"""

from collections.abc import Mapping

from .enums import Service

COPY_GENRES = {"article", "bookitem", "chapter", "proceeding", "conference", "preprint"}


def _first(query: Mapping[str, list[str]], *keys: str) -> str:
    for key in keys:
        for candidate in (f"rft.{key}", key):
            values = query.get(candidate) or []
            for value in values:
                if value.strip():
                    return value.strip()
    return ""


def request_fields(query: Mapping[str, list[str]]) -> dict[str, str]:
    """The request form's initial values for an OpenURL's query (keys → lists of values)."""
    genre = _first(query, "genre").lower()
    copy = genre in COPY_GENRES
    ids = [*query.get("rft_id", []), *query.get("id", [])]
    doi = next(
        (
            value.split("/", 1)[1] if value.startswith("info:doi/") else value[4:]
            for value in ids
            if value.startswith(("info:doi/", "doi:"))
        ),
        "",
    )
    author = _first(query, "au")
    if not author:
        last, first = _first(query, "aulast"), _first(query, "aufirst", "auinit")
        author = f"{last}, {first}" if last and first else last
    pages = _first(query, "pages")
    if not pages:
        start, end = _first(query, "spage"), _first(query, "epage")
        pages = f"{start}-{end}" if start and end else start
    container = _first(query, "jtitle", "btitle", "title", "stitle")
    fields = {
        "service": Service.COPY if copy else Service.LOAN,
        "title": container if copy or not _first(query, "atitle") else _first(query, "atitle"),
        "article_title": _first(query, "atitle") if copy else "",
        "author": "" if copy else author,
        "article_author": author if copy else "",
        "isbn": _first(query, "isbn"),
        "issn": _first(query, "issn", "eissn"),
        "doi": doi,
        "date": _first(query, "date"),
        "volume": _first(query, "volume"),
        "issue": _first(query, "issue"),
        "pages": pages if copy else "",
        "publisher": _first(query, "pub", "publisher"),
        "place": _first(query, "place"),
        "edition": _first(query, "edition"),
    }
    return {key: str(value)[:1000] for key, value in fields.items() if value}
