"""A generated union catalogue: holders' MARC files made from real records, for bench/catalog_scale.py.

The records are the real ones in ../shared/data/marc (read in place; BIBLIOBRIDGE_SHARED_DATA
overrides the folder): the Library of Congress sample (31,250 records, many languages and
scripts, 880 vernacular fields), the University of Virginia file (MARC-8, converted),
Evergreen's jazz, French, Nepali and Hebrew samples, marc4j's Pride and Prejudice editions.
Each of them is a *manifestation*; so are invented other editions of them (a later
edition, a reprint years on, another volume, the e-book, large print: new ISBN, LCCN and
OCLC number, another year), which must not cluster with the original.

Who holds what. Each manifestation is held by a number of holders drawn from a heavy tail
(six in ten by one holder, a few by every holder: popular titles), the holders chosen
with weights that make a few libraries large and most small. Holders have countries
spread over the world.

What differs between two holders' copies of one manifestation, as a union catalogue sees
it: the holder's own 001 (and 003, 005), its own 852 holdings and item fields (Koha 952,
Sierra 945, Aleph-like 949), the source's local 9XX fields gone, a local 590 now and then;
per holder, some drop 035 or 010, some lose the ISBN on a share of their records, some
write titles in another case or without ISBD punctuation, a few drop 880 vernacular
fields, a few drop subject headings.

Deterministic for a seed. The local id of a record ends with the manifestation number in
nine digits (after a prefix of the holder's own), so the benchmark can tell in SQL how
the clusters formed compare with the manifestations generated.

    .venv/bin/python bench/catalog_generate.py --records 20000 --holders 30 --workdir var/gen
"""

import argparse
import bisect
import itertools
import json
import math
import multiprocessing
import os
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", ROOT.parent / "shared" / "data"))
# Read in place, in this order; the first is required, the others add variety when present.
SOURCES = [
    "marc/loc/loc_booksall2016_part01_every8th.mrc",
    "marc/solrmarc/uva_001_2000.mrc",
    "marc/evergreen/jazz_1k.mrc",
    "marc/evergreen/lul_fre_500.mrc",
    "marc/evergreen/nepali.marc",
    "marc/evergreen/hebrew.marc",
    "marc/marc4j/pride-and-prejudice-fixed.mrc",
    "marc/traject/test_data.utf8.mrc",
]
VERSION = 1  # of what a workdir holds: bump when the output changes for the same arguments
MANIFEST = "manifest.json"
# Nine digits of manifestation number end every local id.
ID_DIGITS = 9

