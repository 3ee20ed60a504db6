"""Is this the same manifestation? Match keys, pairwise comparison and clustering.

The union catalogue groups records from different holders that describe the same
manifestation: the same edition, in the same language, on the same carrier. Works and
expressions are not clustered here: a translation, a second edition, the e-book of a
printed book, volume 2 of a set are each a manifestation of their own.

Three steps, each usable alone:

- ``match_keys(record)``: the strings under which the store indexes a record, so that
  candidates are found by key lookup rather than by comparing with everything.
- ``compare(a, b)``: a score, a verdict and the reasons for it, in words a librarian
  can check.
- ``cluster(records)``: keys, then ``compare`` within each key's block, then union-find.

How ``compare`` decides, in order:

1. Vetoes, whatever the identifiers say: different language of the text, different
   material type, print against electronic, different edition numbers, kinds
   (abridged, large print ...) or years in the edition statement, different volume or
   part numbers, years more than one apart, disjoint valid ISBN sets (print and e-book,
   hardback and paperback and different editions all carry their own ISBN), and
   different OCLC numbers or LCCNs when no other identifier is shared.
2. A shared identifier (ISBN-13, OCLC number, LCCN; ISSN with a close title) makes the
   pair the same when the titles agree (``TITLE_WITH_ID``, or the same main title).
   A shared ISBN with different titles is taken as a cataloguing error, or a set or
   series ISBN on two volumes, and does *not* merge: the pair is reported with that
   reason, so staff can decide. When each record also has an ISBN the other lacks
   (a set ISBN beside each volume's own), the titles must agree almost exactly.
   A later printing under the same ISBN is the same manifestation when its edition
   statement only numbers the printing ("3. painos", "2nd printing"), it is not older
   than the other, and publisher and names do not disagree: the edition number and the
   year then do not veto. An edition with changes takes a new ISBN, and catalogues
   record an unchanged printing on the edition's record (Fennica's "Lisäpainokset: 2010").
3. Without a shared identifier the pair is the same only when the title agrees closely
   (``TITLE_WITHOUT_ID``; in any script: the romanised form of one side's vernacular
   title counts), the year is the same, the publishers share a word (one cut short
   counts: "Koehle" for "Koehler"), the names do not disagree, and not both records
   carry ISBNs.

Different years under one ISBN with nothing that calls the later one a printing (a
reissue, or a wrong 008) are kept apart: precision first, since a wrong merge hides a
holder's record, while a missed one only shows two lines; staff can merge.

Consecutive years with a shared identifier are accepted: a prepublication record
often carries the announced year (Melinda's test pairs 04, 16 and 17 are such). Titles
are compared with rapidfuzz's normalised Indel similarity (C++, ~1 µs a pair), which
is what makes comparing every pair in a block affordable.
"""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from rapidfuzz.distance import Indel

from .marc.record import NormalisedRecord
from .text import fold, romanise, script_of

__all__ = [
    "MESSAGES", "Match", "Profile", "Reason", "cluster", "compare", "compare_profiles",
    "match_keys", "profile",
]  # fmt: skip

# Pairs in one key block beyond this are not compared: a block so large is a series
# ISSN or a bad ISBN shared by unrelated records, not a set of duplicates.
MAX_BLOCK = 200
# How alike titles must be (0..1, normalised Indel similarity of the folded forms): with a
# shared identifier, and without one.
TITLE_WITH_ID = 0.85
TITLE_WITHOUT_ID = 0.9

