"""Record and cluster pages, staff's split and merge, export, and who holds a manifestation."""

import io
from pathlib import Path

import pymarc
import pytest
from django.urls import reverse

from bibliobridge.catalog import clusters, imports, queries
from bibliobridge.catalog.enums import RecordStatus, RunSource
from bibliobridge.catalog.models import Cluster, ClusterDecision, Record

from .conftest import holder_with_isil
from .test_imports import LOC, first_records

pytestmark = pytest.mark.django_db


def load(holder, path: Path, replace=True):
    return imports.run_import(
        imports.start_run(holder, RunSource.COMMAND, path.name, replace=replace), [path]
    )


@pytest.fixture
def two_holders(holder, shared_file, tmp_path):
    """The same 30 LoC records held by a German and a Japanese library."""
    path = first_records(shared_file(LOC), 30, tmp_path / "thirty.mrc")
    other = holder_with_isil("JP-1000001", country="JP")
    load(holder, path)
    load(other, path)
    return holder, other, path


def test_record_and_cluster_pages(viewer_client, two_holders):
    record = Record.objects.filter(isbns__isnull=False).exclude(isbns=[]).first()
    body = viewer_client.get(reverse("catalog:record", args=[record.pk])).content.decode()
    assert record.title in body
    assert "245" in body  # the original record, field by field
    cluster = viewer_client.get(reverse("catalog:cluster", args=[record.cluster_id]))
    text = cluster.content.decode()
    assert "DE" in text and "JP" in text
    assert viewer_client.get(reverse("catalog:record", args=[999999])).status_code == 404


def test_pages_are_refused_without_permission(outsider_client, viewer_client, two_holders):
    record = Record.objects.first()
    for url in (
        reverse("catalog:record", args=[record.pk]),
        reverse("catalog:cluster", args=[record.cluster_id]),
        reverse("catalog:record_export", args=[record.pk, "mrc"]),
        reverse("catalog:cluster_export", args=[record.cluster_id, "xml"]),
    ):
        assert outsider_client.get(url).status_code == 403
    split = reverse("catalog:split", args=[record.pk])
    assert viewer_client.post(split).status_code == 403
    assert outsider_client.post(split).status_code == 403


def test_split_and_merge_survive_a_reimport(ill_client, two_holders):
    holder, other, path = two_holders
    record = Record.objects.filter(holder=other).order_by("pk").first()
    partner = Record.objects.get(holder=holder, local_id=record.local_id)
    assert record.cluster_id == partner.cluster_id

    response = ill_client.post(reverse("catalog:split", args=[record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.cluster_id != Record.objects.get(pk=partner.pk).cluster_id
    assert ClusterDecision.objects.filter(same=False).count() == 1

    # The holder's file is loaded again, changed: the decision holds.
    Record.objects.filter(pk=record.pk).update(checksum="changed")
    load(other, path)
    record.refresh_from_db()
    partner.refresh_from_db()
    assert record.cluster_id != partner.cluster_id

    ill_client.post(reverse("catalog:merge", args=[record.pk]), {"cluster": partner.cluster_id})
    record.refresh_from_db()
    assert record.cluster_id == partner.cluster_id
    assert Cluster.objects.get(pk=partner.cluster_id).holder_count == 2
    assert ClusterDecision.objects.get().same is True


def test_merge_into_a_missing_cluster_says_so(ill_client, two_holders):
    record = Record.objects.first()
    response = ill_client.post(
        reverse("catalog:merge", args=[record.pk]), {"cluster": "999999"}, follow=True
    )
    assert "no cluster with that number" in response.content.decode()


def test_exports_read_back_with_pymarc(viewer_client, two_holders):
    record = Record.objects.exclude(title_vernacular="").first() or Record.objects.first()
    marc = b"".join(
        viewer_client.get(
            reverse("catalog:record_export", args=[record.pk, "mrc"])
        ).streaming_content
    )
    (back,) = list(pymarc.MARCReader(io.BytesIO(marc), to_unicode=True))
    assert back.leader[9] == "a"
    assert back["245"]["a"].startswith(record.title.split(" ")[0])
    xml = b"".join(
        viewer_client.get(
            reverse("catalog:cluster_export", args=[record.cluster_id, "xml"])
        ).streaming_content
    )
    records = pymarc.parse_xml_to_array(io.BytesIO(xml))
    assert len(records) == 2
    assert (
        viewer_client.get(reverse("catalog:record_export", args=[record.pk, "pdf"])).status_code
        == 404
    )


def test_who_holds_by_isbn_and_by_title(two_holders):
    record = next(r for r in Record.objects.order_by("pk") if any(i["valid"] for i in r.isbns))
    isbn = next(i["value"] for i in record.isbns if i["valid"])
    (held,) = queries.who_holds(isbn=isbn)
    assert held.cluster.pk == record.cluster_id
    assert held.confidence == 1.0
    assert sorted(h.institution.country for h in held.holders) == ["DE", "JP"]
    by_title = queries.who_holds(
        title=record.title, name=(record.names or [""])[0], year=record.year
    )
    assert by_title and by_title[0].cluster.pk == record.cluster_id
    assert by_title[0].confidence <= 1.0
    assert queries.who_holds(isbn="9780000000002") == []
    assert queries.who_holds() == []


def test_withdrawn_records_hold_nothing(two_holders, tmp_path):
    holder, other, path = two_holders
    record = next(
        r for r in Record.objects.filter(holder=other) if any(i["valid"] for i in r.isbns)
    )
    isbn = next(i["value"] for i in record.isbns if i["valid"])
    empty = first_records(path, 1, tmp_path / "one.mrc")
    load(other, empty)
    record.refresh_from_db()
    if record.status == RecordStatus.WITHDRAWN:
        (held,) = queries.who_holds(isbn=isbn)
        assert [h.institution for h in held.holders] == [holder]
        assert Cluster.objects.get(pk=held.cluster.pk).holder_count == 1


def test_clusters_split_by_service_log_the_change(officer, two_holders):
    record = Record.objects.first()
    clusters.split(officer, record)
    from bibliobridge.core.models import ActivityLog

    assert ActivityLog.objects.filter(message="split").exists()
