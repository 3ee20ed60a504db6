"""Benchmark of catalog.search: build a synthetic union catalogue index and time queries.

Generates a deterministic corpus (default 1,000,000 documents) that looks like clusters
of a union catalogue: Zipf-distributed vocabularies in Latin, CJK (character bigrams)
and Cyrillic scripts, names, subjects, ISBNs, years, ~400 languages (skewed), 300
holders in 100 countries; ~30-60 terms per document. It is indexed as 300 holder-sized
segments (one per import), with the tiered merge run after each, on SQLite (a temporary
file, WAL) and, when DATABASE_URL is set, on PostgreSQL (a database of its own).

Then a fixed mix of queries (common and rare words, several words, CJK, Cyrillic, ISBN,
fielded with filters) is timed in-process, each asking for four facets (language, year,
holder, holder country) and a page of 20 ranked by title tier: a cold pass (empty cache),
a warm pass, and a warm pass without facets. Prints p50/p95/p99/max, build time, size on
disk and peak RSS; writes var/bench/search_index.json.

    .venv/bin/python bench/search_index.py --docs 100000
    BIBLIOBRIDGE_PG_PORT=54361 bin/with-postgres .venv/bin/python bench/search_index.py
"""

import argparse
import bisect
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench" / "search_index.json"
HOLDERS = 300
COUNTRIES = 100
LANGUAGES = 400
FACETS = ["l", "y", "h", "c"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1200, help="size of the query mix")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main() -> int:
    args = parse_args()
    if args.backend:
        return child(args)
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "docs": args.docs,
        "cpus": os.cpu_count(),
        "backends": {},
    }
    failed = False
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix=f"bench-search-{backend}-") as tmp:
            out = Path(tmp) / "result.json"
            command = [sys.executable, __file__, "--backend", backend, "--child-out", str(out),
                       "--docs", str(args.docs), "--queries", str(args.queries),
                       "--seed", str(args.seed)]  # fmt: skip
            code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (our own script)
            result = json.loads(out.read_text()) if out.exists() else {"errors": ["no result"]}
            results["backends"][backend] = result
            failed = failed or code != 0 or bool(result.get("errors"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    for backend, result in results["backends"].items():
        print_result(backend, result)
    return 1 if failed else 0


def print_result(backend: str, result: dict[str, Any]) -> None:
    print(f"\n{backend} {result.get('server_version', '')} · {result.get('docs', 0):,} documents")
    for error in result.get("errors", []):
        print(f"error: {error}")
    if "build" not in result:
        return
    build = result["build"]
    print(f"build: {build['index_seconds']:.0f} s indexing + {build['merge_seconds']:.0f} s merging "
          f"({build['segments_written']} segments written, {build['segments_left']} left, "
          f"longest merge {build['longest_merge_seconds']:.1f} s); corpus generation "
          f"{build['generate_seconds']:.0f} s")  # fmt: skip
    print(f"size: {result['size_bytes'] / 2**20:.0f} MB on disk; {result['stats']['terms']:,} terms, "
          f"{result['stats']['postings']:,} postings, {result['stats']['blob_bytes'] / 2**20:.0f} MB of bitmaps; "
          f"peak RSS {result['peak_rss_mb']:.0f} MB")  # fmt: skip
    header = f"{'pass':<28} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>8}  ms"
    print(header)
    print("-" * len(header))
    for name, row in result["passes"].items():
        print(
            f"{name:<28} {row['n']:>5} {row['p50']:>7.2f} {row['p95']:>7.2f} {row['p99']:>7.2f} {row['max']:>8.2f}"
        )
    for name, row in result["warm_by_kind"].items():
        print(
            f"  warm {name:<23} {row['n']:>5} {row['p50']:>7.2f} {row['p95']:>7.2f} {row['p99']:>7.2f} {row['max']:>8.2f}"
        )


# --- the corpus --------------------------------------------------------------------------


class Zipf:
    """Draws ranks 0..n-1 with probability ~ 1/(rank+1)^s."""

    def __init__(self, rng: random.Random, n: int, s: float = 1.0) -> None:
        self.rng = rng
        self.cum = list(itertools.accumulate(1 / (r + 1) ** s for r in range(n)))
        self.total = self.cum[-1]

    def draw(self, k: int) -> list[int]:
        cum, total, rnd = self.cum, self.total, self.rng.random
        return [bisect.bisect(cum, rnd() * total) for _ in range(k)]


def latin_words(rng: random.Random, n: int) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["th", "st", "qu", "ch"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    return sorted(words, key=lambda w: (len(w), w))


def cyrillic_words(rng: random.Random, n: int) -> list[str]:
    consonants, vowels = "бвгдзклмнпрстфхцчшщ", "аеиоуыэюя"
    words = set()
    while len(words) < n:
        words.add(
            "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(1, 4)))
        )
    return sorted(words, key=lambda w: (len(w), w))


def cjk_characters() -> list[str]:
    from bibliobridge.catalog.text import fold

    # Characters that fold to themselves, so a query through text.tokens meets the
    # bigrams generated here.
    return [c for c in map(chr, range(0x4E00, 0x9FA6)) if fold(c) == c]


class Corpus:
    def __init__(self, seed: int, docs: int) -> None:
        self.rng = rng = random.Random(seed)
        self.docs = docs
        self.latin = latin_words(rng, 300_000)
        self.cyrillic = cyrillic_words(rng, 100_000)
        self.cjk = cjk_characters()
        self.z_latin = Zipf(rng, len(self.latin))
        self.z_cyrillic = Zipf(rng, len(self.cyrillic))
        self.z_cjk = Zipf(rng, len(self.cjk), 0.9)
        self.z_language = Zipf(rng, LANGUAGES, 1.3)
        self.z_holder = Zipf(rng, HOLDERS, 0.8)
        self.languages = ["eng", "ger", "fre", "chi", "rus", "jpn", "spa", "ita", "kor", "ukr"] + [
            f"x{i:02d}" for i in range(LANGUAGES - 10)
        ]
        self.country = {h: f"c{rng.randrange(COUNTRIES):02d}" for h in range(HOLDERS)}
        # Holder-sized segments: a few big libraries, many small ones.
        weights = [1 / (r + 1) ** 0.8 for r in range(HOLDERS)]
        scale = docs / sum(weights)
        self.sizes = [max(1, round(w * scale)) for w in weights]
        self.sizes[0] += docs - sum(self.sizes)
        self.samples: list[dict[str, Any]] = []

    def segments(self):
        doc = 0
        for holder, size in enumerate(self.sizes):
            batch = []
            for _ in range(size):
                doc += 1
                batch.append((doc, self.document(doc, holder)))
            yield holder, batch

    def document(self, doc: int, holder: int) -> list[str]:
        rng = self.rng
        script = rng.random()
        terms: list[str] = []
        if script < 0.72:
            title = [self.latin[i] for i in self.z_latin.draw(rng.randint(3, 10))]
            language = self.languages[self.z_language.draw(1)[0]]
            if language in ("chi", "jpn", "kor", "rus", "ukr"):
                language = "eng"
        elif script < 0.87:
            chars = [self.cjk[i] for i in self.z_cjk.draw(rng.randint(3, 10))]
            title = [chars[i] + chars[i + 1] for i in range(len(chars) - 1)]
            language = rng.choice(["chi", "chi", "chi", "jpn", "kor"])
        else:
            title = [self.cyrillic[i] for i in self.z_cyrillic.draw(rng.randint(2, 8))]
            language = rng.choice(["rus", "rus", "rus", "ukr"])
        for word in title:
            terms += ("t:" + word, "a:" + word)
        names = [self.latin[i] for i in self.z_latin.draw(rng.randint(2, 4))]
        for word in names:
            terms += ("n:" + word, "a:" + word)
        terms += ["a:" + self.latin[i] for i in self.z_latin.draw(rng.randint(3, 12))]
        isbns = [f"978{rng.randrange(10**10):010d}" for _ in range(rng.choice((0, 1, 1, 1, 2)))]
        terms += ["i:" + isbn for isbn in isbns]
        if rng.random() < 0.08:
            terms.append(f"s:{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}")
        year = 2025 - min(int(rng.expovariate(1 / 25)), 225)
        terms += [f"y:{year}", f"l:{language}"]
        if rng.random() < 0.1:
            terms.append(f"l:{self.languages[self.z_language.draw(1)[0]]}")
        holders = {holder, *self.z_holder.draw(rng.choice((0, 0, 1, 1, 2, 3)))}
        terms += [f"h:{h}" for h in holders]
        terms += [f"c:{self.country[h]}" for h in holders]
        if doc % 997 == 0:
            self.samples.append(
                {
                    "script": script,
                    "title": title,
                    "names": names,
                    "isbns": isbns,
                    "language": language,
                }
            )
        return terms


def query_mix(corpus: Corpus, n: int) -> list[tuple[str, Any, dict[str, Any]]]:
    """(kind, query, search keyword arguments), always the same for a seed."""
    from bibliobridge.catalog.search import Not, Range, Term

    rng = random.Random(corpus.rng.random())
    latin = [s for s in corpus.samples if s["script"] < 0.72]
    cjk = [s for s in corpus.samples if 0.72 <= s["script"] < 0.87]
    cyrillic = [s for s in corpus.samples if s["script"] >= 0.87]
    with_isbn = [s for s in corpus.samples if s["isbns"]]
    top_languages = corpus.languages[:12]

    def any_field(text: str):
        return Term("a", text), {"rank": [Term("t", text)]}

    def make(kind: str):
        if kind == "common word":
            return any_field(corpus.latin[rng.randrange(300)])
        if kind == "rare word":
            return any_field(corpus.latin[rng.randrange(20_000, 300_000)])
        if kind == "several words":
            title = rng.choice(latin)["title"]
            start = rng.randrange(max(1, len(title) - 2))
            return any_field(" ".join(title[start : start + rng.randint(2, 3)]))
        if kind == "cjk":
            bigrams = rng.choice(cjk)["title"]
            start = rng.randrange(max(1, len(bigrams) - 2))
            chars = [b[0] for b in bigrams[start : start + rng.randint(2, 3)]]
            chars.append(bigrams[min(start + len(chars) - 1, len(bigrams) - 1)][1])
            return any_field("".join(chars))
        if kind == "cyrillic":
            title = rng.choice(cyrillic)["title"]
            return any_field(" ".join(rng.sample(title, min(len(title), rng.randint(1, 2)))))
        if kind == "isbn":
            return Term("i", rng.choice(rng.choice(with_isbn)["isbns"]), exact=True), {}
        # Fielded, with filters as a user narrowing by facets.
        word = corpus.latin[rng.randrange(2000)]
        choice = rng.randrange(5)
        if choice == 0:
            return Term("t", word) & Term("l", rng.choice(top_languages), exact=True), {}
        if choice == 1:
            return Term("n", rng.choice(latin)["names"][0]), {}
        if choice == 2:
            low = rng.randrange(1900, 2020)
            return Term("a", word) & Range("y", low, low + rng.randint(0, 30)), {
                "rank": [Term("t", word)]
            }
        if choice == 3:
            holder = corpus.z_holder.draw(1)[0]
            return Term("a", word) & Term("h", str(holder), exact=True), {"rank": [Term("t", word)]}
        return Term("a", word) & Not(Term("l", "eng", exact=True)), {"rank": [Term("t", word)]}

    shares = [("common word", 0.25), ("rare word", 0.12), ("several words", 0.17), ("cjk", 0.12),
              ("cyrillic", 0.08), ("isbn", 0.08), ("fielded + filters", 0.18)]  # fmt: skip
    mix = []
    for kind, share in shares:
        for _ in range(round(n * share)):
            query, kwargs = make(kind)
            kwargs["page"] = 3 if rng.random() < 0.1 else 1
            mix.append((kind, query, kwargs))
    rng.shuffle(mix)
    return mix


# --- the child: one database ---------------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    tmp = tempfile.mkdtemp(prefix="bench-search-var-")
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
        from bench.run import create_postgres_database

        drop = create_postgres_database()
    result: dict[str, Any] = {"errors": [], "docs": args.docs}
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        result.update(run(args, Path(tmp)))
    except Exception:
        result["errors"].append(traceback.format_exc())
    finally:
        if drop is not None:
            from django.db import connections

            connections.close_all()
            drop()
    args.child_out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 1 if result["errors"] else 0


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {"n": len(ordered), "p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99),
            "max": ordered[-1]}  # fmt: skip


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from django.db import connection

    from bibliobridge.catalog import search
    from bibliobridge.catalog.search import reader

    result: dict[str, Any] = {"server_version": connection.vendor}
    started = time.perf_counter()
    corpus = Corpus(args.seed, args.docs)
    generate = time.perf_counter() - started
    index_seconds = merge_seconds = longest_merge = 0.0
    written = 0
    for holder, batch in corpus.segments():
        started = time.perf_counter()
        search.index_documents(batch)
        index_seconds += time.perf_counter() - started
        written += 1
        started = time.perf_counter()
        search.merge_segments()
        took = time.perf_counter() - started
        merge_seconds += took
        longest_merge = max(longest_merge, took)
        if holder % 50 == 0:
            print(f"{connection.vendor}: holder {holder}, {index_seconds:.0f} s indexing, "
                  f"{merge_seconds:.0f} s merging", file=sys.stderr, flush=True)  # fmt: skip
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load; without statistics the planner joins
        # terms to postings by a sequential scan (cold p50 24 ms at 20,000 documents).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        result["analyze_seconds"] = time.perf_counter() - started
    stats = search.stats()
    result["build"] = {
        "generate_seconds": generate,
        "index_seconds": index_seconds - 0.0,
        "merge_seconds": merge_seconds,
        "longest_merge_seconds": longest_merge,
        "segments_written": written,
        "segments_left": len(stats.segments),
        "segment_docs": [s.docs for s in stats.segments],
    }
    result["stats"] = {
        "terms": stats.terms,
        "postings": stats.postings,
        "blob_bytes": stats.blob_bytes,
    }
    result["size_bytes"] = database_size(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            result["server_version"] = f"postgresql {cursor.fetchone()[0]}"
    else:
        import sqlite3

        result["server_version"] = f"sqlite {sqlite3.sqlite_version}"

    mix = query_mix(corpus, args.queries)
    passes: dict[str, Any] = {}
    kinds: dict[str, list[float]] = {}
    reader._caches.clear()  # cold: as a fresh worker process
    for name, facets in (
        ("cold, 4 facets", FACETS),
        ("warm, 4 facets", FACETS),
        ("warm, no facets", []),
    ):
        times = []
        for kind, query, kwargs in mix:
            started = time.perf_counter()
            search.search(query, page_size=20, facets=facets, **kwargs)
            took = (time.perf_counter() - started) * 1000
            times.append(took)
            if name == "warm, 4 facets":
                kinds.setdefault(kind, []).append(took)
        passes[name] = percentiles(times)
    result["passes"] = passes
    result["warm_by_kind"] = {kind: percentiles(times) for kind, times in kinds.items()}
    # A write between queries: the next query reads the live bitmap and new segment only.
    last = max(s.newest for s in stats.segments)
    search.index_documents(
        [(args.docs * 2 + i, ["a:" + corpus.latin[i], "l:eng"]) for i in range(1000)]
    )
    times = []
    for _kind, query, kwargs in mix[:200]:
        started = time.perf_counter()
        search.search(query, page_size=20, facets=FACETS, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
    result["after_write_first_query_ms"] = times[0]
    result["passes"]["warm, after a write"] = percentiles(times)
    result["cache"] = search.cache_info()
    result["last_fresh_segment"] = last
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


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


if __name__ == "__main__":
    sys.exit(main())