MESSAGES = {
    "same_isbn": _("Same ISBN %(isbn)s"),
    "same_oclc": _("Same OCLC number %(number)s"),
    "same_lccn": _("Same LCCN %(lccn)s"),
    "same_issn": _("Same ISSN %(issn)s"),
    "different_isbns": _("Different ISBNs: %(a)s vs %(b)s"),
    "different_oclc": _("Different OCLC numbers: %(a)s vs %(b)s"),
    "different_lccn": _("Different LCCNs: %(a)s vs %(b)s"),
    "same_isbn_different_title": _(
        "Same ISBN %(isbn)s but different titles (%(a)s / %(b)s): probably a cataloguing error"
    ),
    "same_title": _("Same title"),
    "similar_title": _("Similar title (%(percent)s%% alike)"),
    "different_title": _("Different titles: %(a)s vs %(b)s"),
    "subtitle_missing": _("Same title; one record has no subtitle"),
    "romanised_title": _("Title matches the romanised form of the other's vernacular title"),
    "same_year": _("Same year %(year)s"),
    "adjacent_year": _("Years one apart: %(a)s vs %(b)s"),
    "different_year": _("Different year: %(a)s vs %(b)s"),
    "no_year": _("Year missing on one record"),
    "same_publisher": _("Same publisher"),
    "different_publisher": _("Different publishers: %(a)s vs %(b)s"),
    "same_name": _("Same author or contributor %(name)s"),
    "different_names": _("No author or contributor in common"),
    "different_edition": _("Different edition: %(a)s vs %(b)s"),
    "edition_missing": _("Edition %(edition)s on one record only"),
    "different_volume": _("Different volume or part: %(a)s vs %(b)s"),
    "different_numbers": _("Different numbers in the titles: %(a)s vs %(b)s"),
    "different_language": _("Different language: %(a)s vs %(b)s"),
    "different_material": _("Different material type: %(a)s vs %(b)s"),
    "print_and_electronic": _("One is printed, the other electronic"),
    "not_enough": _("Not enough in common to call them the same"),
}


@dataclass(frozen=True)
class Reason:
    """One reason for a verdict: a message code and its params, shown translated.

    Kept as code and params (like a RecordProblem), so a stored reason reads in each
    viewer's language; ``str(reason)`` renders it in the active one.
    """

    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return str(MESSAGES[self.code]) % self.params


@dataclass(frozen=True)
class Match:
    score: float  # 0..1: how strongly the evidence says "same"
    same: bool
    reasons: list[Reason]

    @property
    def messages(self) -> list[str]:
        return [str(reason) for reason in self.reasons]


# --- What compare looks at, computed once per record -----------------------------------


@dataclass
class Profile:
    """What compare looks at of a record: a caller comparing one record with many makes it
    once (profile) and compares profiles (compare_profiles)."""

    isbns: frozenset[str]
    oclc: frozenset[str]
    lccn: str
    issns: frozenset[str]
    titles: list[str]  # folded, in the record's own scripts
    title_forms: tuple[str, ...]  # as catalogued: title, vernacular, romanised (see romanised)
    vernacular: bool  # some title form is in a non-Latin script
    main: str  # folded title before the subtitle
    has_subtitle: bool
    volumes: frozenset[str]
    numbers: frozenset[str]
    year: int | None
    publisher: frozenset[str]
    names: frozenset[str]
    edition: str
    edition_number: int | None
    edition_kinds: frozenset[str]
    edition_years: frozenset[str]
    printing: bool  # the edition statement only numbers a printing
    language: str
    material: str
    electronic: bool

    @functools.cached_property
    def romanised(self) -> list[str]:
        """The titles romanised, folded, without spaces: made when first compared (most
        comparisons find the same title first, and romanising is slow)."""
        return _romanised_forms(self.title_forms, self.language)


