"""Which offered item is a wanted one: blocking, scoring and the reasons, for exchange lists.

Wants and offers pair only across sides: our wants with partners' offers, and a
partner's wants with our offers; never two items of ours, nor two partners' items. The
items are plain ``Item`` tuples, so the engine runs on a million offers without the ORM.

Three steps:

1. Blocking. The wants (the small side) are indexed under keys: the ISBN-13, the ISSN,
   and for each form of the title (as written, folded with Traditional Chinese as
   Simplified, and romanised: pinyin, Hepburn, McCune-Reischauer, ALA-LC Cyrillic) the
   first and the last ``KEY_CHARS`` letters of the main title, folded, without spaces and
   a leading article. Two keys per form, so a typo in one end of a title still meets the
   other, and a dropped subtitle does not matter; a short title is also keyed with each
   one of its letters left out, so that one typo anywhere still meets. Each offer computes its own keys once
   (plain ASCII titles take a fast path with the same result as ``fold``) and looks them
   up; the other offers cost one pass and no comparison.
2. A cheap filter on the candidates: pairs whose years are more than one apart with no
   identifier in common, or whose main titles are less than ``TITLE_FLOOR`` alike, are
   dropped before anything is built for them.
3. The union catalogue's own comparison (``catalog.matching.compare_profiles``) on the
   rest: the same vetoes (other edition, volume, year, language, print against
   electronic, different ISBNs), scores and reasons. A list item carries less than a
   catalogue record (often no publisher or year), so a pair the catalogue calls "not
   enough" is still suggested when nothing vetoes it, the titles agree closely and the
   author, publisher or year agrees, and the names do not disagree: staff decide.
"""

import functools
import gc
import multiprocessing as mp
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import Indel

from bibliobridge.catalog.marc.record import Isbn, NormalisedRecord
from bibliobridge.catalog.matching import MESSAGES as CATALOG_MESSAGES
from bibliobridge.catalog.matching import (  # the catalogue's measure of titles, reused
    Profile,
    _title_similarity,
    _volumes,
    compare_profiles,
    profile,
)
from bibliobridge.catalog.matching import Reason as CatalogReason
from bibliobridge.catalog.text import consonants, fold, has_hebrew_or_arabic, romanise, script_of
from bibliobridge.core.memory import collector_paused

__all__ = ["MESSAGES", "Item", "Suggestion", "describe", "match", "suggest_reason", "title_forms"]

KEY_CHARS = 10
# Main titles less alike than this (normalised Indel similarity, squeezed forms) are not
# compared further; the catalogue's own floor for a match without an identifier is 0.9.
TITLE_FLOOR = 0.8
# A typo in a short title breaks both its start and its end: such titles are also keyed
# by each form less one letter (the symmetric deletion of SymSpell).
SHORT_MIN, SHORT_MAX = 5, 19
# How alike titles must be for a suggestion without an identifier or the catalogue's
# full agreement (publisher and year).
SUGGEST_TITLE = 0.9
# With an ISBN in common, how alike the main titles must be when the whole titles are not
# (a subtitle left out and a typo); a title alone is enough when its main part is this long.
TITLE_WITH_ID_MAIN = 0.85
BARE_TITLE = 20
# How alike titles must be when the year is not on both sides.
UNDATED_TITLE = 0.97
# Languages written in Hebrew or Arabic script (ISO 639-2/B): a list gives their titles in
# the script or romanised, and only the consonants of the two agree.
CONSONANTAL = frozenset("heb yid lad ara per urd pus snd uig kur ota".split())
# Languages whose plain ASCII titles title_forms keys otherwise than _ascii_squeezed.
_KEYED_APART = CONSONANTAL | {"jpn"}
# The catalogue's reasons that keep two records apart.
_VETOES = frozenset(
    "different_isbns different_oclc different_lccn same_isbn_different_title different_title "
    "different_year different_edition different_volume different_numbers different_language "
    "different_material print_and_electronic".split()
)

