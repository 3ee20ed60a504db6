"""The provider harvested by a third-party harvester (sickle) over HTTP, and by our own."""

import datetime as dt

import pytest
from django.utils import timezone
from lxml import etree
from sickle import Sickle, oaiexceptions

from bibliobridge.catalog import harvest, oai
from bibliobridge.catalog.enums import RecordStatus, RunStatus
from bibliobridge.catalog.models import HarvestSource, Record

from .conftest import holder_with_isil
from .test_oai import CNMARC, NS, TRAJECT, load

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(live_server, settings, monkeypatch):
    """The catalogue of test_oai (29 MARC 21 records, 10 CNMARC, 2 withdrawn) on /oai,
    in pages of 7."""
    settings.OAI_ADMIN_EMAIL = "catalogue@library.example.org"
    monkeypatch.setattr(oai, "PAGE_SIZE", 7)
    marc = holder_with_isil("DE-Hil2")
    cnmarc = holder_with_isil("CN-100084", country="CN")
    load(marc, TRAJECT)
    load(cnmarc, CNMARC)
    withdrawn = list(Record.objects.filter(holder=marc).order_by("pk")[:2])
    Record.objects.filter(pk__in=[r.pk for r in withdrawn]).update(
        status=RecordStatus.WITHDRAWN, updated_at=timezone.now()
    )
    repository = live_server.url.split("//")[1].split(":")[0]
    return {
        "sickle": Sickle(live_server.url + "/oai", max_retries=0),
        "url": live_server.url + "/oai",
        "id": lambda pk: f"oai:{repository}:{pk}",
        "marc": marc,
        "withdrawn": withdrawn,
    }


def test_sickle_harvests_everything_across_pages(served):
    sickle, ident = served["sickle"], served["id"]
    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    expected = {ident(pk) for pk in Record.objects.values_list("pk", flat=True)}
    assert len(records) == len(expected) == 39
    assert {r.header.identifier for r in records} == expected
    deleted = {r.header.identifier for r in records if r.header.deleted}
    assert deleted == {ident(r.pk) for r in served["withdrawn"]}
    active = [r for r in records if not r.header.deleted]
    by_id = {ident(r.pk): r for r in Record.objects.all()}
    for record in active:
        assert record.metadata["title"][0] == by_id[record.header.identifier].title


def test_sickle_marc21_set_and_identify(served):
    sickle = served["sickle"]
    identify = sickle.Identify()
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    sets = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert sets["holder:DE-Hil2"] == served["marc"].name_en
    records = list(
        sickle.ListRecords(metadataPrefix="marc21", set="holder:DE-Hil2", ignore_deleted=True)
    )
    assert len(records) == 27  # the two withdrawn left out
    for record in records:
        marc = record.xml.find(".//m:record", NS)
        assert marc.find("m:datafield[@tag='245']", NS) is not None
    formats = [f.metadataPrefix for f in sickle.ListMetadataFormats()]
    assert formats == ["oai_dc", "marc21"]
    one = sickle.GetRecord(identifier=records[0].header.identifier, metadataPrefix="marc21")
    assert one.header.identifier == records[0].header.identifier


def test_sickle_from_until_and_errors(served):
    sickle = served["sickle"]
    Record.objects.filter(holder__identifiers__value="CN-100084").update(
        updated_at=dt.datetime(2020, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
    )
    old = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until="2020-03-01T12:00:00Z"))
    assert len(old) == 10
    new = list(
        sickle.ListIdentifiers(
            metadataPrefix="oai_dc", ignore_deleted=False, **{"from": "2020-03-02"}
        )
    )
    assert len(new) == 29
    with pytest.raises(oaiexceptions.NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2999-01-01"}))
    with pytest.raises(oaiexceptions.CannotDisseminateFormat):
        list(sickle.ListRecords(metadataPrefix="mods"))
    with pytest.raises(oaiexceptions.BadResumptionToken):
        list(sickle.ListRecords(resumptionToken="forged"))
    with pytest.raises(oaiexceptions.IdDoesNotExist):
        sickle.GetRecord(identifier="oai:nowhere:1", metadataPrefix="oai_dc")


def test_a_write_between_pages_is_neither_lost_nor_duplicated(served):
    sickle, ident = served["sickle"], served["id"]
    headers = sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
    seen = [next(headers).identifier for _ in range(7)]  # the first page
    response_date = headers.oai_response.xml.findtext(".//o:responseDate", namespaces=NS)
    order = list(Record.objects.order_by("updated_at", "id").values_list("pk", flat=True))
    sent, unsent = order[0], order[20]
    Record.objects.filter(pk__in=[sent, unsent]).update(title="Changed", updated_at=timezone.now())
    seen += [h.identifier for h in headers]
    assert len(seen) == len(set(seen)) == 38
    assert set(seen) == {ident(pk) for pk in order if pk != unsent}
    # The next incremental harvest brings both changes, with their latest state.
    later = list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": response_date}))
    changed = {r.header.identifier: r.metadata["title"][0] for r in later if not r.header.deleted}
    assert changed[ident(sent)] == changed[ident(unsent)] == "Changed"


def _summary(holder) -> set[tuple]:
    return {
        (r.local_id, r.title, r.year, tuple(r.names), tuple(i["value"] for i in r.isbns))
        for r in Record.objects.filter(holder=holder, status=RecordStatus.ACTIVE)
    }


def test_round_trip_our_harvester_from_our_provider(served, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    copy = holder_with_isil("DE-Copy1")
    source = HarvestSource.objects.create(holder=copy, url=served["url"])
    run = harvest.harvest(source)
    assert run.status == RunStatus.DONE
    assert len(_summary(copy)) == 27
    assert _summary(copy) == _summary(served["marc"])
    # Withdrawn at the source: withdrawn in the copy at the next (incremental) harvest.
    gone = Record.objects.filter(holder=served["marc"], status=RecordStatus.ACTIVE).first()
    Record.objects.filter(pk=gone.pk).update(
        status=RecordStatus.WITHDRAWN, updated_at=timezone.now()
    )
    run = harvest.harvest(source)
    assert (run.status, run.deleted, run.loaded) == (RunStatus.DONE, 1, 0)
    copied = Record.objects.get(holder=copy, local_id=gone.local_id)
    assert copied.status == RecordStatus.WITHDRAWN
    assert _summary(copy) == _summary(served["marc"])
    raw = etree.fromstring(bytes(copied.raw))
    assert etree.QName(raw).namespace == oai.MARC_NS
