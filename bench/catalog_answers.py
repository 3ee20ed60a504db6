"""Every answer of bench/catalog_scale.py's mixes, to compare two versions of the code.

    PYTHONPATH=src .venv/bin/python bench/catalog_answers.py dump DB_DIR OUT.jsonl
    python3 bench/catalog_answers.py compare A.jsonl B.jsonl

`dump` runs the search warm-up and timed mixes (1,400 searches through
catalog.searching.find) and the who-holds mixes (1,300 calls) on the SQLite database kept
in DB_DIR (as `catalog_scale.py --db-dir` keeps it; nothing is written), one JSON line an
answer: total, hits (cluster, title, year, counts, holders in order, first record's
fields) and facets; who holds' clusters with confidence, reason and holders in order.
Run it from each worktree. `compare` counts the answers that differ, part by part, and
for facets that differ how many values listed by both have different counts.
"""

import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def dump(db_dir: str, out_path: str) -> None:
    os.environ["BIBLIOBRIDGE_VAR_DIR"] = db_dir
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bibliobridge.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from bench import catalog_scale as scale
    from bibliobridge.catalog import searching
    from bibliobridge.catalog.queries import who_holds

    seed = 20261127
    sample = scale.sample_records()
    searches = scale.search_mix(
        sample, scale.WARMUP, random.Random(f"{seed}:search warm-up")
    ) + scale.search_mix(sample, 1200, random.Random(f"{seed}:search"))
    calls = scale.who_holds_mix(
        sample, 100, random.Random(f"{seed}:who holds warm-up")
    ) + scale.who_holds_mix(sample, 1200, random.Random(f"{seed}:who holds"))
    with open(out_path, "w") as out:
        for kind, criteria, page in searches:
            found = searching.find(criteria, page=page)
            hits = [
                [hit.cluster.pk, hit.cluster.title, hit.cluster.year, hit.cluster.record_count,
                 hit.cluster.holder_count, [i.pk for i in hit.holders],
                 hit.first and [hit.first.pk, hit.first.title_vernacular, hit.first.names,
                                hit.first.publisher]]
                for hit in found.hits
            ]  # fmt: skip
            asked = {k: v for k, v in vars(criteria).items() if v not in ("", None)}
            out.write(json.dumps({"search": [kind, asked, page], "total": found.total,
                                  "hits": hits, "facets": found.facets}, ensure_ascii=False))  # fmt: skip
            out.write("\n")
        for kind, call in calls:
            answer = [[held.cluster.pk, held.confidence, str(held.reason),
                       [holder.institution.pk for holder in held.holders]]
                      for held in who_holds(**call)]  # fmt: skip
            out.write(json.dumps({"who_holds": [kind, call], "answer": answer}, ensure_ascii=False))
            out.write("\n")


def compare(a_path: str, b_path: str) -> None:
    a = [json.loads(line) for line in open(a_path)]
    b = [json.loads(line) for line in open(b_path)]
    if len(a) != len(b):
        sys.exit(f"{len(a)} answers against {len(b)}: not the same mixes")
    differ: Counter = Counter()
    by_namespace: Counter = Counter()
    listed_both = counted_apart = 0
    for x, y in zip(a, b, strict=True):
        if "search" in x:
            assert x["search"] == y["search"], "not the same mixes"
            differ["searches"] += 1
            for part in ("total", "hits", "facets"):
                differ[part] += x[part] != y[part]
            for namespace, values in x["facets"].items():
                if values != y["facets"].get(namespace):
                    by_namespace[namespace] += 1
                    mine, theirs = dict(values), dict(y["facets"].get(namespace, []))
                    for value in mine.keys() & theirs.keys():
                        listed_both += 1
                        counted_apart += mine[value] != theirs[value]
        else:
            assert x["who_holds"] == y["who_holds"], "not the same mixes"
            differ["who-holds calls"] += 1
            differ["who-holds answers"] += x["answer"] != y["answer"]
    print(f"{differ['searches']} searches: totals differ in {differ['total']}, hits in "
          f"{differ['hits']}, facets in {differ['facets']} (by namespace {dict(by_namespace)}; "
          f"of {listed_both} values listed by both, {counted_apart} counted differently); "
          f"{differ['who-holds calls']} who-holds calls: {differ['who-holds answers']} differ")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