# The exchange's own reasons, beside the catalogue's (catalog.matching.MESSAGES).
MESSAGES = {
    **CATALOG_MESSAGES,
    "list_item_title": _("Same title (%(percent)s%% alike) and nothing disagrees"),
    "main_title": _("Same main title (%(percent)s%% alike); the subtitle is left out on one"),
}

# Figures of the latest run, for the benchmark.
LAST_RUN: dict[str, int] = {}
_ARTICLES = frozenset("the a an der die das le la les l el los las il lo gli un une".split())
_SUBTITLE = re.compile(r"\s[:=/]\s|\s[:=]$|\s[:=/]$")
_ASCII_SPACE = str.maketrans(
    {c: " " for c in map(chr, range(128)) if not c.isalnum() and c not in " "}
)
_ASCII_SUBTITLE = (" : ", " / ", " = ")
_DIGITS = re.compile(r"\D+")
_BIDI_MARKS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@dataclass(frozen=True)
class Reason(CatalogReason):
    """A reason of the catalogue's or of the exchange's own (MESSAGES here)."""

    def __str__(self) -> str:
        return describe(self.code, self.params)


class Item(NamedTuple):
    """One list item as the engine sees it.

    ``owner`` is the partner's id, or None for our library's items. ``isbn`` is an
    ISBN-13 that checks (an ISBN-10 is converted), or empty: a mistyped ISBN is no key.
    """

    id: int
    owner: int | None
    title: str
    author: str = ""
    publisher: str = ""
    year: int | None = None
    edition: str = ""
    isbn: str = ""
    issn: str = ""
    language: str = ""
    forms: str = ""  # title_forms(title, language), when kept with the item


@dataclass
class Suggestion:
    want: int  # Item.id of the want
    offer: int  # Item.id of the offer
    score: float  # 0..1
    reasons: list[CatalogReason] = field(default_factory=list)
    # False for a pair suggested on title and names alone, without a year on both sides:
    # dropped when the want (or offer) meets other editions too (see match).
    firm: bool = True

    def reason_data(self) -> list[dict]:
        """The reasons as stored: code and params, rendered in each viewer's language."""
        return [{"code": r.code, "params": r.params} for r in self.reasons]


def describe(code: str, params: dict) -> str:
    """A stored reason in the active language; an unknown code (from an older release) as
    itself rather than an error."""
    message = MESSAGES.get(code)
    if message is None:
        return code
    try:
        return str(message) % params
    except (KeyError, TypeError, ValueError):
        return str(message)


def suggest_reason(reasons: Sequence[dict]) -> str:
    return "; ".join(describe(r.get("code", ""), r.get("params", {})) for r in reasons)


# --- keys ---------------------------------------------------------------------------------


def isbn13(value: str) -> str:
    """An ISBN-13 from 13 digits, or from an ISBN-10 (digits and X); else empty."""
    digits = value.replace("-", "").replace(" ", "").upper()
    if len(digits) == 13 and digits.isdigit():
        return digits
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        body = "978" + digits[:9]
        total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
        return body + str((10 - total % 10) % 10)
    return ""


def _ascii_squeezed(title: str) -> str:
    """The squeezed main title of a plain ASCII title: what _squeezed gives, faster."""
    for mark in _ASCII_SUBTITLE:
        cut = title.find(mark)
        if cut > 0:
            title = title[:cut]
    words = title.lower().translate(_ASCII_SPACE).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        del words[0]
    return "".join(words)


def _squeezed(title: str, language: str = "", romanised: bool = True) -> str:
    """The main title folded (romanised when asked), without a leading article or spaces."""
    main = _SUBTITLE.split(title, maxsplit=1)[0]
    if main.isascii() and language != "jpn":
        return _ascii_squeezed(main)
    words = (romanise(main, language) if romanised else fold(main)).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        del words[0]
    return "".join(words)


