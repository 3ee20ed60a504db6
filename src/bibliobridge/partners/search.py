"""Folding names for search in any script.

A name is folded to NFKC, case-folded, and stripped of diacritics, so “Dostoevskiĭ”,
“dostoevskii” and “DOSTOEVSKIĬ” meet; CJK, Cyrillic, Arabic and Hebrew pass through
unchanged apart from width and case (so ＮＤＬ finds NDL and Ё finds ё).
"""

import unicodedata

# Letters that do not decompose into a base letter plus a combining mark.
_SPECIAL = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"}
)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped).translate(_SPECIAL)


def search_terms(query: str) -> list[str]:
    return [term for term in fold(query).split() if term]
