"""Exchange matching at scale: 10,000 wants against 1,000,000 offers from 300 partners.

Made from the real records in ../shared/data (read in place with the catalogue's reader,
catalog.marc.read; BIBLIOBRIDGE_SHARED_DATA overrides the folder): the sources of
bench/catalog_generate.py and the CNMARC sample. Each record is a manifestation. Our
want list takes 10,000 of them; partners offer each wanted one 0 to 5 times (the truth),
and beside them *decoys* that must not match: another edition of it (edition statement,
year and ISBN of their own), another volume, the same title by another author. The rest
of the million are the other records, offered again and again by the 300 partners.

Damage, per item, as partners' lists show it: the ISBN left out (35%), mistyped so it no
longer checks (4%: a list item then carries no ISBN to match on) or another book's (0.5%);
the title in the vernacular or in its romanised form when the record has both, Chinese in
Traditional or Simplified characters, a typo (10%), the subtitle left out (15%), upper or
lower case (10%); the author (15%), publisher (25%), year (10%) or edition (5%) left out,
the year one off (3%). Wants are damaged the same way, less often.

Measured: the engine (exchange.matching.match) on the items in memory, its wall time and
the time of each step; precision, recall and F1 against the truth (a pair is right when
the offer is of the want's manifestation). Target: ≤ 10 s, F1 ≥ 0.97. Prints a JSON summary
(and writes var/bench/exchange_match.json).

    .venv/bin/python bench/exchange_match.py
    .venv/bin/python bench/exchange_match.py --wants 2000 --offers 100000
"""

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bibliobridge.settings")
os.environ.setdefault("SECRET_KEY", "bench-exchange-match")

# --db: a SQLite database of its own for the run, in a temporary directory (set before
# Django reads its settings).
_DB_DIR = None
if "--db" in sys.argv:
    import tempfile

    _DB_DIR = tempfile.mkdtemp(prefix="exchange-match-")
    os.environ["BIBLIOBRIDGE_VAR_DIR"] = _DB_DIR
    os.environ["DATABASE_URL"] = f"sqlite:///{_DB_DIR}/match.sqlite3"

import django  # noqa: E402

django.setup()

from bibliobridge.catalog.marc.read import read_records  # noqa: E402
from bibliobridge.catalog.marc.record import NormalisedRecord  # noqa: E402
from bibliobridge.catalog.text import _first_values, fold, script_of  # noqa: E402
from bibliobridge.exchange import matching  # noqa: E402
from bibliobridge.exchange.matching import Item  # noqa: E402

SHARED = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", ROOT.parent / "shared" / "data"))
SOURCES = [
    "marc/loc/loc_booksall2016_part01_every8th.mrc",
    "marc/solrmarc/uva_001_2000.mrc",
    "marc/evergreen/jazz_1k.mrc",
    "marc/evergreen/lul_fre_500.mrc",
    "marc/evergreen/nepali.marc",
    "marc/evergreen/hebrew.marc",
    "marc/marc4j/pride-and-prejudice-fixed.mrc",
    "marc/traject/test_data.utf8.mrc",
    "unimarc/dp2_sample_cnmarcxml_sru12.xml",
]
# What each offer is, beyond the other offers (for the summary of errors).
ORIGIN: dict[int, str] = {}
RESULTS = ROOT / "var" / "bench" / "exchange_match.json"
TARGET_SECONDS, TARGET_F1 = 10.0, 0.97
# How many partners offer a wanted manifestation: 0..5 with these weights.
TRUE_OFFERS = [(0, 20), (1, 35), (2, 20), (3, 12), (4, 8), (5, 5)]
DECOYS = [("edition", 25), ("volume", 10), ("author", 10), ("none", 55)]
ORDINALS = ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th"]
OTHER_AUTHORS = ["Smith, John", "Müller, Hans", "Wang, Li", "Ivanov, Petr", "Tanaka, Hiroshi",
                 "Dupont, Marie", "García, Ana", "Kim, Min-jun"]  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wants", type=int, default=10_000)
    parser.add_argument("--offers", type=int, default=1_000_000)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--show", type=int, default=8, help="misses and false matches shown")
    parser.add_argument("--workers", type=int, default=1, help="processes comparing pairs")
    parser.add_argument("--db", action="store_true",
                        help="also load the items into a new SQLite database and time "
                             "services.find_matches on it (reading, matching, writing)")  # fmt: skip
    return parser.parse_args(argv)


# --- the real records ---------------------------------------------------------------------


def read_pool() -> list[NormalisedRecord]:
    pool = []
    for name in SOURCES:
        path = SHARED / name
        if not path.is_file():
            continue
        with path.open("rb") as stream:
            for record in read_records(stream):
                if isinstance(record, NormalisedRecord) and record.title and not record.deleted:
                    pool.append(record)
    return pool