@functools.lru_cache(maxsize=512)
def catalogue_language(code: str) -> str:
    """A list item's ISO 639 code (zh, zho, chi) as the catalogue writes it: 639-2/B (chi)."""
    code = (code or "").strip().lower()
    if not code:
        return ""
    import pycountry

    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else None
    found = found or pycountry.languages.get(alpha_3=code)
    if found is None:
        return code
    return getattr(found, "bibliographic", found.alpha_3)


def title_forms(title: str, language: str = "") -> str:
    """Every squeezed form under which a title is keyed, space-separated: folded, and
    romanised when it is in another script (a romanised want meets a vernacular offer and
    the reverse); for a language written in Hebrew or Arabic script, the consonants of the
    main title (catalog.text.consonants), which its script and its romanisation share.
    Romanising Japanese costs a few milliseconds, so a list item keeps this
    (ListItem.match_title) from when it is saved, and the engine takes it as it is."""
    language = catalogue_language(language)
    title = title.translate(_BIDI_MARKS)  # "ספר ארחות ימים :‏ ‏חידושים": the colon's marks
    folded = _squeezed(title, language, romanised=False)
    if language in CONSONANTAL or has_hebrew_or_arabic(title):
        # In upper case, so that it never meets a folded form.
        skeleton = consonants(_SUBTITLE.split(title, maxsplit=1)[0])
        return " ".join(form for form in dict.fromkeys((folded, skeleton)) if form)
    if script_of(title) == "latn" and (folded.isascii() or language != "jpn"):
        return folded
    romanised = _squeezed(title, language)
    return " ".join(form for form in dict.fromkeys((folded, romanised)) if form)


# --- profiles: the catalogue's comparison on list items ----------------------------------


def _profile(item: Item) -> Profile:
    return profile(
        NormalisedRecord(
            local_id=str(item.id),
            flavour="",
            kind="bibliographic",
            title=item.title,
            names=[item.author] if item.author else [],
            publisher=item.publisher,
            year=item.year,
            edition=item.edition,
            languages=[catalogue_language(item.language)] if item.language else [],
            isbns=[Isbn(code, True)] if (code := isbn13(item.isbn)) else [],
            issns=[item.issn] if item.issn else [],
        )
    )


def _title_percent(want: Profile, offer: Profile) -> int:
    """How alike the titles are in any script (the catalogue's own measure), in percent."""
    return round(_title_similarity(want, offer)[0] * 100)


