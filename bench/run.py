"""`make bench`: server time of the busiest pages on a large directory.

Builds a fresh database (SQLite in a temporary directory; PostgreSQL as well when
DATABASE_URL is set, in a database of its own created and dropped here), fills it with
5,000 institutions and 20,000 agreements, and times each page for a signed-in
cooperation officer through django.test.Client: in-process, so the figure is the
server's time (middleware, view, queries, template), without network or browser.

Each page: warm-ups, then N timed requests; p50, p95, max in ms, and the SQL queries
of one request. Two references are timed in the same run, so figures taken on a busy
shared machine can be compared: /healthz through the whole middleware stack (the floor
of any page) and a bare `SELECT 1`.

Writes var/bench/results.json and prints a table. Exits non-zero only on an error
(a page that fails, a database that cannot be made), never on a missed target.

Each database runs in a child process of its own, since Django is set up once per process.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench" / "results.json"
TARGET_P95_MS = 100.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--agreements", type=int, default=20000)
    parser.add_argument("-n", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the parent: one child per database, then the table -------------------------------


def main() -> int:
    args = parse_args()
    if args.backend:
        return child(args)
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "target_p95_ms": TARGET_P95_MS,
        "institutions": args.institutions,
        "agreements": args.agreements,
        "n": args.n,
        "warmup": args.warmup,
        "backends": {},
    }
    failed = False
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"bench-{backend}-") as tmp:
            out = Path(tmp) / "result.json"
            command = [sys.executable, __file__, "--backend", backend, "--child-out", str(out),
                       "--institutions", str(args.institutions), "--agreements", str(args.agreements),
                       "-n", str(args.n), "--warmup", str(args.warmup)]  # fmt: skip
            code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (our own script)
            if out.exists():
                result = json.loads(out.read_text())
                results["backends"][backend] = result
                failed = failed or bool(result.get("errors"))
            if code != 0:
                failed = True
                results["backends"].setdefault(backend, {})["exit_code"] = code
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print_table(results)
    print(
        f"\nWritten to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 1 if failed else 0


def print_table(results: dict[str, Any]) -> None:
    target = results["target_p95_ms"]
    for backend, result in results["backends"].items():
        print(f"\n{backend} {result.get('server_version', '')} · {results['institutions']} institutions, "
              f"{results['agreements']} agreements · n={results['n']} · built by {result.get('built_by', '?')}"
              f" in {result.get('build_seconds', 0):.0f} s")  # fmt: skip
        header = f"{'page':<46} {'p50':>7} {'p95':>7} {'max':>7} {'×ref':>6} {'queries':>9}  p95 ≤ {target:.0f} ms"
        print(header)
        print("-" * len(header))
        for row in result.get("pages", []):
            if "error" in row:
                print(f"{row['name']:<46} ERROR {row['error']}")
                continue
            queries = str(row["queries"])
            if row.get("queries_by_page_size"):
                queries = "/".join(str(q) for q in row["queries_by_page_size"].values())
            verdict = "—" if row.get("reference") else ("yes" if row["p95_ms"] <= target else "NO")
            if row.get("n") and row["n"] != results["n"]:
                verdict += f" (n={row['n']})"
            ratio = f"{row['ratio_to_reference']:.1f}" if row.get("ratio_to_reference") else ""
            print(f"{row['name']:<46} {row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['max_ms']:>7.1f} "
                  f"{ratio:>6} {queries:>9}  {verdict}")  # fmt: skip
        if "select1_us" in result:
            print(
                f"SELECT 1 round trip: p50 {result['select1_us']['p50']:.1f} µs, p95 {result['select1_us']['p95']:.1f} µs"
            )
        for error in result.get("errors", []):
            print(f"error: {error}")


# --- the child: one database ----------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="bench-var-")
    os.environ["BIBLIOBRIDGE_VAR_DIR"] = tmp
    os.environ["SECRET_KEY"] = "bench-only-secret-key"  # noqa: S105 (a throwaway database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bibliobridge.settings"
    os.environ.setdefault("BIBLIOBRIDGE_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    drop = None
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    else:
        drop = create_postgres_database()
    result: dict[str, Any] = {"errors": []}
    try:
        import logging

        import django

        django.setup()
        # A failing page is reported in the results; its traceback need not fill the screen.
        logging.getLogger("django.request").setLevel(logging.CRITICAL)
        from bench import pages

        result.update(pages.run(args.institutions, args.agreements, args.n, args.warmup))
    except Exception:
        result["errors"].append(traceback.format_exc())
    finally:
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
    args.child_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["errors"] else 0


def create_postgres_database():
    """A fresh database next to DATABASE_URL's; returns the function that drops it."""
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = f"bibliobridge_bench_{os.getpid()}"
    maintenance = url._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url._replace(path=f"/{name}").geturl()

    def drop() -> None:
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


if __name__ == "__main__":
    sys.exit(main())