def _identity(record: NormalisedRecord) -> set[str]:
    """What makes two real records the same manifestation (some sources repeat a book)."""
    keys = {"i:" + i.value for i in record.isbns if i.valid}
    keys.add(f"t:{fold(record.title)[:40]}:{record.year}:{fold(record.edition)}")
    return keys


class Manifestation:
    __slots__ = ("titles", "authors", "publisher", "year", "edition", "isbn", "issn", "language")

    def __init__(self, record: NormalisedRecord) -> None:
        titles = [t for t in (record.title, record.title_vernacular, record.title_romanised) if t]
        self.titles = list(dict.fromkeys(titles))
        self.authors = [n for n in (record.names[:1] + record.names_vernacular[:1]) if n]
        self.publisher = record.publisher
        self.year = record.year
        self.edition = record.edition
        valid = [i.value for i in record.isbns if i.valid]
        self.isbn = valid[0] if valid else ""
        self.issn = record.issns[0] if record.issns else ""
        self.language = record.languages[0] if record.languages else ""


# --- damage -------------------------------------------------------------------------------


class Damage:
    def __init__(self, rng: random.Random, pool_isbns: list[str]) -> None:
        self.rng = rng
        self.pool_isbns = pool_isbns
        self.to_traditional = _first_values("STCharacters.txt")

    def title(self, m: Manifestation, light: bool) -> str:
        rng = self.rng
        title = rng.choice(m.titles)
        if script_of(title) == "hani" and rng.random() < 0.5:
            title = "".join(self.to_traditional.get(c, c) for c in title)
        scale = 0.4 if light else 1.0
        if " : " in title and rng.random() < 0.15 * scale:
            title = title.split(" : ")[0]
        if rng.random() < 0.10 * scale and len(title) > 6:
            title = self.typo(title)
        roll = rng.random()
        if roll < 0.05 * scale:
            title = title.upper()
        elif roll < 0.10 * scale:
            title = title.lower()
        return title

    def typo(self, text: str) -> str:
        rng = self.rng
        at = rng.randrange(1, len(text) - 1)
        kind = rng.randrange(3)
        if kind == 0:  # two letters swapped
            return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        if kind == 1:  # a letter left out
            return text[:at] + text[at + 1 :]
        return text[:at] + rng.choice("aeinorst") + text[at + 1 :]  # one wrong

    def isbn(self, m: Manifestation, light: bool) -> str:
        rng = self.rng
        if not m.isbn:
            return ""
        roll = rng.random() / (0.5 if light else 1.0)
        if roll < 0.35:
            return ""
        if roll < 0.39:
            return ""  # mistyped: it no longer checks, and a list item keeps it flagged
        if roll < 0.395:
            return rng.choice(self.pool_isbns)
        return m.isbn

    def item(self, ident: int, owner: int | None, m: Manifestation, light: bool = False) -> Item:
        rng = self.rng
        scale = 0.5 if light else 1.0
        title = self.title(m, light)
        authors = m.authors
        if len(authors) > 1:  # the name in the title's script
            author = authors[1] if script_of(title) != "latn" else authors[0]
        else:
            author = authors[0] if authors else ""
        year = m.year
        if year and rng.random() < 0.03 * scale:
            year += rng.choice((-1, 1))
        return Item(
            ident,
            owner,
            title,
            author="" if rng.random() < 0.15 * scale else author,
            publisher="" if rng.random() < 0.25 * scale else m.publisher,
            year=None if rng.random() < 0.10 * scale else year,
            edition="" if rng.random() < 0.05 * scale else m.edition,
            isbn=self.isbn(m, light),
            issn=m.issn,
            language=m.language,
        )


def _new_isbn(rng: random.Random) -> str:
    body = "978" + "".join(rng.choice("0123456789") for _ in range(9))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def decoy(m: Manifestation, kind: str, rng: random.Random) -> Manifestation:
    """Another manifestation that shares the title: it must not match."""
    other = Manifestation.__new__(Manifestation)
    for name in Manifestation.__slots__:
        setattr(other, name, getattr(m, name))
    if kind == "edition":
        number = matching._profile(Item(0, None, "x", edition=m.edition)).edition_number or 1
        other.edition = f"{ORDINALS[min(number, len(ORDINALS) - 1)]} ed."
        other.year = (m.year or 2000) + rng.randint(2, 9)
        other.isbn = _new_isbn(rng) if m.isbn else ""
    elif kind == "volume":  # 245 $a $n $b: the part number before the subtitle
        other.titles = [t.replace(" : ", ". Vol. 2 : ", 1) if " : " in t else f"{t}. Vol. 2"
                        for t in m.titles]  # fmt: skip
        other.isbn = _new_isbn(rng) if m.isbn else ""
    else:  # same title, another author, another publisher, mostly another year
        other.authors = [rng.choice(OTHER_AUTHORS)]
        other.publisher = "Other House"
        other.year = (m.year or 2000) + rng.randint(-15, 15)  # now and then the same
        other.isbn = _new_isbn(rng) if m.isbn else ""
    return other