def judge(
    want: Profile,
    offer: Profile,
    want_forms: Sequence[str] = (),
    offer_forms: Sequence[str] = (),
    names_in_two_scripts: bool = False,
) -> Suggestion | None:
    """A suggestion for the pair (want and offer ids left 0), or None when they differ.

    The forms (title_forms) let main titles be compared across scripts. Names written in
    two scripts (宮地良典, "Miyachi, Yoshinori") are not held to disagree: a reading of
    kanji or hanja is a guess."""
    verdict = compare_profiles(want, offer)
    if verdict.same:
        return Suggestion(0, 0, round(verdict.score, 3), verdict.reasons)
    dropped = {"not_enough"}
    if names_in_two_scripts:
        dropped.add("different_names")
    # The catalogue finds volumes and numbers in the whole titles; when one side leaves
    # the subtitle out, or mistypes a digit under the same ISBN, the exchange looks again.
    parts = _parts_agree(want, offer, shared_isbn=bool(want.isbns & offer.isbns))
    if parts:
        dropped |= {"different_volume", "different_numbers"}
    reasons = [r for r in verdict.reasons if r.code not in dropped]
    codes = {reason.code for reason in reasons}
    vetoes = codes & _VETOES
    if not parts and not vetoes:
        return None  # "Part 2" against "Part 2. Vol. 2": the same numbers, not in order
    # One side has a subtitle the other lacks, and the main titles differ by a typo.
    main = _main_percent(want, offer, want_forms, offer_forms)
    if vetoes == {"same_isbn_different_title"}:
        if main < TITLE_WITH_ID_MAIN * 100:
            return None
        kept = [r for r in reasons if r.code != "same_isbn_different_title"]
        return Suggestion(0, 0, 0.85, [*kept, Reason("main_title", {"percent": main})])
    # A list often leaves the edition statement out: no veto when one side has none and
    # the year agrees (another edition has a year of its own).
    if vetoes == {"different_edition"} and "edition_missing" in codes and "same_year" in codes:
        vetoes = set()
        reasons = [r for r in reasons if r.code != "different_edition"]
    # Years one apart, the title agreeing and the author or the publisher too, neither
    # disagreeing (a list often leaves one out): a list's year is often the printing's.
    # Not firm.
    adjacent = (
        vetoes == {"different_year"}
        and abs((want.year or 0) - (offer.year or 0)) == 1
        and bool(codes & {"same_name", "same_publisher"})
        and not codes & {"different_names", "different_publisher"}
    )
    if vetoes and not adjacent:
        return None  # another edition, volume, year, language ...
    title = _title_percent(want, offer)
    percent = max(title, main)
    if percent < SUGGEST_TITLE * 100 or "different_names" in codes:
        return None
    agreeing = codes & {"same_name", "same_publisher", "same_year", "same_issn"}
    if not agreeing:
        # Nothing but the title: enough only for a long title written alike.
        shorter = min(max(map(len, want.titles), default=0), max(map(len, offer.titles), default=0))
        if percent < 95 or shorter < BARE_TITLE:
            return None
    if "different_publisher" in codes:
        return None
    # A title matched without its subtitle says little when the main title is short
    # ("Pride and prejudice", "Financial accounting": many editions bear it), unless the
    # author and the year agree too.
    if (
        want.has_subtitle != offer.has_subtitle
        and "same_issn" not in codes
        and not {"same_name", "same_year"} <= codes
        and min(len(_squeeze(want.main)), len(_squeeze(offer.main))) < BARE_TITLE
    ):
        return None
    if (
        "same_year" not in codes
        and percent < UNDATED_TITLE * 100
        and not {"same_name", "same_publisher"} <= codes
    ):
        return None
    if adjacent:
        reasons = [
            Reason("adjacent_year", r.params) if r.code == "different_year" else r for r in reasons
        ]
    if main > title:
        reasons = [r for r in reasons if r.code != "similar_title"]
        reasons.append(Reason("main_title", {"percent": main}))
    elif not codes & {"same_title", "romanised_title", "subtitle_missing"}:
        reasons = [
            Reason("list_item_title", {"percent": percent}) if r.code == "similar_title" else r
            for r in reasons
        ]
    score = 0.3 + 0.3 * percent / 100 + 0.1 * len(agreeing) - (0.1 if adjacent else 0)
    return Suggestion(0, 0, round(min(score, 0.79), 3), reasons, firm="same_year" in codes)


def _main_percent(
    want: Profile, offer: Profile, want_forms: Sequence[str], offer_forms: Sequence[str]
) -> int:
    """How alike the main titles are (in any script) when one has a subtitle and the other
    not, or they are written in different scripts; else 0."""
    if want.has_subtitle == offer.has_subtitle and want.vernacular == offer.vernacular:
        return 0
    best = 0.0
    for x in want_forms or [_squeeze(want.main)]:
        for y in offer_forms or [_squeeze(offer.main)]:
            best = max(best, Indel.normalized_similarity(x, y))
    return round(best * 100)


def _squeeze(text: str) -> str:
    return text.replace(" ", "")