_SUBTITLE = re.compile(r"\s[:=/]\s|\s[:=]$")
_NUMBER = re.compile(r"\d+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}  # fmt: skip
_CJK_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "上": 1, "中": 2, "下": 3}  # fmt: skip
# Words that announce a volume or part, after folding (English, German, French, Spanish,
# Italian, Russian, Finnish, Swedish, Dutch...).
_VOLUME_WORDS = (
    "v vol vols volume volumes pt part parts bk book no nr band bd teil tl t tome tomo "
    "parte livre libro heft osa del deel kn kniga ch chast vyp tom том т часть ч книга кн "
    "выпуск вып"
).split()
# A Roman numeral only after a space ("t ii", folded from "T. II"): pinyin "ti" and "chi"
# are syllables, not tome 1 and chast' 1.
_VOLUME = re.compile(
    r"(?<!\w)(?:" + "|".join(_VOLUME_WORDS) + r")(?:\s?(\d+)|\s([ivx]{1,4}))(?!\w)"
    r"|第\s?([0-9一二三四五六七八九十]+)\s?[卷册部辑集编篇巻]"
    r"|([上中下])\s?[卷册编]"
)
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "erste": 1, "zweite": 2, "dritte": 3, "vierte": 4, "funfte": 5,
    "premiere": 1, "deuxieme": 2, "troisieme": 3, "nouvelle": 0,
    "primera": 1, "segunda": 2, "tercera": 3,
    "ensimmainen": 1, "toinen": 2, "kolmas": 3, "neljas": 4, "viides": 5, "kuudes": 6,
    "seitsemas": 7, "kahdeksas": 8, "yhdeksas": 9, "kymmenes": 10,
    "forsta": 1, "andra": 2, "tredje": 3, "fjarde": 4, "femte": 5,
}  # fmt: skip
_EDITION_NUMBER = re.compile(r"(\d+)(?:st|nd|rd|th|d|e|er|eme|a|o|i|ja|oe|-e|-oe)?$")
# Words that number a printing (impression). Finnish "painos" ("p.", "pain.") numbers
# printings and editions alike: publishers count every printing, so "3. painos" under the
# ISBN of the "2. täydennetty painos" is its third printing (an edition with changes takes
# a new ISBN; Fennica notes the unchanged ones as "Lisäpainokset: 2010" on the record).
_PRINTING_WORDS = frozenset(
    "painos p pain printing impression druck nachdruck tryckningen tirage reimpresion".split()
)
_EDITION_KINDS = {
    "abridged": "abridged",
    "unabridged": "unabridged",
    "large": "large print",
    "simplified": "simplified",
    "braille": "braille",
    "illustrated": "illustrated",
    "annotated": "annotated",
    "school": "school",
    "student": "student",
    "teacher": "teacher",
    "facsimile": "facsimile",
    "paperback": "paperback",
    "pbk": "paperback",
}
_PUBLISHER_STOP = frozenset(
    "the and of a an inc ltd co corp company publishers publisher publishing pub pubs "
    "press books book verlag editions edition editorial editora edizioni kustannus "
    "distributed distributor by for house group limited llc gmbh sa ag university u p "
    "printed printing print".split()
)
_ARTICLES = frozenset("the a an der die das le la les l el los las il lo gli un une".split())
_ELECTRONIC = re.compile(r"electronic|e-?book|online|pdf|epub|verkkoaineisto|digital|kindle|e-isbn", re.I)  # fmt: skip


def _main_title(title: str) -> tuple[str, bool]:
    parts = _SUBTITLE.split(title, maxsplit=1)
    return parts[0], len(parts) > 1 and bool(parts[1].strip())


def _volumes(folded: str) -> frozenset[str]:
    found = set()
    for match in _VOLUME.finditer(folded):
        arabic, roman, cjk, position = match.groups()
        if arabic:
            found.add(arabic.lstrip("0") or "0")
        elif roman:
            found.add(str(_ROMAN.get(roman, roman)))
        elif cjk:
            found.add(
                str(int(cjk) if cjk.isdigit() else _CJK_DIGITS.get(cjk, cjk))
            )  # 十二 stays as written
        else:
            found.add(position)
    return frozenset(found)


def _edition(text: str) -> tuple[int | None, frozenset[str]]:
    folded = fold(text)
    number = None
    for token in folded.split():
        digits = _EDITION_NUMBER.match(token)
        if digits and int(digits.group(1)) < 1000:  # 1985 ed. is a year, not a number
            number = int(digits.group(1))
            break
        if token in _ORDINALS and _ORDINALS[token]:
            number = _ORDINALS[token]
            break
    if number is None:
        match = re.search(r"第\s?([0-9一二三四五六七八九十]+)\s?版", folded)
        if match:
            value = match.group(1)
            number = int(value) if value.isdigit() else _CJK_DIGITS.get(value)
    kinds = frozenset(kind for word, kind in _EDITION_KINDS.items() if word in folded.split())
    return number, kinds


