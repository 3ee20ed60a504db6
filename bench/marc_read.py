"""Reading MARC records: our read_records against pymarc's own parsing, in the same run.

pymarc.MARCReader only parses (a Record per record, every field decoded); read_records
parses, decodes and normalises to NormalisedRecord, so the ratio is a floor on our
headroom. Two real files from ../shared/data: Library of Congress records in UTF-8
(31,250) and University of Virginia records in MARC-8 (2,000).

Also timed: what an import worker does for each record (``prepare.prepare`` after the
reading: match keys, search terms, the columns to stage), and from it the **ceiling of
the load's ratio** (bench/catalog_ingest.py) on this machine: the ratio a load would
reach if that work were spread over every core with nothing lost, and storing,
clustering and indexing cost nothing. A load's own ratio cannot pass it.

Each reader runs --repeat times, alternating, and the best run counts (the machine is
shared; the best run is the one least disturbed). CPU time of this process is measured.

Writes var/bench/marc_read.json and prints records per second and the ratio. Exits
non-zero only on an error, never on a missed target.
"""

import argparse
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

import pymarc

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bibliobridge.catalog import prepare  # noqa: E402 (after sys.path)
from bibliobridge.catalog.marc.read import read_records  # noqa: E402

SHARED = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = {
    "loc_utf8": "marc/loc/loc_booksall2016_part01_every8th.mrc",
    "uva_marc8": "marc/solrmarc/uva_001_2000.mrc",
}
RESULTS = ROOT / "var" / "bench" / "marc_read.json"
TARGET_RATIO = 1.5


def time_pymarc(path: Path) -> tuple[int, float]:
    start = time.process_time()
    count = 0
    with path.open("rb") as stream:
        reader = pymarc.MARCReader(
            stream, to_unicode=True, utf8_handling="replace", hide_utf8_warnings=True
        )
        for _record in reader:
            count += 1
    return count, time.process_time() - start


def time_ours(path: Path, prepared: bool = False) -> tuple[int, float]:
    """Our reading; ``prepared``: and what an import worker then does with each record
    (``prepare.prepare``)."""
    start = time.process_time()
    count = 0
    with path.open("rb") as stream:
        for record in read_records(stream):
            if prepared:
                prepare.prepare(record)
            count += 1
    return count, time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "pymarc": importlib.metadata.version("pymarc"),
        "target_ratio": TARGET_RATIO,
        "files": {},
    }
    cores = os.cpu_count() or 1
    results["cores"] = cores
    print(f"{'file':<12} {'records':>8} {'pymarc rec/s':>13} {'ours rec/s':>11} {'ratio':>6} "
          f"{'prepared rec/s':>15} {'load ceiling':>13}")  # fmt: skip
    for label, relative in FILES.items():
        path = SHARED / relative
        if not path.is_file():
            print(f"{label:<12} skipped: {path} not present")
            continue
        best_pymarc = best_ours = best_prepared = float("inf")
        count = 0
        for _ in range(args.repeat):
            count, seconds = time_pymarc(path)
            best_pymarc = min(best_pymarc, seconds)
            ours_count, seconds = time_ours(path)
            best_ours = min(best_ours, seconds)
            _count, seconds = time_ours(path, prepared=True)
            best_prepared = min(best_prepared, seconds)
        pymarc_rate = count / best_pymarc
        ours_rate = ours_count / best_ours
        ratio = ours_rate / pymarc_rate
        prepared_rate = ours_count / best_prepared
        ceiling = cores * prepared_rate / pymarc_rate
        results["files"][label] = {
            "path": relative,
            "records_pymarc": count,
            "records_ours": ours_count,
            "pymarc_records_per_s": round(pymarc_rate),
            "ours_records_per_s": round(ours_rate),
            "ratio": round(ratio, 2),
            "prepared_records_per_s": round(prepared_rate),
            "load_ratio_ceiling": round(ceiling, 2),
        }
        print(f"{label:<12} {ours_count:>8} {pymarc_rate:>13,.0f} {ours_rate:>11,.0f} {ratio:>6.2f} "
              f"{prepared_rate:>15,.0f} {ceiling:>13.2f}")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