# --- generation ---------------------------------------------------------------------------


def generate(args: argparse.Namespace) -> tuple[list[Item], list[Item], set[tuple[int, int]], dict]:
    rng = random.Random(args.seed)
    records = read_pool()
    seen: set[str] = set()
    unique = []
    for record in records:
        identity = _identity(record)
        if identity & seen:
            continue
        seen |= identity
        unique.append(Manifestation(record))
    rng.shuffle(unique)
    wanted, background = unique[: args.wants], unique[args.wants :]
    damage = Damage(rng, [m.isbn for m in unique if m.isbn])
    partners = list(range(1, args.partners + 1))
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(partners))]
    wants: list[Item] = []
    offers: list[Item] = []
    truth: set[tuple[int, int]] = set()
    ORIGIN.clear()
    counts: Counter = Counter()
    ident = 0

    def partner() -> int:
        return rng.choices(partners, weights)[0]

    for m in wanted:
        ident += 1
        want = damage.item(ident, None, m, light=True)
        wants.append(want)
        for _ in range(rng.choices(*zip(*TRUE_OFFERS, strict=True))[0]):
            ident += 1
            offers.append(damage.item(ident, partner(), m))
            truth.add((want.id, ident))
            ORIGIN[ident] = "true offer"
            counts["true offers"] += 1
        kind = rng.choices(*zip(*DECOYS, strict=True))[0]
        if kind != "none":
            other = decoy(m, kind, rng)
            for _ in range(rng.randint(1, 2)):
                ident += 1
                offers.append(damage.item(ident, partner(), other))
                counts[f"decoys ({kind})"] += 1
                ORIGIN[ident] = f"decoy ({kind})"
    while len(offers) < args.offers:
        ident += 1
        offers.append(damage.item(ident, partner(), rng.choice(background)))
        counts["other offers"] += 1
    rng.shuffle(offers)
    scripts = Counter(script_of(o.title) for o in offers)
    summary = {
        "real records read": len(records),
        "distinct manifestations": len(unique),
        "wants": len(wants),
        "offers": len(offers),
        "partners": args.partners,
        "true pairs": len(truth),
        **counts,
        "offer titles by script": dict(scripts.most_common()),
        "offers with an ISBN": sum(1 for o in offers if o.isbn),
    }
    return wants, offers, truth, summary


_RTL = re.compile("[\u0590-\u08ff]")


def miss_kind(want: Item, offer: Item) -> str:
    """Why a true pair was likely missed, for the summary."""
    scripts = {script_of(want.title), script_of(offer.title)}
    if bool(_RTL.search(want.title)) != bool(_RTL.search(offer.title)):
        return "Hebrew or Arabic script against its romanised form"
    if len(scripts) > 1:
        return "CJK or Cyrillic script against its romanised form"
    if want.isbn and offer.isbn and want.isbn != offer.isbn:
        return "another book's ISBN on one side"
    if want.year and offer.year and want.year != offer.year:
        return "year one off"
    if not (want.year and offer.year):
        return "year left out, and a typo or little else to go on"
    return "typo, subtitle or edition statement"


def wrong_kind(suggestion: matching.Suggestion) -> str:
    codes = {reason.code for reason in suggestion.reasons}
    for code in ("same_isbn", "adjacent_year", "no_year", "main_title"):
        if code in codes:
            return code
    if not codes & {"same_name", "same_publisher"}:
        return "title and year only"
    return "title, year and more"


def evaluate(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict:
    right = len(found & truth)
    precision = right / len(found) if found else 1.0
    recall = right / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"suggested": len(found), "right": right, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}  # fmt: skip


