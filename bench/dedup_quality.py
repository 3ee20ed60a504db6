"""How well ``catalog.matching`` finds duplicates, measured on real records written by others.

Run: ``.venv/bin/python bench/dedup_quality.py [--json FILE] [--show N]``. Reads
``../shared/data`` (or ``$BIBLIOBRIDGE_SHARED_DATA``) in place; prints figures and
the disagreements, so each can be looked at. Exits non-zero only on an error.

Figures are pairwise precision and recall at MANIFESTATION level: over pairs of
records, TP = pairs the matcher puts in one cluster that the ground truth calls the
same, and so on. Each data set's ground truth, and its limits:

1. Melinda (Finnish union catalogue) labelled pairs, ``dedup/melinda-record-matching``:
   22 bibliographic index pairs, unit-test fixtures of melinda-record-matching-js.
   Their labels answer "does this *feature set* see a match", not always "is this the
   same manifestation", so two figures are given. "as labelled": all 22 pairs with the
   labels as written. "manifestation": without the pairs whose label rests on data a
   NormalisedRecord does not carry (SID local-system links, 08 10 12 23; publisher
   numbers in 028, 24-27) or that test a feature extractor, not a match (06 and 07 are
   pair 05 with the language or ISBN fields removed and are labelled "no match" only
   because that feature found nothing; 13 has an empty subfield; 14 has no usable
   fields). Pair 18 is kept: a prepublication record of a "3. painos" (2010) and
   Fennica's record of the "2. [täyd.] p." (2008) under one ISBN, whose note reads
   "Lisäpainokset: 2010" (the note is what Melinda matches on, and a NormalisedRecord
   does not carry it). It is the same manifestation: "painos" numbers printings too, the
   enlarged second edition took a new ISBN and the third printing kept it, so the
   matcher takes a bare printing statement under a shared ISBN as a later printing.
   Pair 09 (the same ISBN, 2015 and 2020, no statement at all) stays apart.
2. Silver same-ISBN pairs, ``dedup/silver_isbn_pairs_*.csv``: pairs of records sharing
   an ISBN-13. Same ISBN is not the same manifestation: the spot-check below classifies
   each pair the matcher refuses by the reason it gives, and the figure reported is
   the share of silver pairs merged ("silver agreement"), not a recall.
   Spot-check (2026-11, by reading both records of every refused pair): across
   sources, all 35 pairs show the same title and year on both sides and all 35 are
   merged. In the Pride and Prejudice set 9 of 54 are refused, each rightly at
   manifestation level: 7 are the same ISBN on issues years apart whose records give a
   new date of publication and no printing statement, several with an ISBN added or a
   publisher renamed (Dent 1962/1973, Barnes & Noble 1993/2001 four times, Raintree
   1981/1991, Chancellor 1985/1996), and 2 are a NetLibrary e-book against the printed
   book whose record lists the e-ISBN.
3. Pride and Prejudice, ``marc/marc4j/pride-and-prejudice-fixed.mrc``: 383 records from
   many catalogues, one WORK (translations, adaptations, audio, criticism). Derived
   manifestation ground truth: two records are the same manifestation when they share a
   valid ISBN-13, have the same year (or both none) and the same material type, both or
   neither are e-books (every ISBN qualified "electronic"), and their publishers share
   a significant word. Limits, honestly: (a) it can only judge pairs in which
   both records have a valid ISBN-13, so pairs involving a record without one are left
   out of precision and recall; the matcher's merges among those are counted and
   listed for inspection instead; (b) the rule uses the same signals as the matcher's
   identifier route, so it tests the vetoes (title, edition, volume, language,
   carrier, year) and the blocking, not independent judgement; (c) hardback and
   paperback records that list each other's ISBN count as one manifestation; (d) it is
   small: of its 26 pairs, 22 are one record present twice in the file
   (same 001), and only 4 are records from different catalogues (Penguin 2003, OUP
   1990, Signet Classic 1996, Bantam 1981); all 26 were read and are the same
   manifestation. The figure says the vetoes do not split true duplicates and that
   nothing else in the file is merged; it is not a broad recall measure.

4. One catalogue against itself: a Library of Congress file (every8th: 31,250 records;
   every64th: 3,907, as the test runs it) is clustered, and every merge is listed. LoC
   seldom holds two records for one manifestation, so merges there are mostly false
   positives: a floor under precision on a broad, multi-script catalogue (no recall).

Also reported: how often ``romanise`` of a Library of Congress 880 (vernacular) field
equals or nearly equals its romanised partner field, by script; fold/tokens speed on
the LoC titles; and this matcher's title keys beside Gold Rush's expected keys.
"""