# (country, time zone, weight): more holders where there are more libraries in such networks.
COUNTRIES = [
    ("US", "America/New_York", 20), ("CA", "America/Toronto", 5), ("MX", "America/Mexico_City", 3),
    ("BR", "America/Sao_Paulo", 4), ("AR", "America/Argentina/Buenos_Aires", 2),
    ("CL", "America/Santiago", 2), ("CO", "America/Bogota", 1), ("PE", "America/Lima", 1),
    ("GB", "Europe/London", 10), ("IE", "Europe/Dublin", 1), ("FR", "Europe/Paris", 8),
    ("DE", "Europe/Berlin", 12), ("NL", "Europe/Amsterdam", 3), ("BE", "Europe/Brussels", 2),
    ("ES", "Europe/Madrid", 4), ("PT", "Europe/Lisbon", 2), ("IT", "Europe/Rome", 5),
    ("CH", "Europe/Zurich", 2), ("AT", "Europe/Vienna", 2), ("PL", "Europe/Warsaw", 3),
    ("CZ", "Europe/Prague", 2), ("HU", "Europe/Budapest", 1), ("SE", "Europe/Stockholm", 2),
    ("NO", "Europe/Oslo", 1), ("FI", "Europe/Helsinki", 2), ("DK", "Europe/Copenhagen", 1),
    ("RU", "Europe/Moscow", 6), ("UA", "Europe/Kyiv", 2), ("GR", "Europe/Athens", 1),
    ("TR", "Europe/Istanbul", 2), ("IL", "Asia/Jerusalem", 2), ("EG", "Africa/Cairo", 2),
    ("MA", "Africa/Casablanca", 1), ("NG", "Africa/Lagos", 2), ("KE", "Africa/Nairobi", 1),
    ("ZA", "Africa/Johannesburg", 2), ("ET", "Africa/Addis_Ababa", 1), ("SA", "Asia/Riyadh", 1),
    ("IR", "Asia/Tehran", 1), ("IN", "Asia/Kolkata", 5), ("PK", "Asia/Karachi", 1),
    ("BD", "Asia/Dhaka", 1), ("NP", "Asia/Kathmandu", 1), ("TH", "Asia/Bangkok", 1),
    ("VN", "Asia/Ho_Chi_Minh", 1), ("MY", "Asia/Kuala_Lumpur", 1), ("SG", "Asia/Singapore", 1),
    ("ID", "Asia/Jakarta", 2), ("PH", "Asia/Manila", 1), ("CN", "Asia/Shanghai", 12),
    ("HK", "Asia/Hong_Kong", 2), ("TW", "Asia/Taipei", 3), ("KR", "Asia/Seoul", 5),
    ("JP", "Asia/Tokyo", 8), ("AU", "Australia/Sydney", 4), ("NZ", "Pacific/Auckland", 1),
]  # fmt: skip
KINDS = [("university_library", 60), ("public_library", 20), ("research_library", 12),
         ("national_library", 3), ("other", 5)]  # fmt: skip
ITEM_STYLES = ["koha", "sierra", "aleph", "alma"]
TITLE_STYLES = [("as is", 55), ("no ISBD punctuation", 20), ("sentence case", 10),
                ("title case", 10), ("upper case", 5)]  # fmt: skip
INVENTED = [("edition", 35), ("reprint", 25), ("volume", 15), ("e-book", 15), ("large print", 10)]
ORDINALS = ["2nd", "3rd", "4th", "5th", "6th", "7th"]
# How many holders hold one manifestation: one for this share, else a Pareto tail.
SINGLE_HOLDER = 0.6
TAIL_ALPHA = 1.1
# Holders' sizes: weight 1/(rank+1)^s, ranks shuffled over the holders.
HOLDER_SIZE_S = 0.8
# Manifestations that are invented other editions, at least (all beyond the real records).
INVENTED_SHARE = 0.15


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--holders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if not sources_present():
        print(f"shared data not present ({SHARED / SOURCES[0]}); nothing to generate")
        return 0
    manifest = generate(args.workdir, args.records, args.holders, args.seed, args.jobs, log=print)
    print(json.dumps(manifest["summary"], indent=2))
    return 0


def sources_present() -> bool:
    return (SHARED / SOURCES[0]).is_file()


# --- the real records --------------------------------------------------------------------


def read_pool() -> list[bytes]:
    """Every bibliographic record of the sources, as UTF-8 ISO 2709 (MARC-8 converted)."""
    import logging

    import pymarc

    logging.getLogger("pymarc").setLevel(logging.ERROR)
    pool: list[bytes] = []
    for name in SOURCES:
        path = SHARED / name
        if not path.is_file():
            continue
        with path.open("rb") as stream:
            reader = pymarc.MARCReader(stream, to_unicode=True, utf8_handling="replace",
                                       hide_utf8_warnings=True)  # fmt: skip
            for record in reader:
                if (
                    record is None
                    or record.leader[6] not in "acdefgijkmoprt"
                    or not record.get("245")
                ):
                    continue
                record.leader[9] = "a"
                try:
                    pool.append(record.as_marc())
                except (UnicodeError, ValueError):
                    continue
    return pool


# --- who holds what ----------------------------------------------------------------------