def _printing(edition: str) -> bool:
    """Whether the edition statement numbers a printing and says nothing else ("3. painos",
    "2nd printing", "4. Druck 2010"): no revision, no other kind of edition."""
    words = fold(edition).split()
    if not any(word in _PRINTING_WORDS for word in words):
        return False
    numbered = False
    for word in words:
        if word in _PRINTING_WORDS or _YEAR.fullmatch(word):
            continue
        if _EDITION_NUMBER.match(word) or _ORDINALS.get(word):
            numbered = True
            continue
        return False  # "täyd.", "uudistettu", "revised": an edition with changes
    return numbered


def _squeeze(text: str) -> str:
    return text.replace(" ", "")


def _language(record: NormalisedRecord) -> str:
    for code in record.languages[:1]:
        if code not in ("und", "mul", "zxx", "mis", "xxx", "n/a"):
            return code
    return ""


def _romanised_forms(titles: Sequence[str], language: str) -> list[str]:
    forms = []
    for text in titles:
        if text:
            full = _squeeze(romanise(text, language))
            if full and full not in forms:
                forms.append(full)
    return forms


def _surnames(names: Sequence[str], language: str) -> frozenset[str]:
    found: set[str] = set()
    for name in names:
        head = name.split(",")[0]
        if script_of(head) != "latn":
            # Chinese, Japanese and Korean names put the family name first.
            words = romanise(head, language).split()
            if words:
                found.update((words[0], "".join(words)))
        elif "," in name:  # inverted personal name: the surname
            words = fold(head).split()
            if words:
                found.add(words[0])
        else:  # a corporate body, or a name in direct order: the whole of it
            found.add(_squeeze(fold(name)))
    return frozenset(word for word in found if word)


@functools.lru_cache(maxsize=4096)
def _publisher_words(publisher: str, language: str) -> frozenset[str]:
    text = romanise(publisher, language) if script_of(publisher) != "latn" else fold(publisher)
    return frozenset(w for w in text.split() if w not in _PUBLISHER_STOP and len(w) > 1)


def profile(record: NormalisedRecord) -> Profile:
    language = _language(record)
    main, has_subtitle = _main_title(record.title)
    folded_title = fold(record.title)
    edition_number, edition_kinds = _edition(record.edition)
    isbns = [i for i in record.isbns if i.valid]
    qualifiers = [i.qualifier for i in record.isbns]
    electronic = record.material_type == "computer" or (
        bool(qualifiers) and all(_ELECTRONIC.search(q or "") for q in qualifiers)
    )
    return Profile(
        isbns=frozenset(i.value for i in isbns),
        oclc=frozenset(record.oclc_numbers),
        lccn=record.lccn.strip(),
        issns=frozenset(record.issns),
        titles=[t for t in (folded_title, fold(record.title_vernacular)) if t],
        title_forms=(record.title, record.title_vernacular, record.title_romanised),
        vernacular=any(
            script_of(t) != "latn" or not t.isascii() and not fold(t).isascii()
            for t in (record.title, record.title_vernacular)
            if t
        ),
        main=fold(main),
        has_subtitle=has_subtitle,
        volumes=_volumes(folded_title),
        numbers=frozenset(n.lstrip("0") or "0" for n in _NUMBER.findall(folded_title)),
        year=record.year if record.year and 1000 <= record.year <= 2100 else None,
        publisher=_publisher_words(record.publisher, language),
        names=_surnames([*record.names, *record.names_vernacular], language),
        edition=record.edition,
        edition_number=edition_number,
        edition_kinds=edition_kinds,
        edition_years=frozenset(_YEAR.findall(record.edition)),
        printing=_printing(record.edition),
        language=language,
        material=record.material_type,
        electronic=electronic,
    )


