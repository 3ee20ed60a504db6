"""The union catalogue at scale: 1,000,000 generated records from 300 holders, loaded,
searched and asked who holds what.

1. bench/catalog_generate.py writes one ISO 2709 file per holder, made from the real records
   in ../shared/data/marc (popular titles held by many, a long tail by one; each holder's
   own control numbers, holdings, habits; invented other editions). Generated once per
   run, into --workdir (kept and reused when given) or a temporary directory.
2. Per database (SQLite in a temporary directory; PostgreSQL as well when DATABASE_URL is
   set, in a database of its own), in a child process: the holders are loaded one after
   the other as `catalog_import` does (imports.start_run + run_import); wall-clock time,
   records/s, and memory: the child's peak RSS (getrusage SELF), the import's worker
   processes' (getrusage CHILDREN: the largest one, inflated by the parent's pages it
   holds between fork and exec), and the whole tree's RSS sampled every half second
   (child + workers at the same moment), with its PSS beside it (shared pages divided
   among the processes that map them, where summed RSS counts them in each). Target: ≤ 1 GB.
3. On the loaded catalogue, in-process: a fixed mix of searches through
   catalog.searching.find (as the search page: four facets, 20 hits with their holders)
   with words sampled from the loaded records — common words, rare words, several words,
   CJK, Cyrillic, ISBN, fielded (title, name, subject, year, language, holder, country) —
   after a warm-up with other queries of the same kinds; then the same mix again (all
   warm). Target p50 ≤ 2 ms and p99 ≤ 20 ms (SQLite). Then catalog.queries.who_holds by
   ISBN, ISSN, OCLC number and title + name + year. Target p95 ≤ 5 ms. Before the
   queries the search index is merged as production merges it: the loads queued the merge
   task, and `db_worker --batch` runs it in a process of its own (seconds and segments
   reported).

Also reported: clusters formed against manifestations generated (a manifestation whose
records fell into several clusters is "split"; a cluster with records of several,
"merged").

--db-dir DIR keeps the SQLite database in DIR: a first run loads it, a later one with the
same DIR (and the same generated files) applies new migrations and measures again without
loading, which is what iterating on the queries needs (a 1M load takes over half an hour).

Writes var/bench/catalog_scale.json (a backend's earlier figures for the same generated
catalogue are kept beside a new one) and prints a table. Exits non-zero only on an error.

    .venv/bin/python bench/catalog_scale.py --records 20000 --holders 30
    .venv/bin/python bench/catalog_scale.py
    BIBLIOBRIDGE_PG_PORT=54362 bin/with-postgres .venv/bin/python bench/catalog_scale.py
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import catalog_generate  # noqa: E402 (after sys.path)

RESULTS = ROOT / "var" / "bench" / "catalog_scale.json"
TARGET_PEAK_MB = 1024
TARGET_SEARCH_P50_MS, TARGET_SEARCH_P99_MS = 2.0, 20.0
TARGET_WHO_HOLDS_P95_MS = 5.0
# Shares of the search mix and of the who-holds mix.
SEARCH_KINDS = [("common word", 0.20), ("rare word", 0.10), ("several words", 0.17), ("cjk", 0.12),
                ("cyrillic", 0.08), ("isbn", 0.10), ("fielded", 0.23)]  # fmt: skip
WHO_HOLDS_KINDS = [("isbn", 0.40), ("oclc", 0.20), ("issn", 0.10), ("title+name+year", 0.30)]
WARMUP = 200
STOPWORDS = frozenset(
    "the and for with from les des der die das und von del los las con une aux dans per".split()
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--holders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--queries", type=int, default=1200, help="size of the search mix")
    parser.add_argument("--who-holds", type=int, default=1200, help="size of the who-holds mix")
    parser.add_argument("--workdir", type=Path, help="keep the generated files here (reused)")
    parser.add_argument("--max-ingest-seconds", type=float,
                        help="load no further holder after this long; measure what was loaded")  # fmt: skip
    parser.add_argument("--db-dir", type=Path,
                        help="SQLite only: keep the database here; reuse it when it is loaded")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes generating the files")  # fmt: skip
    parser.add_argument("--pg-keep", action="store_true",
                        help="PostgreSQL: use DATABASE_URL's database itself, keep it, and "
                        "measure it without loading when it is loaded (bench/copy_to_postgres.py)")  # fmt: skip
    parser.add_argument("--backends", nargs="*", choices=["sqlite", "postgresql"],
                        help="default: sqlite, and postgresql when DATABASE_URL is set")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the parent: generate once, one child per database, then the table -------------------


def main() -> int:
    args = parse_args()
    if args.backend:
        return child(args)
    if not catalog_generate.sources_present():
        print(f"shared data not present ({catalog_generate.SHARED / catalog_generate.SOURCES[0]}); "
              "nothing to measure")  # fmt: skip
        return 0
    backends = args.backends or (
        ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    )
    if args.db_dir and backends != ["sqlite"]:
        print("--db-dir keeps a SQLite database only (give --backends sqlite)")
        return 1
    if args.pg_keep and backends != ["postgresql"]:
        print("--pg-keep keeps a PostgreSQL database only (give --backends postgresql)")
        return 1
    if "postgresql" in backends and not os.environ.get("DATABASE_URL"):
        print("postgresql asked for but DATABASE_URL is not set (bin/with-postgres sets it)")
        return 1
    with tempfile.TemporaryDirectory(prefix="catalog-scale-") as tmp:
        workdir = args.workdir or Path(tmp) / "files"
        manifest = catalog_generate.generate(workdir, args.records, args.holders, args.seed,
                                             args.jobs, log=print)  # fmt: skip
        results = previous_results(args.out, manifest)
        results.update({"date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "cpus": os.cpu_count(),
                        "import_workers": import_workers(), "generated": manifest["summary"],
                        "parameters": manifest["parameters"], "queries": args.queries,
                        "who_holds_calls": args.who_holds})  # fmt: skip
        failed = False
        for backend in backends:
            out = Path(tmp) / f"{backend}.json"
            command = [sys.executable, __file__, "--backend", backend, "--child-out", str(out),
                       "--workdir", str(workdir), "--seed", str(args.seed),
                       "--queries", str(args.queries), "--who-holds", str(args.who_holds)]  # fmt: skip
            if args.max_ingest_seconds:
                command += ["--max-ingest-seconds", str(args.max_ingest_seconds)]
            if args.db_dir:
                command += ["--db-dir", str(args.db_dir.resolve())]
            if args.pg_keep:
                command += ["--pg-keep"]
            code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (our own script)
            result = json.loads(out.read_text()) if out.exists() else {"errors": ["no result"]}
            result["date"] = results["date"]
            results["backends"][backend] = result
            failed = failed or code != 0 or bool(result.get("errors"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(
        f"\nWritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 1 if failed else 0


def import_workers() -> int:
    return int(os.environ.get("BIBLIOBRIDGE_IMPORT_WORKERS", min(2, os.cpu_count() or 1)))


def previous_results(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """The last run's figures when they were taken on the same generated catalogue."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = {}
    if previous.get("parameters") != manifest["parameters"]:
        previous = {}
    return {"backends": previous.get("backends", {})}


