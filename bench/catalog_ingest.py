"""Loading partners' catalogues: the whole pipeline against pymarc merely parsing, same run.

The pipeline is what `bibliobridge catalog_import` does: read and normalise every record,
compute match keys, stage, replace the holder's records in one transaction, cluster,
index for search. pymarc.MARCReader (to_unicode) only parses. Target: pipeline records/s
≥ pymarc's (ratio ≥ 1.0), on the Library of Congress file (UTF-8, 31,250 records) and
the University of Virginia file (MARC-8, 2,000).

Per file, in a fresh database and a process of its own (SQLite in a temporary directory;
PostgreSQL as well when DATABASE_URL is set): pymarc parses the file, then three loads are
timed — a first load (every record new), the same file for a second holder (every record
joins a cluster of the first holder's: the comparing path), and the first holder's file
again (nothing changed). Wall-clock time; pymarc is timed right before the load it is
compared with. Until 2026-11-28 the files shared one database and process, so UVA's loads
went into a catalogue that held LoC's.

Each load's time is also given by step (timers around the functions that do them):
reading and staging (of which the staged rows' inserts), and the replace — the records'
own statements, match keys, clustering, search indexing. bench/marc_read.py gives the
ceiling the reading alone puts on the ratio.

Writes var/bench/catalog_ingest.json and prints a table. Exits non-zero only on an error.
"""

import argparse
import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import create_postgres_database  # noqa: E402 (after sys.path)