# --- compare -----------------------------------------------------------------------------


def _title_similarity(a: Profile, b: Profile) -> tuple[float, str]:
    """Best similarity of the two titles in any form, and the reason code that says how."""
    best, how = 0.0, "similar_title"
    for x in a.titles:
        for y in b.titles:
            if x == y:
                return 1.0, "same_title"
            best = max(best, Indel.normalized_similarity(x, y))
    if a.main and a.main == b.main and a.has_subtitle != b.has_subtitle and best < 0.95:
        best, how = 0.95, "subtitle_missing"
    if not (a.vernacular or b.vernacular):
        return best, how
    for x in a.romanised:
        for y in b.romanised:
            similarity = 1.0 if x == y else Indel.normalized_similarity(x, y)
            if similarity > best + 0.02:
                best, how = similarity, "romanised_title"
    if best >= 0.999 and how == "similar_title":
        how = "same_title"
    return best, how


def _publishers_agree(a: frozenset[str], b: frozenset[str]) -> bool:
    """A significant word in common; a word cut short counts ("Koehle" for "Koehler", a
    field truncated by a broken directory; "Gyldendal" in "Gyldendalske")."""
    if a & b:
        return True
    # Words that share their first five letters, if any, compared in full.
    heads = {x[:5] for x in a if len(x) >= 5} & {y[:5] for y in b if len(y) >= 5}
    for x in (x for x in a if x[:5] in heads):
        for y in (y for y in b if y[:5] in heads):
            if x.startswith(y) or y.startswith(x):
                return True
    return False


def _later_printing(a: Profile, b: Profile) -> bool:
    """Whether one record is a later printing of the other (the caller checks the ISBN).

    The record with the higher number must say only that it is a printing, and must not
    be older than the other. "3. painos" (2010) beside "2. [täyd.] p." (2008) under one
    ISBN is the third printing of the enlarged second edition (Melinda's pair 18);
    "3rd ed." beside "2nd ed." is not, nor "3. uudistettu painos" beside "2. painos".
    """
    first, second = a.edition_number or 1, b.edition_number or 1
    if first == second or a.edition_kinds != b.edition_kinds:
        return False
    later, earlier = (a, b) if first > second else (b, a)
    if later.year and earlier.year and later.year < earlier.year:
        return False
    return later.printing


def _short(values: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(values)[:3])


def compare(a: NormalisedRecord, b: NormalisedRecord) -> Match:
    """Whether ``a`` and ``b`` describe the same manifestation, with the reasons."""
    return compare_profiles(profile(a), profile(b))