def print_table(results: dict[str, Any]) -> None:
    generated = results["generated"]
    print(f"\n{generated['records']:,} records from {generated['holders']} holders in "
          f"{generated['countries']} countries; {generated['manifestations']:,} manifestations "
          f"({generated['invented_manifestations']:,} invented editions) from "
          f"{generated['real_records']:,} real records; {generated['held_by_one']:,} held by one "
          f"holder, {generated['held_by_over_200']:,} by over 200; largest holder "
          f"{generated['largest_holder']:,} records")  # fmt: skip
    for backend, result in results["backends"].items():
        print(f"\n{backend} {result.get('server_version', '')} ({result.get('date', '')})")
        for error in result.get("errors", []):
            print(f"error: {error}")
        if "clusters" not in result:
            continue
        if result.get("reused"):
            print(f"database reused from {result['reused']}: {result['clusters']['records']:,} "
                  "records loaded by an earlier run; no load measured")  # fmt: skip
        else:
            print_load(result, generated)
        if "merge" in result:
            merge = result["merge"]
            print(f"index merged by the worker in {merge['seconds']:,.1f} s: {merge['segments_before']} "
                  f"segments and {merge['postings_before']:,} posting rows before, "
                  f"{merge['segments_after']} and {merge['postings_after']:,} after")  # fmt: skip
        clusters = result["clusters"]
        print(f"clusters: {clusters['clusters']:,} for {clusters['manifestations']:,} manifestations; "
              f"{clusters['split_manifestations']:,} split ({clusters['split_over_200']:,} of them held "
              f"by over 200), {clusters['merged_clusters']:,} clusters merging several; "
              f"database {result['size_bytes'] / 2**20:,.0f} MB")  # fmt: skip
        header = f"{'search':<28} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>8}  ms"
        print(header)
        print("-" * len(header))
        for name, row in result["search"].items():
            if name == "examples":
                continue
            print(f"{name:<28} {row['n']:>5} {row['p50']:>7.2f} {row['p95']:>7.2f} {row['p99']:>7.2f} "
                  f"{row['max']:>8.2f}")  # fmt: skip
        overall = result["search"]["all (after warm-up)"]
        met = overall["p50"] <= TARGET_SEARCH_P50_MS and overall["p99"] <= TARGET_SEARCH_P99_MS
        print(f"p50 ≤ {TARGET_SEARCH_P50_MS:.0f} ms and p99 ≤ {TARGET_SEARCH_P99_MS:.0f} ms: "
              f"{'yes' if met else 'NO'}")  # fmt: skip
        header = f"{'who holds':<28} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>8}  ms"
        print(header)
        print("-" * len(header))
        for name, row in result["who_holds"].items():
            print(f"{name:<28} {row['n']:>5} {row['p50']:>7.2f} {row['p95']:>7.2f} {row['p99']:>7.2f} "
                  f"{row['max']:>8.2f}")  # fmt: skip
        overall = result["who_holds"]["all"]
        print(
            f"p95 ≤ {TARGET_WHO_HOLDS_P95_MS:.0f} ms: "
            f"{'yes' if overall['p95'] <= TARGET_WHO_HOLDS_P95_MS else 'NO'}"
        )