SHARED = Path(os.environ.get("BIBLIOBRIDGE_SHARED_DATA", ROOT.parent / "shared" / "data"))
FILES = {
    "loc_utf8": "marc/loc/loc_booksall2016_part01_every8th.mrc",
    "uva_marc8": "marc/solrmarc/uva_001_2000.mrc",
}
RESULTS = ROOT / "var" / "bench" / "catalog_ingest.json"
TARGET_RATIO = 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", default=list(FILES), choices=list(FILES))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.backend:
        return child(args)
    missing = [name for name in args.files if not (SHARED / FILES[name]).is_file()]
    if missing:
        print(f"shared data not present ({SHARED}): {', '.join(missing)}; nothing to measure")
        return 0
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "cpus": os.cpu_count(),
                               "target_ratio": TARGET_RATIO, "backends": {}}  # fmt: skip
    failed = False
    for backend in backends:
        merged: dict[str, Any] = {"errors": [], "rows": [], "server_version": ""}
        for name in args.files:  # each file in a process and a database of its own
            result = run_child(backend, name)
            merged["server_version"] = result.get("server_version") or merged["server_version"]
            merged["rows"] += result.get("rows", [])
            merged["errors"] += result.get("errors", [])
        results["backends"][backend] = merged
        failed = failed or bool(merged["errors"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    return 1 if failed else 0


def run_child(backend: str, name: str) -> dict[str, Any]:
    """The three loads of one file, measured by a child process in a fresh database."""
    with tempfile.TemporaryDirectory(prefix=f"ingest-{backend}-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, __file__, "--backend", backend, "--child-out", str(out),
                   "--files", name]  # fmt: skip
        code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (our own script)
        result = json.loads(out.read_text()) if out.exists() else {"errors": ["no result"]}
        if code != 0 and not result.get("errors"):
            result.setdefault("errors", []).append(f"{name}: the child exited {code}")
        return result


def print_table(results: dict[str, Any]) -> None:
    for backend, result in results["backends"].items():
        print(f"\n{backend} {result.get('server_version', '')}")
        header = f"{'file':<10} {'load':<26} {'records':>8} {'s':>7} {'rec/s':>8} {'pymarc/s':>9} {'ratio':>6}"
        print(header)
        print("-" * len(header))
        for row in result.get("rows", []):
            print(f"{row['file']:<10} {row['load']:<26} {row['records']:>8} {row['seconds']:>7.1f} "
                  f"{row['per_second']:>8.0f} {row['pymarc_per_second']:>9.0f} {row['ratio']:>6.2f}")  # fmt: skip
        print("\nseconds by step: staging (of which staged rows' inserts) | records, match keys,"
              " clustering, indexing")  # fmt: skip
        for row in result.get("rows", []):
            steps = row.get("steps", {})
            print(f"{row['file']:<10} {row['load']:<26} "
                  + f"{steps.get('staging', 0):.1f} ({steps.get('staged_inserts', 0):.1f}) | "
                  + ", ".join(f"{steps.get(step, 0):.1f}"
                              for step in ("records", "match_keys", "clustering", "indexing")))  # fmt: skip
        for error in result.get("errors", []):
            print(f"error: {error}")


def child(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="ingest-var-")
    os.environ["BIBLIOBRIDGE_VAR_DIR"] = tmp
    os.environ["SECRET_KEY"] = "bench-only-secret-key"  # noqa: S105 (a throwaway database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bibliobridge.settings"
    sys.path.insert(0, str(ROOT / "src"))
    drop = None
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    else:
        drop = create_postgres_database()
    result: dict[str, Any] = {"errors": [], "rows": []}
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        result["server_version"] = (
            connection.vendor
            + " "
            + ".".join(str(part) for part in connection.Database.sqlite_version_info)
            if connection.vendor == "sqlite"
            else str(connection.cursor().connection.info.server_version)
        )
        for name in args.files:
            result["rows"] += measure(name, SHARED / FILES[name])
    except Exception:
        result["errors"].append(traceback.format_exc())
    finally:
        from django.db import connections

        connections.close_all()
        if drop is not None:
            drop()
        # The SQLite database of three loads of each file: some 650 MB a run.
        shutil.rmtree(tmp, ignore_errors=True)
    args.child_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["errors"] else 0


def pymarc_rate(path: Path) -> tuple[int, float]:
    import pymarc

    start = time.perf_counter()
    with path.open("rb") as stream:
        count = sum(1 for _ in pymarc.MARCReader(stream, to_unicode=True, utf8_handling="replace",
                                                   hide_utf8_warnings=True))  # fmt: skip
    return count, count / (time.perf_counter() - start)


@contextlib.contextmanager
def steps_timed(spent: dict[str, float]) -> Iterator[None]:
    """Seconds spent in each step of the loads run in the block, added up in ``spent``."""
    from bibliobridge.catalog import clusters, imports, searching

    wrapped = {"staging": (imports, "_stage_file"), "staged_inserts": (imports, "_insert_staged"),
               "apply": (imports, "_apply"), "match_keys": (imports, "_replace_match_keys"),
               "clustering": (clusters, "assign"), "indexing": (searching, "reindex")}  # fmt: skip

    def timer(step: str, function: Any) -> Any:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[step] = spent.get(step, 0.0) + time.perf_counter() - start

        return timed

    originals = {step: getattr(module, attribute) for step, (module, attribute) in wrapped.items()}
    for step, (module, attribute) in wrapped.items():
        setattr(module, attribute, timer(step, originals[step]))
    try:
        yield
    finally:
        for step, (module, attribute) in wrapped.items():
            setattr(module, attribute, originals[step])


def by_step(spent: dict[str, float]) -> dict[str, float]:
    """The steps of one load; "records" is what the replace spent on the records' own
    statements (inserted, updated, withdrawn): the rest of it."""
    within = ("match_keys", "clustering", "indexing")
    steps = {
        step: round(spent.get(step, 0.0), 2) for step in ("staging", "staged_inserts", *within)
    }
    steps["records"] = round(
        spent.get("apply", 0.0) - sum(spent.get(step, 0.0) for step in within), 2
    )
    return steps


def measure(name: str, path: Path) -> list[dict[str, Any]]:
    from bibliobridge.catalog import imports
    from bibliobridge.catalog.enums import RunSource
    from bibliobridge.partners.models import Institution

    def holder(label: str) -> Institution:
        return Institution.objects.create(kind="university_library", name=f"{name} {label}",
                                          country="DE", time_zone="Europe/Berlin")  # fmt: skip

    first, second = holder("first holder"), holder("second holder")
    rows = []
    for label, institution in (("first load (all new)", first),
                               ("second holder (all match)", second),
                               ("first holder again (same)", first)):  # fmt: skip
        _count, reference = pymarc_rate(path)
        run = imports.start_run(institution, RunSource.COMMAND, path.name)
        spent: dict[str, float] = {}
        with steps_timed(spent):
            start = time.perf_counter()
            imports.run_import(run, [path])
            seconds = time.perf_counter() - start
        if run.status != "done":
            raise RuntimeError(f"{label}: run ended {run.status} {run.error_code}")
        rows.append({"file": name, "load": label, "records": run.records_read, "seconds": round(seconds, 2),
                     "per_second": run.records_read / seconds, "pymarc_per_second": reference,
                     "ratio": round(run.records_read / seconds / reference, 3),
                     "new": run.loaded, "updated": run.updated, "unchanged": run.unchanged,
                     "rejected": run.rejected, "steps": by_step(spent)})  # fmt: skip
    return rows


if __name__ == "__main__":
    sys.exit(main())