def compare_profiles(a: Profile, b: Profile) -> Match:
    reasons: list[Reason] = []
    vetoes: list[Reason] = []
    score = 0.0

    # Identifiers.
    shared_isbn = a.isbns & b.isbns
    shared_oclc = a.oclc & b.oclc
    shared_lccn = a.lccn if a.lccn and a.lccn == b.lccn else ""
    shared_issn = a.issns & b.issns
    strong = bool(shared_isbn or shared_oclc or shared_lccn)
    # Each has an ISBN the other lacks besides the shared one: a set ISBN on two volumes,
    # or a series ISBN reused (common in Chinese series), unless the titles agree closely.
    set_isbn = bool(shared_isbn and a.isbns - b.isbns and b.isbns - a.isbns)
    if shared_isbn:
        reasons.append(Reason("same_isbn", {"isbn": _short(shared_isbn)}))
    if shared_oclc:
        reasons.append(Reason("same_oclc", {"number": _short(shared_oclc)}))
    if shared_lccn:
        reasons.append(Reason("same_lccn", {"lccn": shared_lccn}))
    if shared_issn:
        reasons.append(Reason("same_issn", {"issn": _short(shared_issn)}))
    if a.isbns and b.isbns and not shared_isbn:
        vetoes.append(Reason("different_isbns", {"a": _short(a.isbns), "b": _short(b.isbns)}))
    if a.oclc and b.oclc and not shared_oclc and not (shared_isbn or shared_lccn):
        vetoes.append(Reason("different_oclc", {"a": _short(a.oclc), "b": _short(b.oclc)}))
    if a.lccn and b.lccn and not shared_lccn and not (shared_isbn or shared_oclc):
        vetoes.append(Reason("different_lccn", {"a": a.lccn, "b": b.lccn}))
    if strong:
        score += 0.6
    elif shared_issn:
        score += 0.3

    # Title.
    similarity, how = _title_similarity(a, b)
    if strong and a.main == b.main and len(a.main) >= 12:
        # An identifier agrees and so does the main title; subtitles are often worded
        # (or transcribed) differently. Without an identifier this would merge report
        # series ("Defense inventory : ...").
        similarity = max(similarity, 0.9)
    if strong and similarity < (0.95 if set_isbn else TITLE_WITH_ID):
        shown_a, shown_b = (a.titles or [""])[0][:60], (b.titles or [""])[0][:60]
        if shared_isbn:
            vetoes.append(
                Reason(
                    "same_isbn_different_title",
                    {"isbn": _short(shared_isbn), "a": shown_a, "b": shown_b},
                )
            )
        else:
            vetoes.append(Reason("different_title", {"a": shown_a, "b": shown_b}))
    elif how == "similar_title":
        if similarity >= 0.5:
            reasons.append(Reason("similar_title", {"percent": round(similarity * 100)}))
    else:
        reasons.append(Reason(how))
    score += 0.3 * similarity if similarity >= 0.5 else -0.3

    publisher_agrees = _publishers_agree(a.publisher, b.publisher)
    names_disagree = bool(a.names and b.names and not a.names & b.names)
    reprint = bool(
        shared_isbn
        and not (a.publisher and b.publisher and not publisher_agrees)
        and not names_disagree
        and _later_printing(a, b)
    )

    # Year.
    if a.year and b.year:
        gap = abs(a.year - b.year)
        if gap == 0:
            reasons.append(Reason("same_year", {"year": a.year}))
            score += 0.1
        elif gap == 1 and strong:
            reasons.append(Reason("adjacent_year", {"a": a.year, "b": b.year}))
            score += 0.05
        elif reprint:  # a later printing carries its own year
            reasons.append(Reason("different_year", {"a": a.year, "b": b.year}))
        else:
            vetoes.append(Reason("different_year", {"a": a.year, "b": b.year}))
    elif a.year or b.year:
        reasons.append(Reason("no_year"))

    # Publisher and names: supporting evidence.
    if publisher_agrees:
        reasons.append(Reason("same_publisher"))
        score += 0.05
    elif a.publisher and b.publisher:
        reasons.append(
            Reason("different_publisher", {"a": _short(a.publisher), "b": _short(b.publisher)})
        )
        score -= 0.05
    if a.names & b.names:
        reasons.append(Reason("same_name", {"name": _short(a.names & b.names)}))
        score += 0.05
    elif names_disagree:
        reasons.append(Reason("different_names"))
        score -= 0.05

    # Manifestation-level vetoes.
    if reprint:
        reasons.append(Reason("different_edition", {"a": a.edition or "-", "b": b.edition or "-"}))
    elif a.edition_number and b.edition_number and a.edition_number != b.edition_number:
        vetoes.append(Reason("different_edition", {"a": a.edition, "b": b.edition}))
    elif a.edition_kinds != b.edition_kinds or (
        a.edition_years and b.edition_years and a.edition_years != b.edition_years
    ):
        vetoes.append(Reason("different_edition", {"a": a.edition or "-", "b": b.edition or "-"}))
    elif not strong and (a.edition_number or 1) != (b.edition_number or 1):
        reasons.append(Reason("edition_missing", {"edition": a.edition or b.edition}))
        vetoes.append(Reason("different_edition", {"a": a.edition or "-", "b": b.edition or "-"}))
    if a.volumes != b.volumes:
        vetoes.append(
            Reason(
                "different_volume", {"a": _short(a.volumes) or "-", "b": _short(b.volumes) or "-"}
            )
        )
    elif a.numbers and b.numbers and a.numbers != b.numbers:
        vetoes.append(Reason("different_numbers", {"a": _short(a.numbers), "b": _short(b.numbers)}))
    if a.language and b.language and a.language != b.language:
        vetoes.append(Reason("different_language", {"a": a.language, "b": b.language}))
    if a.material and b.material and a.material != b.material:
        vetoes.append(Reason("different_material", {"a": a.material, "b": b.material}))
    elif a.electronic != b.electronic:
        vetoes.append(Reason("print_and_electronic"))

    score = min(max(score, 0.0), 1.0)
    if vetoes:
        return Match(score=min(score, 0.5), same=False, reasons=vetoes + reasons)
    if strong:
        return Match(score=max(score, 0.9), same=True, reasons=reasons)
    if shared_issn and similarity >= 0.8:
        return Match(score=max(score, 0.85), same=True, reasons=reasons)
    if (
        similarity >= TITLE_WITHOUT_ID
        and a.year
        and a.year == b.year
        and publisher_agrees
        and not names_disagree
        and not (a.isbns and b.isbns)
    ):
        return Match(score=max(score, 0.8), same=True, reasons=reasons)
    return Match(score=min(score, 0.6), same=False, reasons=[*reasons, Reason("not_enough")])


