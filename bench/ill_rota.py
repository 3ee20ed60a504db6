"""Building an ILL rota on the union catalogue at scale: who holds it, sifted and ranked.

Runs on the SQLite database that ``bench/catalog_scale.py --db-dir DIR`` loaded and kept
(the 1,000,000-record catalogue of 300 holders; any size works). Gives the catalogue's
holders what the rota reads (idempotently: a second run adds nothing):

- our library, and every holder an ISO 18626 endpoint;
- ILL policies on about half: one in ten lends no returnables, one in five charges (with a
  maximum cost), one in four serves only some countries; a closure covering today on one
  in twenty; a reciprocal ILL agreement in effect with one in five;
- a year of ILL history: 20,000 borrowing requests, each supplied after 1–20 days by the
  lender asked, and 10,000 lending requests (turnaround and load read them).

Then ``ill.rota.build`` for loan requests by ISBN, the ISBNs sampled from the loaded
records (titles held by one holder and by hundreds), after a warm-up with others:
p50 / p95 / max and the number of candidates, with ``catalog.queries.who_holds`` alone for
the same ISBNs as the reference. Target: p95 ≤ 10 ms. Writes var/bench/ill_rota.json.

    .venv/bin/python bench/ill_rota.py --db-dir var/bench/catalog-1m
"""

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench" / "ill_rota.json"
TARGET_P95_MS = 10.0
HISTORY_BORROWED, HISTORY_LENT = 20_000, 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-dir", type=Path, required=True,
                        help="the --db-dir given to bench/catalog_scale.py")  # fmt: skip
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=18626)
    parser.add_argument("--out", type=Path, default=RESULTS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not (args.db_dir / "bibliobridge.sqlite3").exists():
        print(f"no catalogue in {args.db_dir}: run bench/catalog_scale.py --db-dir {args.db_dir}")
        return 1
    os.environ.update({"BIBLIOBRIDGE_VAR_DIR": str(args.db_dir.resolve()),
                       "SECRET_KEY": "bench-only-secret-key",
                       "DJANGO_SETTINGS_MODULE": "bibliobridge.settings"})  # fmt: skip
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    added = prepare_directory(rng)
    setup_seconds = time.perf_counter() - started
    isbns = sample_isbns(rng, args.requests * 2)
    warm, timed = isbns[: args.requests], isbns[args.requests :]
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "db_dir": str(args.db_dir),
        "catalogue": catalogue_size(), "prepared": added,
        "setup_seconds": round(setup_seconds, 1), "target_p95_ms": TARGET_P95_MS,
    }  # fmt: skip
    result["rota"], result["who_holds"] = measure(warm, timed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print_table(result)
    return 0


def prepare_directory(rng: random.Random) -> dict[str, int]:
    """What the rota reads besides the catalogue; nothing if an earlier run made it."""
    from django.db import transaction
    from django.utils import timezone

    from bibliobridge.agreements.enums import AgreementStatus, AgreementType, PartyRole
    from bibliobridge.agreements.models import Agreement, AgreementParty
    from bibliobridge.catalog.models import Record
    from bibliobridge.ill.enums import Role, Service, State
    from bibliobridge.ill.models import IllRequest, RotaEntry
    from bibliobridge.partners.enums import EndpointKind, PaymentMethod
    from bibliobridge.partners.models import Closure, Endpoint, IllPolicy, Institution

    if IllRequest.objects.filter(our_id__startswith="ROTA-BENCH-").exists():
        return {}
    holder_ids = list(Record.objects.values_list("holder_id", flat=True).distinct())
    holders = list(Institution.objects.filter(pk__in=holder_ids).order_by("pk"))
    now = timezone.now()
    with transaction.atomic():
        home = Institution.objects.filter(is_home=True).first() or Institution.objects.create(
            kind="national_library", name="书桥图书馆", country="CN",
            time_zone="Asia/Shanghai", is_home=True,
        )  # fmt: skip
        Endpoint.objects.bulk_create(
            Endpoint(
                institution=h,
                kind=EndpointKind.ISO18626,
                version="1.2",
                url=f"https://ill.example.org/{h.pk}/iso18626",
            )  # fmt: skip
            for h in holders
            if h.pk != home.pk
        )
        policies = []
        for holder in holders:
            if rng.random() < 0.5:
                continue
            charged = rng.random() < 0.2
            policies.append(IllPolicy(
                institution=holder, lends_returnables=rng.random() > 0.1,
                payment_methods=[PaymentMethod.INVOICE] if charged else [PaymentMethod.FREE],
                max_cost=Decimal(rng.choice([10, 20, 40])) if charged else None,
                max_cost_currency="EUR" if charged else "",
                countries_served=["CN", "JP", "KR"] if rng.random() < 0.25 else [],
            ))  # fmt: skip
        IllPolicy.objects.bulk_create(policies, ignore_conflicts=True)
        today = timezone.localdate()
        Closure.objects.bulk_create(
            Closure(
                institution=h,
                start=today - dt.timedelta(days=2),
                end=today + dt.timedelta(days=5),
                reason="bench",
            )  # fmt: skip
            for h in holders
            if rng.random() < 0.05
        )
        reciprocal = [h for h in holders if rng.random() < 0.2]
        for holder in reciprocal:
            agreement = Agreement.objects.create(type=AgreementType.ILL_RECIPROCAL,
                                                 title=f"ILL {holder.pk}",
                                                 status=AgreementStatus.IN_EFFECT)  # fmt: skip
            AgreementParty.objects.bulk_create([
                AgreementParty(agreement=agreement, institution=home, role=PartyRole.OUR_LIBRARY),
                AgreementParty(agreement=agreement, institution=holder, role=PartyRole.PARTNER),
            ])  # fmt: skip
        history = []
        for n in range(HISTORY_BORROWED + HISTORY_LENT):
            lender = rng.choice(holders)
            asked = now - dt.timedelta(days=rng.uniform(1, 360))
            borrowed = n < HISTORY_BORROWED
            history.append(IllRequest(
                role=Role.REQUESTER if borrowed else Role.SUPPLIER, service=Service.LOAN,
                state=State.COMPLETED, our_id=f"ROTA-BENCH-{n}", title=f"Book {n}",
                partner=lender, created_at=asked, state_changed_at=asked,
                supplied_at=asked + dt.timedelta(days=rng.uniform(1, 20)),
            ))  # fmt: skip
        IllRequest.objects.bulk_create(history, batch_size=2000)
        RotaEntry.objects.bulk_create(
            (
                RotaEntry(
                    request=r,
                    position=1,
                    institution_id=r.partner_id,
                    outcome=RotaEntry.Outcome.SUPPLIED,
                    asked_at=r.created_at,
                )  # fmt: skip
                for r in IllRequest.objects.filter(
                    our_id__startswith="ROTA-BENCH-", role=Role.REQUESTER
                )
            ),  # fmt: skip
            batch_size=2000,
        )
    return {"holders": len(holders), "policies": len(policies), "reciprocal": len(reciprocal),
            "history": len(history)}  # fmt: skip


def sample_isbns(rng: random.Random, count: int) -> list[str]:
    from bibliobridge.catalog.models import MatchKey

    isbn_keys = MatchKey.objects.filter(key__startswith="isbn:")
    last = isbn_keys.order_by("-pk").values_list("pk", flat=True).first() or 0
    isbns: list[str] = []
    while len(isbns) < count and last:
        start = rng.randint(1, last)
        key = isbn_keys.filter(pk__gte=start).order_by("pk").values_list("key", flat=True).first()
        if key:
            isbns.append(key.removeprefix("isbn:"))
    return isbns


def catalogue_size() -> dict[str, int]:
    from bibliobridge.catalog.models import Cluster, Record

    return {"records": Record.objects.count(), "clusters": Cluster.objects.count()}


def measure(warm: list[str], timed: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    from bibliobridge.catalog.queries import who_holds
    from bibliobridge.ill import rota
    from bibliobridge.ill.enums import Role, Service
    from bibliobridge.ill.models import IllRequest

    def request(isbn: str) -> IllRequest:
        return IllRequest(role=Role.REQUESTER, service=Service.LOAN, title="?", isbn=isbn)

    for isbn in warm:
        rota.build(request(isbn))
        who_holds(isbn=isbn)
    rota_ms, holds_ms, candidates = [], [], []
    for isbn in timed:
        ask = request(isbn)
        started = time.perf_counter()
        built = rota.build(ask)
        rota_ms.append((time.perf_counter() - started) * 1000)
        candidates.append(len(built.candidates) + len(built.left_out))
        started = time.perf_counter()
        who_holds(isbn=isbn)
        holds_ms.append((time.perf_counter() - started) * 1000)
    return summary(rota_ms, candidates), summary(holds_ms, candidates)


def summary(ms: list[float], holders: list[int]) -> dict[str, Any]:
    ordered = sorted(ms)
    return {
        "n": len(ordered), "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2), "max_ms": round(ordered[-1], 2),
        "holders_median": statistics.median(holders), "holders_max": max(holders),
    }  # fmt: skip


def print_table(result: dict[str, Any]) -> None:
    print(f"catalogue: {result['catalogue']}; prepared: {result['prepared'] or 'earlier'}")
    for name in ("rota", "who_holds"):
        row = result[name]
        print(f"  {name:<10} n={row['n']}  p50 {row['p50_ms']:.2f} ms  p95 {row['p95_ms']:.2f} ms  "
              f"max {row['max_ms']:.2f} ms  holders median {row['holders_median']} max {row['holders_max']}")  # fmt: skip
    print(f"  target: rota p95 ≤ {TARGET_P95_MS} ms")


if __name__ == "__main__":
    sys.exit(main())