@dataclass
class Holder:
    index: int
    name: str
    code: str  # ISIL-like: 003, 852 $a
    country: str
    time_zone: str
    kind: str
    id_prefix: str
    item_style: str
    title_style: str
    missing_isbn: float  # share of its records without their ISBN
    drops_035: bool
    drops_010: bool
    drops_880: bool
    drops_subjects: bool
    file: str = ""
    records: int = 0


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def make_holders(n: int, seed: int) -> list[Holder]:
    holders = []
    countries = [((country, zone), weight) for country, zone, weight in COUNTRIES]
    for index in range(n):
        rng = random.Random(f"{seed}:holder:{index}")
        country, time_zone = _weighted(rng, countries)
        kind = _weighted(rng, KINDS)
        code = f"{country}-BB{index:03d}"
        holders.append(Holder(
            index=index,
            name=f"Bench {kind.replace('_', ' ')} {index:03d} ({country})",
            code=code,
            country=country,
            time_zone=time_zone,
            kind=kind,
            id_prefix=rng.choice(["", "b", "99", f"{code}-", "BIB", "ocn-local-", "L"]),
            item_style=rng.choice(ITEM_STYLES),
            title_style=_weighted(rng, TITLE_STYLES),
            missing_isbn=rng.choices([0.01, 0.1, 0.4], weights=[70, 20, 10])[0],
            drops_035=rng.random() < 0.3,
            drops_010=rng.random() < 0.2,
            drops_880=rng.random() < 0.08,
            drops_subjects=rng.random() < 0.05,
        ))  # fmt: skip
    return holders


def holdings_counts(rng: random.Random, records: int, holders: int) -> list[int]:
    """How many holders hold each manifestation; they add up to ``records``."""
    counts: list[int] = []
    total = 0
    while total < records:
        if rng.random() < SINGLE_HOLDER:
            count = 1
        else:
            count = min(holders, int(1 / (1 - rng.random()) ** (1 / TAIL_ALPHA)) + 1)
        count = min(count, records - total)
        counts.append(count)
        total += count
    counts.sort(reverse=True)
    return counts


def assign(rng: random.Random, counts: list[int], holders: int) -> list[list[int]]:
    """Each holder's manifestations: ``count`` distinct holders for each, by holder weight."""
    ranks = list(range(holders))
    rng.shuffle(ranks)
    weights = [1 / (rank + 1) ** HOLDER_SIZE_S for rank in ranks]
    cum = list(itertools.accumulate(weights))
    total = cum[-1]
    held: list[list[int]] = [[] for _ in range(holders)]
    everyone = list(range(holders))
    for manifestation, count in enumerate(counts):
        if count >= holders:
            chosen: Any = everyone
        elif count * 4 <= holders:
            chosen = set()
            while len(chosen) < count:
                chosen.add(min(bisect.bisect(cum, rng.random() * total), holders - 1))
        else:  # many of few: weighted sampling without replacement (Efraimidis-Spirakis)
            keys = sorted(everyone, key=lambda h: -math.log(1 - rng.random()) / weights[h])
            chosen = keys[:count]
        for holder in chosen:
            held[holder].append(manifestation)
    return held


def manifestations(rng: random.Random, n: int, pool_size: int) -> list[tuple[int, int]]:
    """(pool record, variant) for each manifestation, most held first; variant 0 is the record
    as it is, others are invented editions of it."""
    order = list(range(pool_size))
    rng.shuffle(order)
    result: list[tuple[int, int]] = []
    used: list[int] = []
    variants: dict[int, int] = {}
    next_original = 0
    for _ in range(n):
        invent = used and (next_original >= pool_size or rng.random() < INVENTED_SHARE)
        if invent:
            # Popular records get more editions: pick among the first used, skewed.
            base = used[min(int(len(used) * rng.random() ** 2), len(used) - 1)]
            variants[base] = variants.get(base, 0) + 1
            result.append((base, variants[base]))
        else:
            base = order[next_original]
            next_original += 1
            used.append(base)
            result.append((base, 0))
    return result


