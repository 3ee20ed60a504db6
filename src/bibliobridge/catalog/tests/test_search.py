"""Searching the union catalogue from the page and the API, in every script."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bibliobridge.catalog import searching
from bibliobridge.catalog.models import Record
from bibliobridge.core.services import create_api_token

from .conftest import holder_with_isil
from .test_imports import LOC, first_records
from .test_records import load

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(holder, shared_file, tmp_path):
    """The first 400 LoC records of the every-64th sample, held by one library."""
    load(holder, first_records(shared_file(LOC), 400, tmp_path / "sample.mrc"))
    return holder


def cluster_ids(found) -> list[int]:
    return [hit.cluster.pk for hit in found.hits]


def test_keywords_fields_and_identifiers(loaded):
    record = Record.objects.exclude(isbns=[]).order_by("pk").first()
    word = max(record.title.split(), key=len)
    found = searching.find(searching.Criteria(q=word), page_size=100)
    assert record.cluster_id in cluster_ids(found)
    isbn = record.isbns[0]["value"]
    assert cluster_ids(searching.find(searching.Criteria(isbn=isbn))) == [record.cluster_id]
    assert searching.find(searching.Criteria(q="qqqxyzzyq")).total == 0
    by_year = searching.find(searching.Criteria(q=word, year_from=record.year, year_to=record.year))
    assert record.cluster_id in cluster_ids(by_year)
    if record.year:
        elsewhere = searching.find(searching.Criteria(q=word, year_from=record.year + 1))
        assert record.cluster_id not in cluster_ids(elsewhere)


def test_chinese_search_finds_traditional_and_simplified(holder, shared_file):
    from bibliobridge.catalog.text import traditional_to_simplified

    load(holder, shared_file(LOC))  # the whole sample: 246 of its records have Han 880s
    to_traditional = {v: k for k, v in traditional_to_simplified().items()}
    han_run = re.compile("[\u4e00-\u9fff]{2,4}")
    records = [r for r in Record.objects.order_by("local_id") if han_run.search(r.title_vernacular)]
    assert len(records) > 100
    for record in records[:20]:
        # A run of Han characters as it stands in the title (kana between would break it).
        han = han_run.search(record.title_vernacular).group()
        other_form = "".join(to_traditional.get(ch, ch) for ch in han)
        for text in (han, other_form):
            criteria = searching.Criteria(q=text, year_from=record.year, year_to=record.year)
            assert record.cluster_id in cluster_ids(searching.find(criteria, page_size=1000)), text


def test_cyrillic_search_in_a_rusmarc_catalogue(holder, shared_file):
    load(holder, shared_file("unimarc/irbis_TEST1_rusmarc_cp1251.iso"))
    record = next(
        r
        for r in Record.objects.order_by("pk")
        if any("\u0400" <= ch <= "\u04ff" for ch in r.title)
    )
    word = max(record.title.split(), key=len).strip(".,:;/")
    assert record.cluster_id in cluster_ids(
        searching.find(searching.Criteria(q=word), page_size=100)
    )


def test_facets_name_languages_and_countries(loaded):
    found = searching.find(searching.Criteria(country="DE"), page_size=1)
    assert found.total == Record.objects.values("cluster").distinct().count()
    languages = dict(found.facets["l"])
    english = sum(1 for r in Record.objects.all() if "eng" in r.languages)
    assert languages["eng"] == english
    assert dict(found.facets["c"]) == {"de": found.total}


def test_search_page_and_facet_links(viewer_client, loaded):
    record = Record.objects.order_by("pk").first()
    word = max(record.title.split(), key=len)
    response = viewer_client.get(reverse("catalog:search"), {"q": word})
    body = response.content.decode()
    assert response.status_code == 200
    assert record.cluster.title in body
    assert "language=" in body and "country=de" in body
    partial = viewer_client.get(reverse("catalog:search"), {"q": word}, HTTP_HX_REQUEST="true")
    assert "<form" not in partial.content.decode()
    assert viewer_client.get(reverse("catalog:search")).status_code == 200


def test_search_page_refused_without_permission(outsider_client):
    assert outsider_client.get(reverse("catalog:search"), {"q": "x"}).status_code == 403


def test_api_search_and_who_holds(viewer, loaded, client):
    _token, token = create_api_token(viewer, "test")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    record = Record.objects.exclude(isbns=[]).order_by("pk").first()
    isbn = record.isbns[0]["value"]
    found = client.get("/api/v1/catalogue/search", {"isbn": isbn}, **headers).json()
    assert found["total"] == 1
    assert found["results"][0]["holders"][0]["country"] == "DE"
    held = client.get("/api/v1/catalogue/holdings", {"isbn": isbn}, **headers).json()
    assert held[0]["id"] == record.cluster_id and held[0]["confidence"] == 1.0
    assert client.get("/api/v1/catalogue/search", {"q": "x"}).status_code == 401


def test_a_search_and_a_holder_export_as_marc(viewer_client, loaded):
    import io

    import pymarc

    record = Record.objects.exclude(isbns=[]).order_by("pk").first()
    isbn = record.isbns[0]["value"]
    body = b"".join(
        viewer_client.get(
            reverse("catalog:search_export", args=["mrc"]), {"isbn": isbn}
        ).streaming_content
    )
    (back,) = list(pymarc.MARCReader(io.BytesIO(body), to_unicode=True))
    assert back["001"].data.strip() == record.local_id
    xml = b"".join(
        viewer_client.get(
            reverse("catalog:holder_export", args=[loaded.pk, "xml"])
        ).streaming_content
    )
    assert (
        len(pymarc.parse_xml_to_array(io.BytesIO(xml)))
        == Record.objects.filter(holder=loaded).count()
    )


def test_exports_refused_without_permission(outsider_client, loaded):
    assert (
        outsider_client.get(reverse("catalog:holder_export", args=[loaded.pk, "mrc"])).status_code
        == 403
    )
    assert (
        outsider_client.get(reverse("catalog:search_export", args=["mrc"]), {"q": "x"}).status_code
        == 403
    )


def test_a_hit_names_its_holders_and_first_record_as_its_records_are_ordered(two_holders):
    holder, other, _path = two_holders
    other.name = "Aichi Library"  # before the first holder's name: its record comes first
    other.save()
    record = Record.objects.filter(holder=holder).exclude(isbns=[]).order_by("pk").first()
    (hit,) = searching.find(searching.Criteria(isbn=record.isbns[0]["value"])).hits
    assert [r.holder for r in hit.records] == [other, holder]
    assert hit.holders == [other, holder]
    assert (
        hit.first.pk
        == hit.records[0].pk
        == Record.objects.get(holder=other, local_id=record.local_id).pk
    )


def test_a_search_page_reads_as_much_whatever_the_number_of_holders(viewer_client, two_holders):
    holder, _other, path = two_holders
    word = max(Record.objects.order_by("pk").first().title.split(), key=len)

    def reads_for_a_page() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert viewer_client.get(reverse("catalog:search"), {"q": word}).status_code == 200
        # Not the index's own reads: they depend on what its reader has cached.
        return [q["sql"] for q in captured if "catalog_search" not in q["sql"]]

    before = reads_for_a_page()
    load(holder_with_isil("FR-751131015", country="FR"), path)
    assert Record.objects.values("holder").distinct().count() == 3
    assert len(reads_for_a_page()) == len(before)


def test_loads_queue_one_merge_of_the_index_and_the_worker_merges_it(
    holder, shared_file, tmp_path, django_capture_on_commit_callbacks, settings
):
    """A load leaves its segment unmerged and queues the merge, once however many loads
    wait; the task merges, and every search finds what it found before."""
    from django_tasks_db.models import DBTaskResult

    from bibliobridge.catalog import search, tasks

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    path = first_records(shared_file(LOC), 30, tmp_path / "thirty.mrc")
    with django_capture_on_commit_callbacks(execute=True):
        load(holder, path)
        load(holder_with_isil("JP-1000001", country="JP"), path)
    queued = DBTaskResult.objects.filter(task_path=tasks.task_catalog_merge_index.module_path)
    assert queued.count() == 1
    # The second load indexed every cluster again: the first segment is all retired.
    assert [s.live for s in search.stats().segments] == [0, 30]
    criteria = [searching.Criteria(q="the"), searching.Criteria(country="jp"),
                searching.Criteria(year_from=1900, year_to=2100)]  # fmt: skip

    def answers() -> list:
        return [
            (found.total, cluster_ids(found), found.facets)
            for found in (searching.find(c, page_size=100) for c in criteria)
        ]

    before = answers()
    assert tasks.task_catalog_merge_index.call() == {"merged": 0}  # only dropped
    assert [(s.docs, s.live) for s in search.stats().segments] == [(30, 30)]
    assert answers() == before
    assert tasks.task_catalog_merge_index.call() == {"merged": 0}


def test_the_merge_command(two_holders):
    from io import StringIO

    from django.core.management import call_command

    from bibliobridge.catalog import search

    out = StringIO()
    call_command("catalog_merge_index", stdout=out)
    assert out.getvalue().startswith("0 merge(s) in ")
    assert "2 segments and" in out.getvalue()
    assert [s.live for s in search.stats().segments] == [30]