import argparse
import csv
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bibliobridge.catalog import matching  # noqa: E402
from bibliobridge.catalog.marc import normalise  # noqa: E402
from bibliobridge.catalog.marc.record import NormalisedRecord, RecordProblem  # noqa: E402
from bibliobridge.catalog.marc.source import Source  # noqa: E402
from bibliobridge.catalog.text import fold, romanise, tokens  # noqa: E402


def shared_data() -> Path:
    return Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", ROOT.parent / "shared" / "data"))


# --- Reading -------------------------------------------------------------------------------


READER_FAILURES: dict[str, str] = {}


def read_file(path: Path) -> list[NormalisedRecord | None]:
    """Every record of a MARC file by position (None where a record could not be read).

    Read with the project's reader; should it fail on a file, that is noted in
    READER_FAILURES and pymarc reads the file instead, through the same normaliser.
    """
    from bibliobridge.catalog.marc.read import read_records

    try:
        with path.open("rb") as stream:
            return [None if isinstance(r, RecordProblem) else r for r in read_records(stream)]
    except Exception as error:  # any failure is reported, and the evaluation goes on
        READER_FAILURES[path.name] = f"{type(error).__name__}: {error}"
    import pymarc

    if path.suffix == ".xml":
        found = pymarc.parse_xml_to_array(str(path))
    else:
        with path.open("rb") as handle:
            found = list(pymarc.MARCReader(handle, to_unicode=True, utf8_handling="replace"))
    return [None if r is None else _from_pymarc(r) for r in found]


def _from_pymarc(record) -> NormalisedRecord:
    source = Source(leader=str(record.leader))
    for field in record.fields:
        if field.is_control_field():
            source.control.setdefault(field.tag, field.data)
        else:
            subfields = [(s.code, s.value) for s in field.subfields]
            source.data.setdefault(field.tag, []).append(("".join(field.indicators), subfields))
    source.tags = frozenset(field.tag for field in record.fields)
    return normalise.marc21(source, record.as_marc21(), normalise.marc21_kind(source.leader))


def from_marc_json(data: dict) -> NormalisedRecord:
    """A NormalisedRecord from MARC-in-JSON, in Melinda's form or the code-keyed form."""
    source = Source(leader=data.get("leader") or "00000nam a2200000 a 4500")
    for entry in data["fields"]:
        if "tag" in entry:  # Melinda: {"tag", "value"} or {"tag", "ind1", "subfields"}
            tag = entry["tag"]
            if "value" in entry:
                source.control.setdefault(tag, entry["value"])
                continue
            indicators = entry.get("ind1", " ") + entry.get("ind2", " ")
            subfields = [(s["code"], s.get("value", "")) for s in entry.get("subfields", [])]
        else:  # {"245": {"ind1", "ind2", "subfields": [{"a": "..."}]}}
            ((tag, body),) = entry.items()
            if isinstance(body, str):
                source.control.setdefault(tag, body)
                continue
            indicators = body.get("ind1", " ") + body.get("ind2", " ")
            subfields = [next(iter(s.items())) for s in body.get("subfields", [])]
        source.data.setdefault(tag, []).append((indicators, subfields))
    source.tags = frozenset(source.control) | frozenset(source.data)
    raw = json.dumps(data, sort_keys=True).encode()
    return normalise.marc21(source, raw, normalise.marc21_kind(source.leader))


# --- Scoring -------------------------------------------------------------------------------