# --- match_keys and cluster --------------------------------------------------------------


def _title_key(text: str, language: str, romanised: bool = True) -> str:
    main, _sub = _main_title(text)
    words = (romanise(main, language) if romanised else fold(main)).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return "".join(words)[:30]


def match_keys(record: NormalisedRecord) -> set[str]:
    """Strings under which to index ``record``; records that may match share one.

    ``isbn:`` each valid ISBN-13, ``issn:``, ``oclc:``, ``lccn:``, and ``title:`` the
    start of the main title, folded without spaces, with the year: one key per title
    form. A vernacular form gives its own folded key (so two vernacular records meet),
    and its romanised key only when the record has no Latin form of its own (so it
    meets romanised records; a record with both needs no romaniser, which is slow).
    A record without a year gets no title key, since a match without an identifier
    needs the same year.
    """
    keys = {f"isbn:{isbn.value}" for isbn in record.isbns if isbn.valid}
    keys |= {f"issn:{issn}" for issn in record.issns}
    keys |= {f"oclc:{number}" for number in record.oclc_numbers}
    if record.lccn.strip():
        keys.add(f"lccn:{record.lccn.strip()}")
    if record.year:
        language = _language(record)
        forms = [t for t in (record.title, record.title_vernacular, record.title_romanised) if t]
        latin = [t for t in forms if script_of(t) == "latn"]
        found = [_title_key(text, language) for text in latin]
        for text in forms:
            if text not in latin:
                found.append(_title_key(text, language, romanised=False))
                if not latin:
                    found.append(_title_key(text, language))
        keys |= {f"title:{key}:{record.year}" for key in found if key}
    return keys


def cluster(records: Sequence[NormalisedRecord]) -> list[list[int]]:
    """Groups of indices into ``records`` that describe the same manifestation.

    Candidates come from shared match keys; pairs that ``compare`` calls the same are
    joined, transitively (union-find). Every index appears in exactly one group; groups
    are sorted by their first index.
    """
    profiles = [profile(record) for record in records]
    blocks: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        for key in match_keys(record):
            blocks.setdefault(key, []).append(index)
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    compared: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if (i, j) in compared or find(i) == find(j):
                    continue
                compared.add((i, j))
                if compare_profiles(profiles[i], profiles[j]).same:
                    parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for index in range(len(records)):
        groups.setdefault(find(index), []).append(index)
    return sorted(groups.values(), key=lambda group: group[0])
