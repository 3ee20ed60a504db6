"""Record and cluster pages, staff's split and merge, export, and who holds a manifestation."""

import io
from pathlib import Path

import pymarc
import pytest
from django.urls import reverse
from django.utils import translation

from bibliobridge.catalog import clusters, imports, queries
from bibliobridge.catalog.enums import RecordStatus, RunSource
from bibliobridge.catalog.models import Cluster, ClusterDecision, Record
from bibliobridge.partners.services import set_home_institution

from .test_imports import first_records

pytestmark = pytest.mark.django_db


def load(holder, path: Path, replace=True):
    return imports.run_import(
        imports.start_run(holder, RunSource.COMMAND, path.name, replace=replace), [path]
    )


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


def test_who_holds_shows_holders_as_they_are_now(two_holders):
    """Holders are kept by the process between look-ups: a renamed holder, or a new home
    library (saved without updated_at), shows at the next one."""
    holder, other, _path = two_holders
    record = next(r for r in Record.objects.order_by("pk") if any(i["valid"] for i in r.isbns))
    isbn = next(i["value"] for i in record.isbns if i["valid"])
    queries.who_holds(isbn=isbn)
    other.name = "Aichi Library"
    other.save()
    set_home_institution(None, holder)
    (held,) = queries.who_holds(isbn=isbn)
    assert [(h.institution.name, h.institution.is_home) for h in held.holders] == [
        ("Aichi Library", False),
        (holder.name, True),
    ]


def test_who_holds_by_title_says_why_in_the_readers_language(two_holders):
    record = next(r for r in Record.objects.order_by("pk") if r.names and r.year)
    with translation.override("en"):
        (held, *_rest) = queries.who_holds(
            title=record.title, name=record.names[0], year=record.year
        )
    assert held.reason == "Title 100% alike; Name in common"
    with translation.override("zh-hans"):
        (held, *_rest) = queries.who_holds(
            title=record.title, name=record.names[0], year=record.year
        )
    assert held.reason == "题名相似度 100%; 有相同的责任者"


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


def held_by_from_records() -> dict[int, list[list[int]]]:
    """Each cluster's holders as its records say: [[holder id, its lowest record id], ...]."""
    first: dict[int, dict[int, int]] = {}
    for cluster_id, holder_id, pk in Record.objects.filter(
        status=RecordStatus.ACTIVE, cluster__isnull=False
    ).values_list("cluster_id", "holder_id", "pk"):
        by_holder = first.setdefault(cluster_id, {})
        by_holder[holder_id] = min(pk, by_holder.get(holder_id, pk))
    return {
        pk: sorted(([h, r] for h, r in by_holder.items()), key=lambda pair: pair[1])
        for pk, by_holder in first.items()
    }


def test_clusters_list_their_holders_through_split_merge_and_withdrawal(
    officer, two_holders, tmp_path
):
    holder, other, path = two_holders

    def listed() -> dict[int, list[list[int]]]:
        return {c.pk: [list(p) for p in c.held_by_pairs()] for c in Cluster.objects.all()}

    assert listed() == held_by_from_records()
    assert {len(pairs) for pairs in listed().values()} == {2}
    record = Record.objects.filter(holder=other).order_by("pk").first()
    partner = Record.objects.get(holder=holder, local_id=record.local_id)
    clusters.split(officer, record)
    assert listed() == held_by_from_records()
    clusters.merge(officer, record, Cluster.objects.get(pk=partner.cluster_id))
    assert listed() == held_by_from_records()
    load(other, first_records(path, 1, tmp_path / "one.mrc"))  # withdraws the other 29
    assert listed() == held_by_from_records()
    assert Cluster.objects.filter(holder_count=2).count() == 1


def test_who_holds_lists_holders_in_name_order_with_their_records(two_holders):
    holder, other, _path = two_holders
    holder.name, other.name = "Zentralbibliothek", "Aichi Library"
    holder.save()
    other.save()
    record = next(r for r in Record.objects.order_by("pk") if any(i["valid"] for i in r.isbns))
    (held,) = queries.who_holds(isbn=next(i["value"] for i in record.isbns if i["valid"]))
    assert [h.institution for h in held.holders] == [other, holder]
    assert [[r.pk for r in h.records] for h in held.holders] == [
        list(
            Record.objects.filter(cluster=held.cluster, holder=h.institution).values_list(
                "pk", flat=True
            )
        )
        for h in held.holders
    ]