def pairs_of(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    return {(a, b) for group in groups for a, b in combinations(sorted(group), 2)}


def precision_recall(predicted: set, truth: set) -> dict:
    tp = len(predicted & truth)
    return {
        "pairs_true": len(truth),
        "pairs_predicted": len(predicted),
        "tp": tp,
        "fp": len(predicted - truth),
        "fn": len(truth - predicted),
        "precision": round(tp / len(predicted), 4) if predicted else 1.0,
        "recall": round(tp / len(truth), 4) if truth else 1.0,
    }


def describe(record: NormalisedRecord) -> str:
    isbns = " ".join(i.value + ("" if i.valid else "!") for i in record.isbns[:3])
    return (
        f"{record.local_id} | {record.title[:60]} | ed {record.edition[:20] or '-'} | "
        f"{record.publisher[:25]} {record.year} | {record.material_type} "
        f"{','.join(record.languages[:2])} | {isbns}"
    )


# --- 1. Melinda ----------------------------------------------------------------------------

OUTSIDE_CONTRACT = {"08", "10", "12", "23", "24", "25", "26", "27"}
FEATURE_TESTS = {"06", "07", "13", "14"}


def melinda(data: Path) -> dict:
    base = data / "dedup" / "melinda-record-matching" / "match-detection" / "index"
    rows = []
    for folder in sorted(base.iterdir()):
        meta = json.loads((folder / "metadata.json").read_text())
        if meta["options"]["strategy"]["type"] != "bib":
            continue
        a = from_marc_json(json.loads((folder / "recordA.json").read_text()))
        others = json.loads((folder / "recordB.json").read_text())
        expected = meta["expectedResults"]
        if not isinstance(others, list):
            others, expected = [others], [expected]
        for n, (other, label) in enumerate(zip(others, expected, strict=True)):
            match = matching.compare(a, from_marc_json(other))
            rows.append(
                {
                    "pair": folder.name + (f"/{n}" if len(others) > 1 else ""),
                    "label": bool(label["match"]),
                    "same": match.same,
                    "reasons": [r.code for r in match.reasons],
                    "kept": folder.name not in OUTSIDE_CONTRACT | FEATURE_TESTS,
                }
            )

    def figures(selected: list[dict]) -> dict:
        predicted = {r["pair"] for r in selected if r["same"]}
        truth = {r["pair"] for r in selected if r["label"]}
        result = precision_recall(predicted, truth)
        result["pairs"] = len(selected)
        result["accuracy"] = round(
            sum(r["same"] == r["label"] for r in selected) / len(selected), 4
        )
        return result

    return {
        "as_labelled": figures(rows),
        "manifestation": figures([r for r in rows if r["kept"]]),
        "disagreements": [r for r in rows if r["same"] != r["label"]],
    }


# --- 2. Silver same-ISBN pairs ------------------------------------------------------------


def silver(data: Path) -> dict:
    result = {}
    cache: dict[str, list] = {}

    def record(file: str, number: str) -> NormalisedRecord | None:
        if file not in cache:
            cache[file] = read_file(data / "marc" / file)
        records = cache[file]
        index = int(number)  # the CSV counts records from 0
        return records[index] if 0 <= index < len(records) else None

    for name, default_file in (
        ("across_sources", None),
        ("pride_and_prejudice", "marc4j/pride-and-prejudice-fixed.mrc"),
    ):
        rows = []
        with (data / "dedup" / f"silver_isbn_pairs_{name}.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                a = record(row.get("file_a") or default_file, row["recno_a"])
                b = record(row.get("file_b") or default_file, row["recno_b"])
                if a is None or b is None:
                    rows.append({"isbn": row["isbn13"], "same": None, "reasons": ["unreadable"]})
                    continue
                match = matching.compare(a, b)
                rows.append(
                    {
                        "isbn": row["isbn13"],
                        "same": match.same,
                        "reasons": [str(r) for r in match.reasons],
                        "a": describe(a),
                        "b": describe(b),
                        "ids_ok": (row["001_a"] in ("", a.local_id))
                        and (row["001_b"] in ("", b.local_id)),
                    }
                )
        merged = sum(1 for r in rows if r["same"])
        result[name] = {
            "pairs": len(rows),
            "merged": merged,
            "agreement": round(merged / len(rows), 4),
            "refused": [r for r in rows if not r["same"]],
            "ids_checked": sum(1 for r in rows if r.get("ids_ok")),
        }
    return result


# --- 3. Pride and Prejudice -----------------------------------------------------------------


def _publisher_words(record: NormalisedRecord) -> set[str]:
    return {w for w in fold(record.publisher).split() if w not in matching._PUBLISHER_STOP}


def _ebook(record: NormalisedRecord) -> bool:
    qualifiers = [i.qualifier.lower() for i in record.isbns]
    return bool(qualifiers) and all("electronic" in q for q in qualifiers)


def same_by_rule(a: NormalisedRecord, b: NormalisedRecord) -> bool:
    """The derived ground truth (see the module docstring)."""
    isbns_a = {i.value for i in a.isbns if i.valid}
    isbns_b = {i.value for i in b.isbns if i.valid}
    return bool(
        isbns_a & isbns_b
        and a.year == b.year
        and _ebook(a) == _ebook(b)
        and a.material_type == b.material_type
        and _publisher_words(a) & _publisher_words(b)
    )


def pride_and_prejudice(data: Path, show: int) -> dict:
    records = [r for r in read_file(data / "marc" / "marc4j" / "pride-and-prejudice-fixed.mrc")]
    readable = [i for i, r in enumerate(records) if r is not None]
    recs = [records[i] for i in readable]
    started = time.perf_counter()
    groups = matching.cluster(recs)
    elapsed = time.perf_counter() - started
    predicted = pairs_of(groups)
    judged = {i for i, r in enumerate(recs) if any(x.valid for x in r.isbns)}
    truth = {(i, j) for i, j in combinations(sorted(judged), 2) if same_by_rule(recs[i], recs[j])}
    in_scope = {(i, j) for i, j in predicted if i in judged and j in judged}
    figures = precision_recall(in_scope, truth)
    unjudged = sorted(predicted - in_scope)
    random.seed(1)
    sample = random.sample(sorted(truth), min(20, len(truth)))

    def show_pairs(pairs: Iterable[tuple[int, int]]) -> list[dict]:
        out = []
        for i, j in list(pairs)[:show]:
            match = matching.compare(recs[i], recs[j])
            out.append(
                {
                    "a": describe(recs[i]),
                    "b": describe(recs[j]),
                    "reasons": [str(r) for r in match.reasons],
                }
            )
        return out

    return {
        "records": len(records),
        "readable": len(recs),
        "with_valid_isbn": len(judged),
        "clusters": len(groups),
        "largest_cluster": max(len(g) for g in groups),
        "cluster_seconds": round(elapsed, 3),
        **figures,
        "truth_pairs_one_record_twice": sum(recs[i].local_id == recs[j].local_id for i, j in truth),
        "merged_outside_truth": len(unjudged),
        "false_positives": show_pairs(sorted(in_scope - truth)),
        "false_negatives": show_pairs(sorted(truth - in_scope)),
        "merged_outside_truth_pairs": show_pairs(unjudged),
        "truth_sample": show_pairs(sample),
    }


# --- 4. One catalogue's own records: merges are suspect -----------------------------------


def loc_distinct(data: Path, name: str, show: int) -> dict:
    """Cluster one LoC file: a national library rarely holds two records for one manifestation,
    so every merge is listed for checking (a lower bound on false positives, no recall)."""
    records = [r for r in read_file(data / "marc" / "loc" / name) if r is not None]
    started = time.perf_counter()
    groups = matching.cluster(records)
    elapsed = time.perf_counter() - started
    merged = [g for g in groups if len(g) > 1]
    examples = []
    for group in merged[:show]:
        a, b = records[group[0]], records[group[1]]
        examples.append(
            {
                "a": describe(a),
                "b": describe(b),
                "reasons": [str(r) for r in matching.compare(a, b).reasons],
            }
        )
    return {
        "file": name,
        "records": len(records),
        "cluster_seconds": round(elapsed, 2),
        "records_per_second": round(len(records) / elapsed),
        "merged_pairs": len(pairs_of(merged)),
        "merged": examples,
    }


# --- 5. Romanisation against LoC 880 fields -------------------------------------------------

_SCRIPTS = {"$1": "CJK", "(N": "Cyrillic", "(2": "Hebrew", "(3": "Arabic", "(S": "Greek"}
_LINKED = ("245", "100", "110", "111", "700", "710", "711", "250", "260", "264", "490")


def _880_pairs(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """(script, language, vernacular, romanised) for 880s linked to the fields above."""
    import pymarc

    with path.open("rb") as handle:
        for record in pymarc.MARCReader(handle, to_unicode=True, utf8_handling="replace"):
            if record is None or "880" not in record:
                continue
            language = record["008"].data[35:38] if record["008"] else ""
            for field in record.get_fields("880"):
                link = field.get("6") or ""
                tag, _, rest = link.partition("-")
                if tag not in _LINKED or len(rest) < 2:
                    continue
                occurrence, _, script = rest.partition("/")
                for partner in record.get_fields(tag):
                    if (partner.get("6") or "")[4:6] == occurrence[:2]:
                        code = "ab" if tag in ("245", "110", "710") else "a"
                        vern = " ".join(field.get_subfields(*code))
                        roman = " ".join(partner.get_subfields(*code))
                        if vern and roman:
                            yield script[:2], language, vern, roman
                        break


def romanisation(data: Path) -> dict:
    from rapidfuzz.distance import Indel

    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    examples: dict[str, list] = defaultdict(list)
    for script, language, vern, roman in _880_pairs(
        data / "marc" / "loc" / "loc_booksall2016_part01_every8th.mrc"
    ):
        name = _SCRIPTS.get(script, script or "?")
        if name == "CJK":
            name = {"chi": "Chinese", "jpn": "Japanese", "kor": "Korean"}.get(language, "CJK other")
        mine = romanise(vern, language).replace(" ", "")
        theirs = romanise(roman, language).replace(" ", "")
        similarity = Indel.normalized_similarity(mine, theirs)
        row = counts[name]
        row[0] += 1
        row[1] += mine == theirs
        row[2] += similarity >= 0.9
        if similarity < 0.9 and len(examples[name]) < 3:
            examples[name].append((vern, roman, mine, theirs))
    return {
        name: {
            "fields": n,
            "equal": round(equal / n, 3),
            "within_0.9": round(close / n, 3),
            "misses": examples[name],
        }
        for name, (n, equal, close) in sorted(counts.items(), key=lambda kv: -kv[1][0])
    }


# --- 6. Speed and Gold Rush -----------------------------------------------------------------


def speed(data: Path) -> dict:
    titles = []
    for record in read_file(data / "marc" / "loc" / "loc_booksall2016_part01_every8th.mrc"):
        if record is not None:
            titles.extend(t for t in (record.title, record.title_vernacular) if t)
    fold("warm é")
    result = {"titles": len(titles)}
    for function in (fold, tokens):
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            for title in titles:
                function(title)
            best = min(best, time.perf_counter() - started)
        result[f"{function.__name__}_per_second"] = round(len(titles) / best)
    return result


def goldrush(data: Path) -> list[dict]:
    base = data / "dedup" / "goldrush-mod-reservoir" / "test"
    expected = json.loads((base / "assertions-goldrush2024.json").read_text())
    rows = []
    for name, key in expected.items():
        try:
            record = from_marc_json(json.loads((base.parent / name).read_text()))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            rows.append({"file": name, "goldrush": key, "ours": f"unreadable: {error}"})
            continue
        rows.append({"file": name, "goldrush": key, "ours": sorted(matching.match_keys(record))})
    return rows


def evaluate(data: Path | None = None, show: int = 10, loc: str = "every64th") -> dict:
    data = data or shared_data()
    from django.conf import settings

    if not settings.configured:  # run as a script: reasons are shown as their English msgids
        settings.configure(USE_I18N=False)
    return {
        "melinda": melinda(data),
        "silver": silver(data),
        "pride_and_prejudice": pride_and_prejudice(data, show),
        "loc_distinct": loc_distinct(data, f"loc_booksall2016_part01_{loc}.mrc", show),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--show", type=int, default=10, help="disagreements to print per kind")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip romanisation and speed; cluster the smaller LoC file",
    )
    args = parser.parse_args()
    data = shared_data()
    if not data.is_dir():
        print(f"shared data not found at {data}; set BIBLIOBRIDGE_SHARED_DATA", file=sys.stderr)
        return 2
    results = evaluate(data, args.show, "every64th" if args.quick else "every8th")
    results["reader_failures"] = READER_FAILURES
    if not args.quick:
        results["romanisation"] = romanisation(data)
        results["speed"] = speed(data)
        results["goldrush"] = goldrush(data)
    print(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
