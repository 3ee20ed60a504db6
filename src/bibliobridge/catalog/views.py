import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bibliobridge.core import vocab
from bibliobridge.core.access import require_perm
from bibliobridge.core.models import User
from bibliobridge.partners.models import Institution

from . import clusters, export, imports, queries, searching
from .enums import RecordStatus, RunSource
from .forms import CatalogSearchForm, CatalogUploadForm
from .marc.problems import describe
from .models import Cluster, ImportRun, Record
from .original import read_original
from .tasks import task_catalog_import

PAGE_SIZE = 50
PROBLEMS_SHOWN = 200
SEARCH_PAGE_SIZE = 20
# A search result is exported up to this many clusters (all their held records).
EXPORT_CLUSTERS = 10_000
# Facet namespaces of catalog.searching and the filter each one sets.
FACET_FILTERS = {"l": "language", "y": "year", "h": "holder", "c": "country"}


@require_perm("catalog.view_record")
def search_page(request: HttpRequest) -> HttpResponse:
    form = CatalogSearchForm(request.GET or None)
    found, page = None, None
    if form.is_bound and form.is_valid():
        number = _page_number(request.GET.get("page"))
        found = searching.find(form.criteria(), page=number, page_size=SEARCH_PAGE_SIZE)
        page = _SearchPage(number, found.total, SEARCH_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "found": found,
        "page": page,
        "query": query.urlencode(),
        "facets": _facets(found, query) if found else [],
    }
    template = (
        "catalog/search.html#results"
        if request.headers.get("HX-Request")
        else "catalog/search.html"
    )
    return render(request, template, context)


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


class _SearchPage:
    """What _pager.html needs, for a result counted by the index rather than a QuerySet."""

    def __init__(self, number: int, total: int, size: int) -> None:
        self.number = number
        self.paginator = Paginator(range(total), size)

    def has_other_pages(self) -> bool:
        return self.paginator.num_pages > 1

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _facets(found: "searching.Found", query) -> list[dict]:
    """Each facet's values as (label, count, link that filters on it)."""
    holders = {}
    if found.facets.get("h"):
        holders = Institution.objects.in_bulk([int(v) for v, _n in found.facets["h"]])
    labels = {
        "l": (_("Language"), lambda v: vocab.language_name(v)),
        "y": (_("Year"), lambda v: v),
        "h": (_("Holder"), lambda v: str(holders.get(int(v), v))),
        "c": (_("Holder's country"), lambda v: vocab.country_name(v)),
    }
    facets = []
    for namespace, values in found.facets.items():
        title, label = labels[namespace]
        items = []
        for value, count in values:
            linked = query.copy()
            if namespace == "y":
                linked["year_from"] = linked["year_to"] = value
            else:
                linked[FACET_FILTERS[namespace]] = value
            items.append({"label": label(value), "count": count, "query": linked.urlencode()})
        facets.append({"title": title, "items": items})
    return facets


@require_perm("catalog.view_importrun")
def import_list(request: HttpRequest) -> HttpResponse:
    runs = ImportRun.objects.select_related("holder", "started_by")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalog/imports.html", {"page": page})


@require_perm("catalog.import_records")
def import_upload(request: HttpRequest) -> HttpResponse:
    form = CatalogUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        run = _queue_upload(request.user, form.cleaned_data)
        return redirect("catalog:import", run.pk)
    return render(request, "catalog/upload.html", {"form": form})


def _queue_upload(user: User, data: dict) -> ImportRun:
    """Keep the upload under CATALOG_IMPORT_DIR (random name) and queue the worker."""
    directory = settings.CATALOG_IMPORT_DIR
    directory.mkdir(parents=True, exist_ok=True)
    upload = data["file"]
    path = directory / secrets.token_urlsafe(24)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    with transaction.atomic():
        run = imports.start_run(
            data["holder"],
            RunSource.UPLOAD,
            upload.name,
            actor=user,
            replace=data["replace"],
            stored_path=str(path),
            total_bytes=upload.size,
        )
        transaction.on_commit(lambda: task_catalog_import.enqueue(run.pk))
    return run


