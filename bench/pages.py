"""The timed pages, run inside a child process once Django is set up (see run.py)."""

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bibliobridge.core.enums import Role
from bibliobridge.core.models import User
from bibliobridge.partners.models import Institution

from . import data

# The list views' PAGE_SIZE is a module constant; measured at two sizes, the query count
# must be the same (no query per row).
PAGE_SIZES = (25, 100)
PAGE_BUDGET_S = 60.0
MIN_N = 10


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95_index = max(0, round(0.95 * len(ordered)) - 1)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[p95_index], 2),
        "max_ms": round(ordered[-1], 2),
    }


@contextmanager
def page_size(module: Any, size: int) -> Iterator[None]:
    """The list views take PAGE_SIZE from their module; set it for one measurement."""
    before = module.PAGE_SIZE
    module.PAGE_SIZE = size
    try:
        yield
    finally:
        module.PAGE_SIZE = before


def get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    if hasattr(response, "render") and not response.is_rendered:
        response.render()


def time_page(client: Client, urls: list[str], n: int, warmup: int) -> dict[str, Any]:
    """Warm-ups, then n timed GETs cycling through urls; then one more for its queries.

    A page so slow that n requests would take more than PAGE_BUDGET_S is timed fewer
    times (at least MIN_N); the row says how many.
    """
    warm = []
    for i in range(warmup):
        start = time.perf_counter()
        get(client, urls[i % len(urls)])
        warm.append(time.perf_counter() - start)
    slowest = max(warm, default=0.0)
    if slowest * n > PAGE_BUDGET_S:
        n = max(MIN_N, int(PAGE_BUDGET_S / slowest))
    samples = []
    for i in range(n):
        url = urls[i % len(urls)]
        start = time.perf_counter()
        get(client, url)
        samples.append((time.perf_counter() - start) * 1000)
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            get(client, url)
        counts.append(len(captured))
    row = percentiles(samples)
    row["n"] = n
    row["queries"] = max(counts)
    if len(set(counts)) > 1:
        row["queries_per_url"] = counts
    return row


def select1(n: int = 2000) -> dict[str, float]:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(n):
            start = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            samples.append((time.perf_counter() - start) * 1_000_000)
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[round(0.95 * n) - 1], 2),
    }


def run(n_institutions: int, n_agreements: int, n: int, warmup: int) -> dict[str, Any]:
    from bibliobridge.agreements import views as agreement_views
    from bibliobridge.partners import views as partner_views

    result: dict[str, Any] = {"errors": [], "pages": []}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    result["migrate_seconds"] = round(time.perf_counter() - started, 1)
    result["server_version"] = _server_version()

    officer = User.objects.create_user(username="officer", password="bench-officer-password")  # noqa: S106
    officer.groups.add(Group.objects.get(name=Role.COOPERATION_OFFICER.value))
    started = time.perf_counter()
    result["built_by"] = data.build(n_institutions, n_agreements, officer)
    result["build_seconds"] = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        # Autovacuum would have analysed tables this size long before anyone browses them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    result["rows"] = {
        "institutions": Institution.objects.count(),
        "agreements": _count("agreements", "Agreement"),
        "agreement_parties": _count("agreements", "AgreementParty"),
    }

    client = Client()
    client.force_login(officer)
    partners = list(
        Institution.objects.filter(is_home=False).order_by("pk").values_list("pk", flat=True)
    )
    step = max(1, len(partners) // 5)
    sample_pks = partners[::step][:5]
    home_pk = Institution.objects.filter(is_home=True).values_list("pk", flat=True).first()

    reference = time_page(client, ["/healthz"], n, warmup)
    reference.update(name="reference: /healthz (middleware only)", reference=True)
    result["pages"].append(reference)
    result["select1_us"] = select1()

    cases: list[tuple[str, list[str], Any]] = [
        ("partner list /partners/", ["/partners/"], partner_views),
        (
            "partner list, search + filter",
            ["/partners/?q=大学&country=JP&kind=university_library"],
            partner_views,
        ),
        ("partner list, page 40", ["/partners/?page=40"], partner_views),
        ("agreement list /agreements/", ["/agreements/"], agreement_views),
        (
            "agreement list, search + filter",
            ["/agreements/?q=exchange&status=in_effect"],
            agreement_views,
        ),
        ("institution page (5 partners)", [f"/partners/{pk}/" for pk in sample_pks], None),
        ("institution page, our library", [f"/partners/{home_pk}/"] if home_pk else [], None),
        ("expiry calendar /agreements/calendar/", ["/agreements/calendar/"], None),
        ("home page /", ["/"], None),
    ]
    for name, urls, module in cases:
        if not urls:
            continue
        try:
            row = time_page(client, urls, n, warmup)
            if module is not None:
                row["queries_by_page_size"] = _queries_by_page_size(client, urls[0], module)
        except Exception as error:  # a page that fails is reported, and the others still run
            row = {"error": f"{type(error).__name__}: {error}"}
            result["errors"].append(f"{name}: {row['error']}")
        row["name"] = name
        row["urls"] = urls
        if "p50_ms" in row:
            row["ratio_to_reference"] = round(row["p50_ms"] / reference["p50_ms"], 1)
        result["pages"].append(row)
    return result


def _queries_by_page_size(client: Client, url: str, module: Any) -> dict[str, int]:
    counts = {}
    for size in PAGE_SIZES:
        with page_size(module, size), CaptureQueriesContext(connection) as captured:
            get(client, url)
        counts[str(size)] = len(captured)
    return counts


def _count(app: str, model: str) -> int:
    from django.apps import apps

    return apps.get_model(app, model).objects.count()


def _server_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])