def print_load(result: dict[str, Any], generated: dict[str, Any]) -> None:
    ingest = result["ingest"]
    memory = result["memory"]
    verdict = "yes" if memory["tree_peak_mb"] <= TARGET_PEAK_MB else "NO"
    if not ingest["complete"]:
        print(
            f"INCOMPLETE: the time budget ran out after {ingest['holders_loaded']} of "
            f"{generated['holders']} holders; everything below is on what was loaded"
        )
    print(f"ingest: {ingest['records']:,} records in {ingest['seconds']:.0f} s = "
          f"{ingest['per_second']:.0f} rec/s (first tenth of holders {ingest['first_tenth_per_second']:.0f}, "
          f"last tenth {ingest['last_tenth_per_second']:.0f} rec/s); slowest holder "
          f"{ingest['slowest']['records']:,} records in {ingest['slowest']['seconds']:.0f} s")  # fmt: skip
    print(f"memory: main {memory['self_peak_mb']:.0f} MB; import workers together "
          f"{memory['sampled_children_peak_mb']:.0f} MB (sampled; getrusage's {memory['children_peak_mb']:.0f} MB "
          "also counts the main process's pages a worker holds between fork and exec); "
          f"whole tree at once {memory['tree_peak_mb']:.0f} MB RSS (≤ {TARGET_PEAK_MB} MB: {verdict}), "
          f"{memory.get('tree_pss_peak_mb', 0):.0f} MB PSS")  # fmt: skip