# --- writing -----------------------------------------------------------------------------


def generate(workdir: Path, records: int, holders: int, seed: int, jobs: int = 1,
             log=None) -> dict[str, Any]:  # fmt: skip
    """Write one ISO 2709 file per holder into workdir (reused when it already holds the
    same arguments' output); return the manifest."""
    workdir.mkdir(parents=True, exist_ok=True)
    wanted = {"version": VERSION, "records": records, "holders": holders, "seed": seed,
              "sources": [name for name in SOURCES if (SHARED / name).is_file()]}  # fmt: skip
    manifest_path = workdir / MANIFEST
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("parameters") == wanted and all(
            (workdir / h["file"]).is_file() for h in manifest["holders"]
        ):
            if log:
                log(f"generated files reused from {workdir}")
            return manifest
        manifest_path.unlink()
    started = time.perf_counter()
    pool = read_pool()
    rng = random.Random(seed)
    counts = holdings_counts(rng, records, holders)
    plan = manifestations(rng, len(counts), len(pool))
    held = assign(rng, counts, holders)
    people = make_holders(holders, seed)
    tasks = []
    for holder in people:
        holder.file = f"holder_{holder.index:03d}.mrc"
        holder.records = len(held[holder.index])
        items = [(m, *plan[m]) for m in sorted(held[holder.index])]
        tasks.append((str(workdir / holder.file), asdict(holder), items, seed))
    if log:
        log(f"generating {records:,} records for {holders} holders from {len(pool):,} real records "
            f"({len(counts):,} manifestations) into {workdir}")  # fmt: skip
    written = 0
    if jobs > 1:
        with multiprocessing.get_context("spawn").Pool(jobs, _init_worker, (pool,)) as workers:
            # Largest first, so the two workers finish together.
            tasks.sort(key=lambda task: -len(task[2]))
            for done in workers.imap_unordered(_write_task, tasks):
                written += done
                if log and written // 100_000 != (written - done) // 100_000:
                    log(f"  {written:,} records written, {time.perf_counter() - started:.0f} s")
    else:
        _init_worker(pool)
        for task in tasks:
            written += _write_task(task)
    invented = sum(1 for _base, variant in plan if variant)
    summary = {
        "records": written,
        "holders": holders,
        "real_records": len(pool),
        "manifestations": len(counts),
        "invented_manifestations": invented,
        "held_by_one": sum(1 for c in counts if c == 1),
        "held_by_over_200": sum(1 for c in counts if c > 200),
        "most_holders": counts[0] if counts else 0,
        "largest_holder": max(h.records for h in people),
        "smallest_holder": min(h.records for h in people),
        "countries": len({h.country for h in people}),
        "seconds": round(time.perf_counter() - started, 1),
    }
    manifest = {"parameters": wanted, "summary": summary,
                "holders": [asdict(h) for h in people]}  # fmt: skip
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


_POOL: list[bytes] = []


def _init_worker(pool: list[bytes]) -> None:
    global _POOL  # noqa: PLW0603 (one pool per worker process, set once)
    _POOL = pool


def _write_task(task: tuple[str, dict[str, Any], list[tuple[int, int, int]], int]) -> int:
    import logging

    logging.getLogger("pymarc").setLevel(logging.ERROR)
    path, holder_fields, items, seed = task
    holder = Holder(**holder_fields)
    with open(path + ".part", "wb") as out:
        for manifestation, base, variant in items:
            out.write(holder_copy(holder, manifestation, base, variant, seed))
    os.replace(path + ".part", path)
    return len(items)