def through_database(wants: list[Item], offers: list[Item], truth: set, partners: int) -> dict:
    """The same items as list items in a new SQLite database (inserted in bulk, untimed),
    then services.find_matches over every list: reading the items, matching, writing the
    suggestions. Quality is checked again on what was stored."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bibliobridge.exchange import queries, services
    from bibliobridge.exchange.enums import ListKind
    from bibliobridge.exchange.models import ExchangeList, MatchSuggestion
    from bibliobridge.partners.models import Institution

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    institutions = Institution.objects.bulk_create(
        Institution(kind="university_library", name=f"Partner {n}", country="DE",
                    time_zone="Europe/Berlin")
        for n in range(1, partners + 1)
    )  # fmt: skip
    ours = ExchangeList.objects.create(name="Desiderata", kind=ListKind.WANT)
    lists = {
        number: ExchangeList.objects.create(
            name=f"Offers {number}", kind=ListKind.OFFER, partner=institution
        ).pk
        for number, institution in enumerate(institutions, 1)
    }
    now = timezone.now()
    columns = ("id, exchange_list_id, title, author, publisher, place, year, edition, isbn, "
               "isbn_valid, issn, language, quantity, currency, note, status, match_title, "
               "created_at, updated_at")  # fmt: skip
    sql = f"INSERT INTO exchange_listitem ({columns}) VALUES ({', '.join(['%s'] * 19)})"  # noqa: S608 (constants)
    with connection.cursor() as cursor:
        for items, status in ((wants, ""), (offers, "available")):
            rows = [
                (i.id, ours.pk if i.owner is None else lists[i.owner], i.title[:1000],
                 i.author[:500], i.publisher[:300], "", i.year, i.edition[:200], i.isbn, True,
                 i.issn, i.language, 1, "", "", status, i.forms[:2000], now, now)
                for i in items
            ]  # fmt: skip
            for start in range(0, len(rows), 50_000):
                cursor.executemany(sql, rows[start : start + 50_000])
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    read = len(queries.match_items(queries.wanted_items())) + len(
        queries.match_items(queries.available_offers())
    )
    reading = time.perf_counter() - started
    started = time.perf_counter()
    run = services.find_matches(None)
    seconds = time.perf_counter() - started
    stored = set(MatchSuggestion.objects.values_list("want_id", "offer_id"))
    return {
        "engine": connection.vendor,
        "loading (untimed in the figure) seconds": round(loaded, 1),
        "items read": read,
        "reading the items alone seconds": round(reading, 2),
        "find_matches seconds (read, match, write)": round(seconds, 2),
        "suggestions written": run.new,
        **evaluate(stored, truth),
    }


def main() -> int:
    args = parse_args()
    if not (SHARED / SOURCES[0]).is_file():
        print(f"shared data not present ({SHARED / SOURCES[0]}); nothing to measure")
        return 0
    started = time.perf_counter()
    wants, offers, truth, generated = generate(args)
    generated["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"generated": generated}, ensure_ascii=False), flush=True)
    # What a list item keeps from when it is saved (ListItem.match_title): its title forms,
    # romanised when in another script. Timed apart: it is paid once per item, at import.
    started = time.perf_counter()
    forms: dict[tuple[str, str], str] = {}
    for items in (wants, offers):
        for number, item in enumerate(items):
            key = (item.title, item.language)
            if key not in forms:
                forms[key] = matching.title_forms(item.title, item.language)
            items[number] = item._replace(forms=forms[key])
    forms_seconds = time.perf_counter() - started
    load_before = os.getloadavg()
    started = time.perf_counter()
    suggestions = matching.match(wants, offers, workers=args.workers)
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()
    found = {(s.want, s.offer) for s in suggestions}
    quality = evaluate(found, truth)
    by_id = {item.id: item for item in (*wants, *offers)}

    def show(pairs: set[tuple[int, int]]) -> list[list[str]]:
        return [[repr(by_id[w]), repr(by_id[o])] for w, o in sorted(pairs)[: args.show]]

    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "cpus": os.cpu_count(),
        "load average before, after": [round(x, 2) for x in (*load_before[:1], *load_after[:1])],
        "generated": generated,
        "title forms at import: distinct titles": len(forms),
        "title forms at import: seconds": round(forms_seconds, 1),
        "engine seconds": round(seconds, 2),
        "engine": matching.LAST_RUN,
        "target seconds": TARGET_SECONDS,
        **quality,
        "target f1": TARGET_F1,
        "met": seconds <= TARGET_SECONDS and quality["f1"] >= TARGET_F1,
        "wrong, by what the offer is": dict(
            Counter(ORIGIN.get(o, "other offer") for _w, o in found - truth).most_common()
        ),
        "wrong, by reason": dict(
            Counter(
                wrong_kind(s) for s in suggestions if (s.want, s.offer) not in truth
            ).most_common()
        ),
        "missed, by likely cause": dict(
            Counter(miss_kind(by_id[w], by_id[o]) for w, o in truth - found).most_common()
        ),
        "missed (sample)": show(truth - found),
        "wrong (sample)": show(found - truth),
    }
    if args.db:
        result["database"] = through_database(wants, offers, truth, args.partners)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