# --- the child: one database ---------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    if args.db_dir:
        args.db_dir.mkdir(parents=True, exist_ok=True)
    tmp = str(args.db_dir) if args.db_dir else tempfile.mkdtemp(prefix="catalog-scale-var-")
    os.environ["BIBLIOBRIDGE_VAR_DIR"] = tmp
    os.environ["SECRET_KEY"] = "bench-only-secret-key"  # noqa: S105 (a throwaway database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bibliobridge.settings"
    os.environ.setdefault("BIBLIOBRIDGE_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "src"))
    drop = None
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    elif not args.pg_keep:
        from bench.run import create_postgres_database

        drop = create_postgres_database()
    result: dict[str, Any] = {"errors": []}
    sampler = MemorySampler()
    sampler.start()
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        result.update(run(args, sampler))
    except Exception:
        result["errors"].append(traceback.format_exc())
    finally:
        sampler.stop()
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
        if not args.db_dir:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    args.child_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["errors"] else 0


class MemorySampler(threading.Thread):
    """RSS of this process and of its children (the import's worker pool), every half
    second: the peak of their sum is what the machine must have.

    Summed RSS counts a page shared by several processes (the interpreter's and the
    libraries' code, mapped from the same files) once in each; PSS divides it among them,
    so the tree's summed PSS is the memory it really takes. Both are kept: RSS is the
    figure the target was first set on, PSS the honest one."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.self_peak = self.children_peak = self.tree_peak = 0
        self.self_pss_peak = self.tree_pss_peak = 0
        # (s, self RSS MB, children RSS MB, tree PSS MB), every 30 s
        self.timeline: list[tuple[float, int, int, int]] = []
        self.started = time.monotonic()

    def run(self) -> None:
        last = -30.0
        while not self.halt.wait(0.5):
            children = _children()
            mine, theirs = _rss_kb(os.getpid()), sum(_rss_kb(pid) for pid in children)
            my_pss = _pss_kb(os.getpid())
            tree_pss = my_pss + sum(_pss_kb(pid) for pid in children)
            self.self_peak = max(self.self_peak, mine)
            self.children_peak = max(self.children_peak, theirs)
            self.tree_peak = max(self.tree_peak, mine + theirs)
            self.self_pss_peak = max(self.self_pss_peak, my_pss)
            self.tree_pss_peak = max(self.tree_pss_peak, tree_pss)
            now = time.monotonic() - self.started
            if now - last >= 30:
                self.timeline.append((round(now), mine // 1024, theirs // 1024, tree_pss // 1024))
                last = now

    def stop(self) -> None:
        self.halt.set()


def _rss_kb(pid: int) -> int:
    return _status_kb(f"/proc/{pid}/status", "VmRSS:")


def _pss_kb(pid: int) -> int:
    return _status_kb(f"/proc/{pid}/smaps_rollup", "Pss:")


def _status_kb(path: str, field: str) -> int:
    try:
        with open(path) as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children() -> list[int]:
    found = []
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/children") as children:
                found += [int(pid) for pid in children.read().split()]
    except OSError:
        pass
    return found


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    if not ordered:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99),
            "max": ordered[-1]}  # fmt: skip


def run(args: argparse.Namespace, sampler: "MemorySampler") -> dict[str, Any]:
    from django.db import connection

    manifest = json.loads((args.workdir / catalog_generate.MANIFEST).read_text())
    from bibliobridge.catalog.models import Record

    result: dict[str, Any] = {"server_version": server_version(connection)}
    if (args.db_dir or args.pg_keep) and Record.objects.exists():
        result["reused"] = str(args.db_dir or connection.settings_dict["NAME"])
    else:
        result["ingest"] = ingest(args.workdir, manifest, args.max_ingest_seconds)
        result["memory"] = memory_figures(sampler)
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load (bench/search_index.py says why).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        result["analyze_seconds"] = round(time.perf_counter() - started, 1)
    result["merge"] = merge_index()
    result["clusters"] = cluster_figures(manifest)
    result["size_bytes"] = database_size(connection)
    sample = sample_records()
    result["sampled_records"] = len(sample.rows)
    result["search"] = time_searches(sample, args.queries, args.seed)
    result["who_holds"] = time_who_holds(sample, args.who_holds, args.seed)
    result["peak_mb_at_end"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def merge_index() -> dict[str, Any]:
    """The search index merged as production merges it: each load queued the merge task
    (once), and a worker runs it — here `db_worker --batch` in a process of its own once
    the loads are done, so the searches' connection and process are not the merger's. On
    a reused database the task is queued first, as a load would have."""
    from django.db import connections

    from bibliobridge.catalog import search, searching

    before = search.stats()
    searching.queue_merge()
    connections.close_all()
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch",  # noqa: S603
                    "--no-startup-delay"], cwd=ROOT, check=True)  # fmt: skip
    seconds = time.perf_counter() - started
    after = search.stats()
    return {"seconds": round(seconds, 1),
            "segments_before": len(before.segments), "segments_after": len(after.segments),
            "postings_before": before.postings, "postings_after": after.postings,
            "live_docs": after.live_docs}  # fmt: skip


def memory_figures(sampler: "MemorySampler") -> dict[str, Any]:
    usage_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "self_peak_mb": usage_self / 1024,
        "children_peak_mb": usage_children / 1024,
        "sampled_self_peak_mb": sampler.self_peak / 1024,
        "sampled_children_peak_mb": sampler.children_peak / 1024,
        "tree_peak_mb": max(sampler.tree_peak, usage_self) / 1024,
        "sampled_self_pss_peak_mb": sampler.self_pss_peak / 1024,
        "tree_pss_peak_mb": sampler.tree_pss_peak / 1024,
        "timeline_s_self_children_rss_tree_pss_mb": sampler.timeline,
    }


def server_version(connection) -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"postgresql {cursor.fetchone()[0]}"
    import sqlite3

    return f"sqlite {sqlite3.sqlite_version}"


def database_size(connection) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]


# --- loading -------------------------------------------------------------------------------


def ingest(workdir: Path, manifest: dict[str, Any], budget: float | None = None) -> dict[str, Any]:
    from bibliobridge.catalog import imports
    from bibliobridge.catalog.enums import RunSource
    from bibliobridge.partners.models import Institution

    holders = manifest["holders"]
    institutions = Institution.objects.bulk_create(
        Institution(kind=h["kind"], name=h["name"], name_en=h["name"], country=h["country"],
                    time_zone=h["time_zone"])
        for h in holders
    )  # fmt: skip
    rows = []
    totals: Counter = Counter()
    started = last_report = time.perf_counter()
    for holder, institution in zip(holders, institutions, strict=True):
        if budget and time.perf_counter() - started > budget:
            break
        path = workdir / holder["file"]
        run = imports.start_run(institution, RunSource.COMMAND, path.name)
        began = time.perf_counter()
        imports.run_import(run, [path])
        seconds = time.perf_counter() - began
        if run.status != "done":
            raise RuntimeError(
                f"{holder['name']}: run ended {run.status} {run.error_code} {run.error_params}"
            )
        rows.append({"holder": holder["index"], "records": run.records_read, "seconds": round(seconds, 2),
                     "new": run.loaded, "updated": run.updated, "rejected": run.rejected})  # fmt: skip
        totals.update(records=run.records_read, loaded=run.loaded, rejected=run.rejected)
        now = time.perf_counter()
        if now - last_report > 60 or len(rows) == len(holders) or len(rows) % 25 == 0:
            last_report = now
            elapsed = now - started
            print(f"  {len(rows)}/{len(holders)} holders, {totals['records']:,} records, {elapsed:.0f} s, "
                  f"{totals['records'] / elapsed:.0f} rec/s, RSS {_rss_kb(os.getpid()) // 1024} MB",
                  file=sys.stderr, flush=True)  # fmt: skip
    seconds = time.perf_counter() - started
    tenth = max(1, len(rows) // 10)

    def rate(part: list[dict[str, Any]]) -> float:
        return sum(r["records"] for r in part) / max(sum(r["seconds"] for r in part), 1e-9)

    return {
        "complete": len(rows) == len(holders),
        "holders_loaded": len(rows),
        "records": totals["records"],
        "loaded": totals["loaded"],
        "rejected": totals["rejected"],
        "seconds": round(seconds, 1),
        "per_second": totals["records"] / seconds,
        "first_tenth_per_second": rate(rows[:tenth]),
        "last_tenth_per_second": rate(rows[-tenth:]),
        "slowest": max(rows, key=lambda r: r["seconds"]),
        "holders": rows,
    }


def cluster_figures(manifest: dict[str, Any]) -> dict[str, Any]:
    """Clusters formed against the manifestations generated (the local id ends with the
    manifestation number)."""
    from django.db import connection

    from bibliobridge.catalog.models import Cluster, Record

    table = Record._meta.db_table
    digits = catalog_generate.ID_DIGITS
    number = f"CAST(SUBSTR(local_id, LENGTH(local_id) - {digits - 1}) AS INTEGER)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m, records, clusters FROM (SELECT {number} AS m, COUNT(*) AS records, "  # noqa: S608 (our own table)
            f"COUNT(DISTINCT cluster_id) AS clusters FROM {table} WHERE status = %s GROUP BY {number}) t "
            "WHERE clusters > 1",
            ["active"],
        )
        split = cursor.fetchall()
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT cluster_id FROM {table} WHERE status = %s "  # noqa: S608 (our own table)
            f"GROUP BY cluster_id HAVING MIN({number}) <> MAX({number})) t",
            ["active"],
        )
        (merged,) = cursor.fetchone()
        cursor.execute(
            f"SELECT COUNT(DISTINCT {number}) FROM {table} WHERE status = %s",  # noqa: S608 (our own table)
            ["active"],
        )
        (manifestations,) = cursor.fetchone()
    sizes = Counter()
    for count in Cluster.objects.values_list("record_count", flat=True).iterator(chunk_size=10_000):
        sizes[
            "1"
            if count == 1
            else "2-10"
            if count <= 10
            else "11-200"
            if count <= 200
            else "over 200"
        ] += 1
    return {
        "records": Record.objects.filter(status="active").count(),
        "clusters": Cluster.objects.count(),
        "manifestations": manifestations,
        "cluster_sizes": dict(sizes),
        "largest_cluster": Cluster.objects.order_by("-record_count")
        .values_list("record_count", flat=True)
        .first(),
        "split_manifestations": len(split),
        "split_over_200": sum(1 for _m, records, _c in split if records > 200),
        "split_examples": [list(row) for row in sorted(split, key=lambda r: -r[1])[:10]],
        "merged_clusters": merged,
    }


# --- the query mixes -------------------------------------------------------------------------


class Sample:
    """Loaded records, every n-th, with what the query mixes draw from them."""

    def __init__(
        self,
        rows: list[dict[str, Any]],
        holders: list[tuple[int, str]],
        issns: list[str],
        vernacular: list[dict[str, Any]],
    ) -> None:
        from bibliobridge.catalog.text import script_of, tokens

        self.rows = rows
        self.holders = holders
        self.issns = issns
        self.latin = [r for r in rows if r["title"] and script_of(r["title"]) == "latn"]
        self.cjk = [
            r
            for r in vernacular
            if r["title_vernacular"]
            and script_of(r["title_vernacular"]) in ("hani", "jpan", "hang")
        ]
        self.cyrillic = [
            r for r in vernacular if script_of(r["title_vernacular"] or r["title"]) == "cyrl"
        ]
        self.with_isbn = [r for r in rows if r["isbns"]]
        self.with_oclc = [r for r in rows if r["oclc_numbers"]]
        self.with_year = [r for r in self.latin if r["year"]]
        self.with_name = [r for r in self.latin if r["names"]]
        self.with_subject = [r for r in rows if r["subjects"]]
        frequency: Counter = Counter()
        for row in self.latin:
            # sorted: a set of strings iterates in an order that changes from process to
            # process (hash randomisation), and so would the ties of most_common and the mix.
            frequency.update(sorted(set(tokens(row["title"]))))
        words = [
            (w, n)
            for w, n in frequency.most_common()
            if w.isalpha() and len(w) >= 3 and w not in STOPWORDS
        ]
        self.common = [w for w, _n in words[:500]]
        self.rare = [w for w, n in words if n == 1]
        self.languages = [
            code
            for code, _n in Counter(r["languages"][0] for r in rows if r["languages"]).most_common(
                15
            )
        ]


def sample_records(target: int = 6000) -> Sample:
    from django.db.models import F

    from bibliobridge.catalog.models import Record
    from bibliobridge.partners.models import Institution

    total = Record.objects.filter(status="active").count()
    stride = max(1, total // target)
    fields = ["holder_id", "title", "title_vernacular", "title_romanised", "names", "subjects",
              "isbns", "issns", "oclc_numbers", "languages", "year"]  # fmt: skip
    rows = list(
        Record.objects.filter(status="active")
        .annotate(every=F("id") % stride)
        .filter(every=0)
        .order_by("id")
        .values(*fields)
    )
    issns = sorted({issn for (values,) in Record.objects.filter(status="active", issns__0__isnull=False)
                    .values_list("issns")[:5000] for issn in values})  # fmt: skip
    holders = list(Institution.objects.order_by("pk").values_list("pk", "country"))
    # Records with a vernacular title, for the CJK and Cyrillic queries (few in every n-th:
    # the Library of Congress romanises Russian and gives Cyrillic in 880 for a handful).
    vernacular = list(
        Record.objects.filter(status="active")
        .exclude(title_vernacular="")
        .order_by("id")
        .values(*fields)[:30_000]
    )
    return Sample(rows, holders, issns, vernacular)


def search_mix(sample: Sample, n: int, rng: random.Random) -> list[tuple[str, Any, int]]:
    """(kind, Criteria, page), always the same for a seed and a catalogue."""
    from bibliobridge.catalog.searching import Criteria
    from bibliobridge.catalog.text import tokens

    def words(row: dict[str, Any], k: int) -> str:
        found = [w for w in tokens(row["title"]) if w.isalnum()]
        start = rng.randrange(max(1, len(found) - k + 1))
        return " ".join(found[start : start + k])

    def common() -> str:
        return sample.common[
            min(int(len(sample.common) * rng.random() ** 2), len(sample.common) - 1)
        ]

    def make(kind: str) -> Criteria | None:
        if kind == "common word":
            return Criteria(q=common())
        if kind == "rare word" and sample.rare:
            return Criteria(q=rng.choice(sample.rare))
        if kind == "several words":
            return Criteria(q=words(rng.choice(sample.latin), rng.randint(2, 3)))
        if kind == "cjk" and sample.cjk:
            title = "".join(
                c for c in rng.choice(sample.cjk)["title_vernacular"] if not c.isspace()
            )
            title = "".join(t[0] for t in tokens(title) if len(t) == 2) or title
            length = rng.randint(2, 4)
            start = rng.randrange(max(1, len(title) - length + 1))
            return Criteria(q=title[start : start + length])
        if kind == "cyrillic" and sample.cyrillic:
            row = rng.choice(sample.cyrillic)
            text = row["title_vernacular"] or row["title"]
            found = [w for w in text.split() if w.isalpha()]
            return Criteria(q=" ".join(rng.sample(found, min(len(found), rng.randint(1, 2)))))
        if kind == "isbn" and sample.with_isbn:
            return Criteria(isbn=rng.choice(rng.choice(sample.with_isbn)["isbns"])["value"])
        if kind == "fielded":
            choice = rng.randrange(7)
            if choice == 0:
                return Criteria(title=words(rng.choice(sample.latin), rng.randint(1, 2)))
            if choice == 1 and sample.with_name:
                return Criteria(name=rng.choice(sample.with_name)["names"][0].split(",")[0])
            if choice == 2:
                low = rng.randrange(1950, 2020)
                return Criteria(q=common(), year_from=low, year_to=low + rng.randint(0, 20))
            if choice == 3 and sample.languages:
                return Criteria(q=common(), language=rng.choice(sample.languages))
            if choice == 4:
                return Criteria(q=common(), holder=rng.choice(sample.holders)[0])
            if choice == 5:
                return Criteria(q=common(), country=rng.choice(sample.holders)[1])
            if sample.with_subject:
                subject = rng.choice(sample.with_subject)["subjects"][0].split(" -- ")[0]
                return Criteria(subject=subject)
        return None

    mix = []
    for kind, share in SEARCH_KINDS:
        wanted = round(n * share)
        for _attempt in range(wanted * 3):
            if sum(1 for k, _c, _p in mix if k == kind) >= wanted:
                break
            criteria = make(kind)
            if criteria is not None and criteria.query() is not None:
                mix.append((kind, criteria, 2 if rng.random() < 0.1 else 1))
    rng.shuffle(mix)
    return mix


def time_searches(sample: Sample, n: int, seed: int) -> dict[str, Any]:
    from bibliobridge.catalog import searching

    warmup = search_mix(sample, WARMUP, random.Random(f"{seed}:search warm-up"))
    mix = search_mix(sample, n, random.Random(f"{seed}:search"))
    for _kind, criteria, page in warmup:
        searching.find(criteria, page=page)
    by_kind: dict[str, list[float]] = {}
    first: list[float] = []
    hits: list[int] = []
    for kind, criteria, page in mix:
        started = time.perf_counter()
        found = searching.find(criteria, page=page)
        took = (time.perf_counter() - started) * 1000
        first.append(took)
        by_kind.setdefault(kind, []).append(took)
        hits.append(found.total)
    again = []
    for _kind, criteria, page in mix:
        started = time.perf_counter()
        searching.find(criteria, page=page)
        again.append((time.perf_counter() - started) * 1000)
    result = {"all (after warm-up)": percentiles(first)}
    result.update({kind: percentiles(times) for kind, times in by_kind.items()})
    result["all, the same mix again"] = percentiles(again)
    result["index alone, the same mix"] = percentiles(time_index_alone(mix))
    result["all (after warm-up)"]["median_total_hits"] = statistics.median(hits) if hits else 0
    result["examples"] = [{"kind": kind, "criteria": {k: v for k, v in vars(c).items() if v not in ("", None)},
                           "page": page} for kind, c, page in mix[:40]]  # fmt: skip
    return result


def time_index_alone(mix: list[tuple[str, Any, int]]) -> list[float]:
    """The reference on a shared machine: the same searches in the index only (the ids of
    a page and the facets), without reading the page's clusters from the database; every
    search evaluated (the answers the index keeps per generation are not used)."""
    from django.test import override_settings

    from bibliobridge.catalog import search, searching

    times = []
    with override_settings(CATALOG_SEARCH_ANSWERS_BYTES=0):
        for _kind, criteria, page in mix:
            started = time.perf_counter()
            search.search(criteria.query(), page=page, page_size=20, facets=searching.FACETS,
                          rank=criteria.rank())  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
    return times


def who_holds_mix(sample: Sample, n: int, rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    def make(kind: str) -> dict[str, Any] | None:
        if kind == "isbn" and sample.with_isbn:
            return {"isbn": rng.choice(rng.choice(sample.with_isbn)["isbns"])["value"]}
        if kind == "oclc" and sample.with_oclc:
            return {"oclc": rng.choice(rng.choice(sample.with_oclc)["oclc_numbers"])}
        if kind == "issn" and sample.issns:
            return {"issn": rng.choice(sample.issns)}
        if kind == "title+name+year" and sample.with_name:
            row = rng.choice(sample.with_name)
            title = row["title"].split(" / ")[0].rstrip(" /:;,.")
            return {"title": title, "name": row["names"][0].split(",")[0], "year": row["year"]}
        return None

    mix = []
    for kind, share in WHO_HOLDS_KINDS:
        for _ in range(round(n * share)):
            call = make(kind)
            if call is not None:
                mix.append((kind, call))
    rng.shuffle(mix)
    return mix


def time_who_holds(sample: Sample, n: int, seed: int) -> dict[str, Any]:
    from bibliobridge.catalog.queries import who_holds

    for _kind, call in who_holds_mix(sample, 100, random.Random(f"{seed}:who holds warm-up")):
        who_holds(**call)
    by_kind: dict[str, list[float]] = {}
    times = []
    found = Counter()
    for kind, call in who_holds_mix(sample, n, random.Random(f"{seed}:who holds")):
        started = time.perf_counter()
        held = who_holds(**call)
        took = (time.perf_counter() - started) * 1000
        times.append(took)
        by_kind.setdefault(kind, []).append(took)
        found[kind] += bool(held)
    result = {"all": percentiles(times)}
    for kind, kind_times in by_kind.items():
        result[kind] = percentiles(kind_times)
        result[kind]["answered"] = found[kind]
    return result


if __name__ == "__main__":
    sys.exit(main())
