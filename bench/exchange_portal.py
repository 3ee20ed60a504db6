"""The exchange portal's offer search, against the database's own substring search.

A fresh database (SQLite; PostgreSQL when DATABASE_URL is set) with ITEMS offered items
in the scripts partners meet (Chinese, Japanese, Russian, German with diacritics,
English), about a fifth of them reserved. For each query: ``queries.portal_offer`` (folded,
romanised for Latin queries, ISBN in any form) and, side by side, ``title__icontains``
or ``author__icontains`` (what the database gives without folding: it misses 紅樓夢 for
红楼梦 and Müller for Muller), then the whole offer page through Django's test client.

Prints a table and writes var/bench/exchange_portal.json. Never fails on a missed target
(the offer page's p95 ≤ 100 ms, as for the staff pages).
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

RESULTS = ROOT / "var" / "bench" / "exchange_portal.json"
TARGET_MS = 100.0
TITLES = [
    ("红楼梦", "曹雪芹", "zho"), ("紅樓夢研究", "俞平伯", "zho"), ("三国演义", "罗贯中", "zho"),
    ("ノルウェイの森", "村上春樹", "jpn"), ("こころ", "夏目漱石", "jpn"),
    ("Война и мир", "Толстой, Лев", "rus"), ("Преступление и наказание", "Достоевский, Ф. М.", "rus"),
    ("Der Zauberberg", "Mann, Thomas", "deu"), ("Die Blechtrommel", "Grass, Günter", "deu"),
    ("Müllers Reisen", "Müller, Jürgen", "deu"), ("A history of printing", "Smith, John", "eng"),
    ("Library cooperation in Asia", "Lee, Min-jun", "eng"),
]  # fmt: skip
QUERIES = [
    ("Chinese, simplified for traditional", "红楼梦", "title"),
    ("Latin for German with diacritics", "muller", "author"),
    ("pinyin for Chinese (romanised)", "hong lou meng", "title"),
    ("ISBN-10 with hyphens", "7-02-000220-X", "isbn"),
    ("a word no title has", "zzzz", "title"),
    ("no query (browse)", "", "title"),
]


def timed(call, runs: int) -> dict:
    call()  # warm: templates compiled, connections open
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
        "hits": result,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    os.environ["BIBLIOBRIDGE_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-portal-")
    os.environ["SECRET_KEY"] = "bench-only-secret-key"  # noqa: S105 (a throwaway database)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bibliobridge.settings"
    os.environ.setdefault("BIBLIOBRIDGE_LOG_LEVEL", "WARNING")
    os.environ["BIBLIOBRIDGE_HTTP"] = "1"
    drop = None
    if os.environ.get("DATABASE_URL"):
        from bench.run import create_postgres_database

        drop = create_postgres_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    try:
        call_command("migrate", verbosity=0)
        from bibliobridge.exchange import portal, queries
        from bibliobridge.exchange.models import ExchangeList, ListItem
        from bibliobridge.partners.models import Institution

        partner = Institution.objects.create(
            kind="university_library", name="Bench partner", country="DE",
            time_zone="Europe/Berlin",
        )  # fmt: skip
        lists = [ExchangeList.objects.create(kind="offer", name=f"Offer {n}") for n in range(5)]
        rng = random.Random(5)
        rows = []
        for n in range(args.items):
            title, author, language = rng.choice(TITLES)
            reserved = rng.random() < 0.2
            rows.append(ListItem(
                exchange_list=rng.choice(lists), title=f"{title} {n}", author=author,
                language=language, year=rng.randint(1950, 2026),
                isbn="9787020002207" if n % 1000 == 0 else f"978{n:010d}",
                status="reserved" if reserved else "available",
                reserved_for=partner if reserved else None,
            ))  # fmt: skip
        ListItem.objects.bulk_create(rows, batch_size=1000)
        _link, token = portal.create_link(None, partner, 30)  # type: ignore[arg-type]
        from bibliobridge.exchange import search

        start = time.perf_counter()
        made = search.refresh(queries.offered_items())
        first_ms = (time.perf_counter() - start) * 1000
        print(f"search texts made for {made} available items in {first_ms:.0f} ms (once)")
        client = Client()
        result = {"backend": connection.vendor, "items": args.items, "runs": args.runs,
                  "refresh_ms": first_ms, "rows": []}  # fmt: skip
        print(f"{connection.vendor}: {args.items} offered items, {args.runs} runs each")
        header = f"{'query':<38} {'ours p50':>9} {'p95':>7} {'hits':>6}  {'icontains p50':>13} {'hits':>6}  {'page p95':>8}"
        print(header)
        print("-" * len(header))
        for name, query, field in QUERIES:
            # What the page asks: how many, and the first page of them.
            ours = timed(
                lambda q=query: (
                    (offer := queries.portal_offer(q=q)).count() + 0 * len(list(offer[:25]))
                ),
                args.runs,
            )
            lookup = {"title": "title__icontains", "author": "author__icontains",
                      "isbn": "isbn__icontains"}[field]  # fmt: skip
            reference = timed(
                lambda q=query, lookup=lookup: (
                    (
                        found := queries.offered_items()
                        .filter(**{lookup: q})
                        .order_by("title", "id")
                    ).count()
                    + 0 * len(list(found[:25]))
                ),
                args.runs,
            )
            page = timed(
                lambda q=query: client.get(f"/exchange/portal/{token}/", {"q": q}).status_code,
                args.runs,
            )
            row = {"name": name, "query": query, "ours": ours, "icontains": reference, "page": page}
            result["rows"].append(row)
            print(f"{name:<38} {ours['p50_ms']:>9.1f} {ours['p95_ms']:>7.1f} {ours['hits']:>6}  "
                  f"{reference['p50_ms']:>13.1f} {reference['hits']:>6}  {page['p95_ms']:>8.1f}")  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    finally:
        if drop is not None:
            connections.close_all()
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