def _parts_agree(want: Profile, offer: Profile, shared_isbn: bool) -> bool:
    """Whether the volume and the numbers of the titles agree where both titles say it: in
    the main titles when one has no subtitle. The digits are compared in order, when both
    have some; under the same ISBN, digits one slip apart ("1949-1965", "1949-1956") still
    agree."""
    if want.has_subtitle != offer.has_subtitle:
        a, b = want.main, offer.main
    else:
        a, b = (want.titles or [""])[0], (offer.titles or [""])[0]
    if _volumes(a) != _volumes(b):
        return False
    digits_a, digits_b = _DIGITS.sub("", a), _DIGITS.sub("", b)
    if not (digits_a and digits_b) or digits_a == digits_b:
        return True  # as the catalogue: numbers on one side only do not disagree
    return shared_isbn and Indel.distance(digits_a, digits_b) <= 2


# --- the engine ---------------------------------------------------------------------------


def _across(want: Item, offer: Item) -> bool:
    """Our wants with partners' offers; a partner's wants with our offers."""
    if want.owner is None:
        return offer.owner is not None
    return offer.owner is None


def match(
    wants: Sequence[Item],
    offers: Sequence[Item],
    exclude: Iterable[tuple[int, int]] = (),
    workers: int = 1,
) -> list[Suggestion]:
    """Suggestions for every (want, offer) pair that is the same manifestation, best first
    per want. Pairs in ``exclude`` ((want id, offer id): rejected by staff) are skipped.

    ``workers`` > 1 compares the candidate pairs in that many forked processes (a batch
    run on a machine with the cores to spare; not from a web request)."""
    with collector_paused():  # a third of the time otherwise (core.memory)
        return _match(wants, offers, exclude, workers)


def _match(
    wants: Sequence[Item], offers: Sequence[Item], exclude: Iterable[tuple[int, int]], workers: int
) -> list[Suggestion]:
    began = time.perf_counter()
    excluded = set(exclude)
    parallel = workers > 1 and "fork" in mp.get_all_start_methods()
    wanted = _WantIndex(wants)
    by_isbn, by_issn, want_isbns = wanted.by_isbn, wanted.by_issn, wanted.isbns

    # One pass over the offers. Partners list the same title alike, so the wants a title
    # meets are worked out once per distinct title (or stored forms). (Two processes
    # would not gain: forking costs what half the lookups do.)
    started = time.perf_counter()
    offers = offers if isinstance(offers, list) else list(offers)
    keys = [o.forms or f"{o.title}\x00{o.language}" for o in offers]
    distinct = dict(zip(keys, offers, strict=True))
    titles = [_offer_forms(offer) for offer in distinct.values()]
    met = list(map(wanted.title_hits, titles))
    memo = dict(zip(distinct, zip(titles, met, strict=True), strict=True))
    empty: tuple[int, ...] = ()
    known_list = list(map(memo.__getitem__, keys))
    isbns = [o.isbn for o in offers]
    for number in [n for n, code in enumerate(isbns) if code and len(code) != 13]:
        isbns[number] = isbn13(isbns[number])
    isbn_hits = list(map(by_isbn.get, isbns))
    issn_hits = list(map(by_issn.get, [o.issn for o in offers]))
    active = [
        n
        for n, (known, by_id, by_serial) in enumerate(
            zip(known_list, isbn_hits, issn_hits, strict=True)
        )
        if known[1] or by_id or by_serial
    ]
    offer_list: list[Item] = []
    offer_forms: list[list[str]] = []
    candidates: list[tuple[int, int]] = []
    for position in active:
        offer = offers[position]
        forms, hits = known_list[position]
        code = isbns[position]
        by_id = isbn_hits[position] or empty
        by_serial = issn_hits[position] or empty
        number = len(offer_list)
        kept = False
        for index in {*hits, *by_id, *by_serial}:
            want = wants[index]
            if not _across(want, offer) or (want.id, offer.id) in excluded:
                continue
            if not (index in by_id or index in by_serial):
                # What the catalogue's comparison would veto, found cheaply: both carry
                # ISBNs that differ, or years more than one apart (titles are close).
                if code and want_isbns[index]:
                    continue
                if want.year and offer.year and abs(want.year - offer.year) > 1:
                    continue
            candidates.append((index, number))
            kept = True
        if kept:
            offer_list.append(offer)
            offer_forms.append(forms)

    LAST_RUN.update(
        {
            "distinct titles": len(memo),
            "offers meeting a want's key": len(active),
            "offers kept": len(offer_list),
            "pairs": len(candidates),
            "want keys seconds": round(started - began, 2),
            "offer pass seconds": round(time.perf_counter() - started, 2),
        }
    )
    started = time.perf_counter()
    # The catalogue's comparison on what is left; by want, so that each want is profiled
    # once in one worker.
    if parallel and len(candidates) > 2000:
        chunks = [[c for c in candidates if c[0] % workers == w] for w in range(workers)]
    else:
        chunks = [candidates]
    state = [wants, offer_list, wanted.forms, offer_forms]
    judged = [row for part in _in_workers(_compare, chunks, state) for row in part]
    found: list[Suggestion] = []
    # The editions (ISBNs, year) each want and each offer met.
    seen: tuple[dict[int, set], dict[int, set]] = ({}, {})
    for index, number, suggestion, want_edition, offer_edition in judged:
        found.append(suggestion)
        seen[0].setdefault(index, set()).add(offer_edition)
        seen[1].setdefault(number, set()).add(want_edition)
    # A want without a year (or an offer) that meets several editions of its title (ISBNs
    # or years of their own) cannot tell which it is: only firm suggestions stay for it.
    unsure_wants = {index for index, editions in seen[0].items() if _several(editions)}
    unsure_offers = {number for number, editions in seen[1].items() if _several(editions)}
    want_index = {want.id: index for index, want in enumerate(wants)}
    offer_index = {offer.id: number for number, offer in enumerate(offer_list)}
    found = [
        s
        for s in found
        if s.firm
        or not (want_index[s.want] in unsure_wants or offer_index[s.offer] in unsure_offers)
    ]
    found.sort(key=lambda s: (s.want, -s.score, s.offer))
    LAST_RUN["comparison seconds"] = round(time.perf_counter() - started, 2)
    return found