@require_perm("catalog.view_importrun")
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun.objects.select_related("holder", "started_by"), pk=pk)
    context = {"run": run, "problems": run.problems.all()[:PROBLEMS_SHOWN]}
    # While the worker reads, htmx polls the progress part of the page.
    template = (
        "catalog/import.html#progress"
        if request.headers.get("HX-Request")
        else "catalog/import.html"
    )
    return render(request, template, context)


@require_perm("catalog.view_record")
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = queries.record_detail(pk)
    except Record.DoesNotExist as error:
        raise Http404 from error
    try:
        original = read_original(bytes(record.raw), record.raw_syntax, record.raw_encoding)
    except ValueError:
        original = None
    return render(
        request,
        "catalog/record.html",
        {
            "record": record,
            "original": original,
            "warnings": [describe(w) for w in record.warnings],
        },
    )


@require_perm("catalog.view_cluster")
def cluster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        cluster = queries.cluster_detail(pk)
    except Cluster.DoesNotExist as error:
        raise Http404 from error
    members = list(cluster.records.all())
    countries = sorted({m.holder.country for m in members})
    return render(
        request,
        "catalog/cluster.html",
        {"cluster": cluster, "members": members, "countries": countries},
    )


@require_POST
@require_perm("catalog.change_cluster")
def record_split(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(Record, pk=pk, status=RecordStatus.ACTIVE)
    old = record.cluster_id
    cluster = clusters.split(request.user, record)
    messages.success(request, _("The record now stands in a cluster of its own."))
    return redirect(
        "catalog:cluster", old if old and Cluster.objects.filter(pk=old).exists() else cluster.pk
    )


@require_POST
@require_perm("catalog.change_cluster")
def record_merge(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(Record, pk=pk, status=RecordStatus.ACTIVE)
    try:
        into = Cluster.objects.get(pk=int(request.POST.get("cluster", "")))
    except (ValueError, Cluster.DoesNotExist):
        messages.error(request, _("There is no cluster with that number."))
        return redirect("catalog:record", pk)
    clusters.merge(request.user, record, into)
    messages.success(request, _("The record's cluster was merged into this one."))
    return redirect("catalog:cluster", into.pk)


@require_perm("catalog.view_record")
def record_export(request: HttpRequest, pk: int, syntax: str) -> HttpResponse:
    record = get_object_or_404(Record, pk=pk)
    return _marc_response([record], syntax, f"record-{record.pk}")


@require_perm("catalog.view_cluster")
def cluster_export(request: HttpRequest, pk: int, syntax: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, pk=pk)
    records = queries.active_records().filter(cluster=cluster).order_by("pk")
    return _marc_response(records.iterator(chunk_size=500), syntax, f"cluster-{cluster.pk}")


@require_perm("catalog.view_record")
def holder_export(request: HttpRequest, pk: int, syntax: str) -> HttpResponse:
    """Every record a holder holds now, as MARC."""
    holder = get_object_or_404(Institution, pk=pk)
    records = queries.active_records().filter(holder=holder).order_by("pk")
    return _marc_response(records.iterator(chunk_size=500), syntax, f"holder-{holder.pk}")


@require_perm("catalog.view_record")
def search_export(request: HttpRequest, syntax: str) -> HttpResponse:
    """The records of the first EXPORT_CLUSTERS clusters a search finds, in result order."""
    form = CatalogSearchForm(request.GET)
    if not form.is_valid():
        raise Http404
    ids = searching.matching_cluster_ids(form.criteria(), EXPORT_CLUSTERS)
    order = {pk: n for n, pk in enumerate(ids)}
    records = sorted(
        queries.active_records().filter(cluster_id__in=ids).only("pk", "cluster_id"),
        key=lambda r: (order[r.cluster_id], r.pk),
    )
    return _marc_response(_in_order([r.pk for r in records]), syntax, "search")


def _in_order(pks: list[int]):
    """Records by primary key, in the given order, 500 per query."""
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        found = Record.objects.in_bulk(chunk)
        yield from (found[pk] for pk in chunk if pk in found)


def _marc_response(records, syntax: str, name: str) -> StreamingHttpResponse:
    if syntax not in ("mrc", "xml"):
        raise Http404
    if syntax == "xml":
        body, content_type, suffix = (
            export.marcxml_stream(records),
            "application/marcxml+xml",
            "xml",
        )
    else:
        body, content_type, suffix = export.iso2709_stream(records), "application/marc", "mrc"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
    return response