def holder_copy(holder: Holder, manifestation: int, base: int, variant: int, seed: int) -> bytes:
    """One holder's record of one manifestation, as ISO 2709 UTF-8."""
    import pymarc

    record = pymarc.Record(data=_POOL[base], force_utf8=True, utf8_handling="replace",
                           hide_utf8_warnings=True)  # fmt: skip
    if variant:
        invent(record, manifestation, random.Random(f"{seed}:m:{manifestation}"))
    localise(record, holder, manifestation, random.Random(f"{seed}:{holder.index}:{manifestation}"))
    record.leader[9] = "a"
    return record.as_marc()


# --- an invented manifestation -----------------------------------------------------------


def isbn13(digits12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return digits12 + str((10 - total % 10) % 10)


def _year(record) -> int | None:
    f008 = record.get("008")
    if f008 is not None and f008.data[7:11].isdigit():
        return int(f008.data[7:11])
    return None


def _set_year(record, year: int) -> None:
    import re

    from pymarc import Field

    f008 = record.get("008")
    if f008 is not None and len(f008.data) >= 11:
        f008.data = f008.data[:7] + str(year) + f008.data[11:]
    else:
        record.add_ordered_field(Field("008", data=f"000101s{year}    xx            000 0 und d"))
    for tag in ("260", "264"):
        for field in record.get_fields(tag):
            for index, sub in enumerate(field.subfields):
                if sub.code == "c":
                    value = re.sub(r"(1[5-9]\d\d|20\d\d)", str(year), sub.value, count=1)
                    field.subfields[index] = sub._replace(value=value)


def _replace(record, tag: str, field) -> None:
    record.remove_fields(tag)
    record.add_ordered_field(field)


def invent(record, manifestation: int, rng: random.Random) -> None:
    """Make the record another manifestation of the same work: another edition, a reprint
    some years on, another volume, the e-book, large print; new identifiers."""
    from pymarc import Field, Indicators, Subfield

    kind = _weighted(rng, INVENTED)
    year = _year(record) or rng.randrange(1950, 2016)
    delta = {"edition": rng.randint(2, 15), "reprint": rng.randint(2, 8), "volume": rng.randint(0, 2),
             "e-book": rng.randint(0, 1), "large print": rng.randint(0, 3)}[kind]  # fmt: skip
    new_year = year + delta if year + delta <= 2025 else year - max(delta, 2)
    _set_year(record, new_year)
    had_isbn = bool(record.get_fields("020"))
    record.remove_fields("020", "010", "035")
    isbn = isbn13(f"9798{manifestation:08d}")
    if had_isbn or kind == "e-book" or rng.random() < 0.5:
        subfields = [Subfield("a", isbn)]
        if kind == "e-book":
            subfields.append(Subfield("q", "(ebook)"))
        elif rng.random() < 0.5:
            subfields.append(Subfield("q", rng.choice(["(hardcover)", "(paperback)", "(pbk.)"])))
        record.add_ordered_field(Field("020", Indicators(" ", " "), subfields))
    serial = manifestation % 10**6
    record.add_ordered_field(Field("010", Indicators(" ", " "),
                                   [Subfield("a", f"  {2090 + manifestation // 10**6 % 10}{serial:06d}")]))  # fmt: skip
    if rng.random() < 0.6:
        record.add_ordered_field(Field("035", Indicators(" ", " "),
                                       [Subfield("a", f"(OCoLC){3_000_000_000 + manifestation}")]))  # fmt: skip
    if kind == "edition":
        _replace(record, "250", Field("250", Indicators(" ", " "),
                                      [Subfield("a", f"{rng.choice(ORDINALS)} ed.")]))  # fmt: skip
    elif kind == "large print":
        _replace(record, "250", Field("250", Indicators(" ", " "),
                                      [Subfield("a", "Large print edition.")]))  # fmt: skip
    elif kind == "volume":
        field = record["245"]
        position = next((i + 1 for i, s in enumerate(field.subfields) if s.code == "a"), 0)
        field.subfields.insert(position, Subfield("n", f"v. {rng.randint(2, 6)}"))
    elif kind == "e-book":
        f008 = record.get("008")
        if f008 is not None and len(f008.data) > 23:
            f008.data = f008.data[:23] + "o" + f008.data[24:]
        record.add_ordered_field(Field("337", Indicators(" ", " "),
                                       [Subfield("a", "computer"), Subfield("b", "c"),
                                        Subfield("2", "rdamedia")]))  # fmt: skip


# --- a holder's copy ---------------------------------------------------------------------


def _restyle(text: str, style: str) -> str:
    if style == "no ISBD punctuation":
        return text.rstrip(" /:;,.=").replace(" : ", ": ")
    if style == "sentence case":
        return text[:1] + text[1:].lower()
    if style == "title case":
        return text.title()
    if style == "upper case":
        return text.upper()
    return text


def localise(record, holder: Holder, manifestation: int, rng: random.Random) -> None:
    """The holder's own copy: its control number, holdings and habits."""
    from pymarc import Field, Indicators, Subfield

    call_number = ""
    for field in record.get_fields("050", "090", "082"):
        call_number = " ".join(field.get_subfields("a", "b"))
        if call_number:
            break
    local = [
        f.tag for f in record.fields if f.tag[0] == "9" or f.tag in ("001", "003", "005", "852")
    ]
    record.remove_fields(*set(local))
    record.add_ordered_field(Field("001", data=f"{holder.id_prefix}{manifestation:0{ID_DIGITS}d}"))
    record.add_ordered_field(Field("003", data=holder.code))
    record.add_ordered_field(Field("005", data=f"2026{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
                                               f"{rng.randrange(24):02d}0000.0"))  # fmt: skip
    if holder.drops_035:
        record.remove_fields("035")
    if holder.drops_010:
        record.remove_fields("010")
    if rng.random() < holder.missing_isbn:
        record.remove_fields("020")
    if holder.drops_880 and record.get_fields("880"):
        record.remove_fields("880")
        for field in record.fields:
            if not field.is_control_field():
                field.subfields = [s for s in field.subfields if s.code != "6"]
    if holder.drops_subjects:
        record.remove_fields("650", "651", "655")
    if holder.title_style != "as is" and rng.random() < 0.8:
        field = record.get("245")
        if field is not None:
            field.subfields = [s._replace(value=_restyle(s.value, holder.title_style))
                               if s.code in "ab" else s for s in field.subfields]  # fmt: skip
    copies = 1 if rng.random() < 0.85 else rng.randint(2, 3)
    location = rng.choice(["MAIN", "STACKS", "REF", "BRANCH", "ANNEX", "SPEC"])
    for copy in range(copies):
        barcode = f"{holder.index:03d}{manifestation:09d}{copy}"
        subfields = [Subfield("a", holder.code), Subfield("b", location)]
        if call_number:
            subfields.append(Subfield("h", call_number))
        subfields.append(Subfield("p", barcode))
        record.add_ordered_field(
            Field("852", Indicators("0" if call_number else " ", " "), subfields)
        )
        if holder.item_style == "koha":
            item = Field("952", Indicators(" ", " "), [Subfield("a", holder.code), Subfield("b", holder.code),
                         Subfield("o", call_number or "-"), Subfield("p", barcode), Subfield("y", "BK")])  # fmt: skip
        elif holder.item_style == "sierra":
            item = Field("945", Indicators(" ", " "), [Subfield("a", call_number or "-"),
                         Subfield("i", barcode), Subfield("l", location.lower())])  # fmt: skip
        elif holder.item_style == "aleph":
            item = Field(
                "949", Indicators(" ", " "), [Subfield("b", barcode), Subfield("c", location)]
            )
        else:
            continue
        record.add_ordered_field(item)
    if rng.random() < 0.1:
        record.add_ordered_field(Field("590", Indicators(" ", " "),
                                       [Subfield("a", rng.choice(["Gift of the author.", "Library's copy signed.",
                                                                  "Bookplate.", "Purchased from exchange funds."]))]))  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