class _WantIndex:
    """The wants under their keys: ISBN-13, ISSN, and the start, the end and (for a short
    title) each one-letter deletion of every title form."""

    def __init__(self, wants: Sequence[Item]) -> None:
        self.by_isbn: dict[str, list[int]] = {}
        self.by_issn: dict[str, list[int]] = {}
        self.by_start: dict[str, list[int]] = {}
        self.by_end: dict[str, list[int]] = {}
        self.by_deletion: dict[str, list[int]] = {}
        self.forms: list[list[str]] = []
        self.isbns: list[str] = []
        for index, want in enumerate(wants):
            code = isbn13(want.isbn) if want.isbn else ""
            self.isbns.append(code)
            if code:
                self.by_isbn.setdefault(code, []).append(index)
            if want.issn:
                self.by_issn.setdefault(want.issn, []).append(index)
            forms = (want.forms or title_forms(want.title, want.language)).split()
            self.forms.append(forms)
            for form in forms:
                keys = [(self.by_start, form[:KEY_CHARS]), (self.by_end, form[-KEY_CHARS:])]
                if SHORT_MIN <= len(form) <= SHORT_MAX:
                    keys += [(self.by_deletion, key) for key in _deletions(form)]
                for table, key in keys:
                    members = table.setdefault(key, [])
                    if not members or members[-1] != index:
                        members.append(index)

    def title_hits(self, forms: list[str]) -> tuple[int, ...]:
        """The wants whose keys the title meets and whose titles are close to it."""
        found: set[int] = set()
        empty = ()
        for form in forms:
            found.update(self.by_start.get(form[:KEY_CHARS], empty))
            found.update(self.by_end.get(form[-KEY_CHARS:], empty))
            if SHORT_MIN <= len(form) <= SHORT_MAX + 1:
                for key in _deletions(form):
                    found.update(self.by_deletion.get(key, empty))
        return tuple(i for i in found if _titles_close(self.forms[i], forms))


def _offer_forms(offer: Item) -> list[str]:
    if offer.forms:
        return offer.forms.split()
    if offer.title.isascii() and catalogue_language(offer.language) not in _KEYED_APART:
        squeezed = _ascii_squeezed(offer.title)
        return [squeezed] if squeezed else []
    return title_forms(offer.title, offer.language).split()


# What the workers read, set by match: shared with them by fork, not sent.
_STATE: list = []


def _in_workers(function, chunks: list[list], state: list) -> list[list]:
    """``function`` on each chunk: in that many forked processes when there are several,
    the work a batch run spreads over the cores (not from a web request)."""
    _STATE[:] = state
    try:
        if len(chunks) == 1:
            return [function(chunks[0])]
        # Frozen, the collector in a worker does not walk (and so copy) the parent's
        # million items.
        gc.freeze()
        try:
            with mp.get_context("fork").Pool(len(chunks)) as pool:
                return pool.map(function, chunks)
        finally:
            gc.unfreeze()
    finally:
        _STATE.clear()


def _compare(candidates: list[tuple[int, int]]) -> list[tuple]:
    """The catalogue's comparison of candidate pairs (indices into _STATE): each suggested
    pair with the editions (ISBNs, year) on either side."""
    wants, offer_list, want_forms, offer_forms = _STATE
    want_profiles: dict[int, Profile] = {}
    offer_profiles: dict[int, Profile] = {}
    by_content: dict[tuple, Profile] = {}
    judged = []
    for index, number in candidates:
        want_profile = want_profiles.get(index)
        if want_profile is None:
            want_profile = want_profiles[index] = _profile(wants[index])
        offer_profile = offer_profiles.get(number)
        if offer_profile is None:
            # Partners list a publication alike: one profile per distinct description.
            content = offer_list[number][2:]
            offer_profile = by_content.get(content)
            if offer_profile is None:
                offer_profile = by_content[content] = _profile(offer_list[number])
            offer_profiles[number] = offer_profile
        want, offer = wants[index], offer_list[number]
        suggestion = judge(
            want_profile,
            offer_profile,
            want_forms[index],
            offer_forms[number],
            names_in_two_scripts=bool(want.author and offer.author)
            and _name_script(want.author) != _name_script(offer.author),
        )
        if suggestion is not None:
            suggestion.want, suggestion.offer = want.id, offer.id
            judged.append(
                (index, number, suggestion, _edition_of(want_profile), _edition_of(offer_profile))
            )
    return judged


def _name_script(name: str) -> str:
    return "rtl" if has_hebrew_or_arabic(name) else script_of(name)


def _edition_of(item: Profile) -> tuple[frozenset[str], int | None]:
    return item.isbns, item.year


def _several(editions: set[tuple[frozenset[str], int | None]]) -> bool:
    isbns = {isbn for found, _year in editions for isbn in found}
    years = {year for _isbns, year in editions if year}
    return len(isbns) > 1 or (bool(years) and max(years) - min(years) > 1)


def _deletions(form: str) -> set[str]:
    """The form and the form without each one of its letters: two short titles one typo
    apart (a letter wrong, missing, added, or two swapped) share one of these."""
    return {form, *(form[:i] + form[i + 1 :] for i in range(len(form)))}


def _titles_close(a: Sequence[str], b: Sequence[str]) -> bool:
    for x in a:
        for y in b:
            if x == y or (min(len(x), len(y)) >= 5 and (x.startswith(y) or y.startswith(x))):
                return True
            if Indel.normalized_similarity(x, y, score_cutoff=TITLE_FLOOR):
                return True
    return False
