"""The OAI-PMH provider: every verb and error, paging that survives writes, schema-valid XML."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from bibliobridge.catalog import imports, oai
from bibliobridge.catalog.enums import RecordStatus, RunSource
from bibliobridge.catalog.models import Record

from .conftest import holder_with_isil
from .shared import SHARED_DATA as SHARED
from .shared import offline_schema

TRAJECT = "marc/traject/test_data.utf8.mrc"  # 30 MARC 21 records
CNMARC = "unimarc/dp2_sample_cnmarcxml_sru12.xml"
NS = {"o": oai.OAI_NS, "dc": oai.DC_NS, "m": oai.MARC_NS, "oai_dc": oai.OAI_DC_NS}
SCHEMAS = SHARED / "schemas"

# simpledc imports the W3C's xml.xsd from the network for xml:lang; this stands in for it.
XML_XSD = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
  targetNamespace="http://www.w3.org/XML/1998/namespace" xml:lang="en">
  <xs:attribute name="lang" type="xs:language"/>
</xs:schema>"""


class _OfflineResolver(etree.Resolver):
    def resolve(self, url, pubid, context):
        if url.startswith("http://www.w3.org/") and url.endswith("xml.xsd"):
            return self.resolve_string(XML_XSD, context)
        if url.startswith(("http:", "https:")):
            raise AssertionError(f"schema wanted the network: {url}")
        return None


_schema = None


def oai_schema() -> etree.XMLSchema:
    """OAI-PMH.xsd with oai_dc and MARC21slim for its strict <metadata>, from local files."""
    global _schema
    if _schema is None:
        files = {
            oai.OAI_NS: SCHEMAS / "oai-pmh" / "OAI-PMH.xsd",
            oai.OAI_DC_NS: SCHEMAS / "oai-pmh" / "oai_dc.xsd",
            oai.MARC_NS: SCHEMAS / "marcxml" / "MARC21slim.xsd",
        }
        _schema = offline_schema(files, _OfflineResolver())
    return _schema


def valid(xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    schema = oai_schema()
    assert schema.validate(doc), schema.error_log
    return doc


def load(holder, relative: str, replace=True):
    path = SHARED / relative
    if not path.is_file():
        pytest.skip(f"shared test data not present: {path}")
    run = imports.start_run(holder, RunSource.COMMAND, "test", replace=replace)
    return imports.run_import(run, [Path(path)])


@pytest.fixture
def oai_settings(settings):
    settings.OAI_ADMIN_EMAIL = "catalogue@library.example.org"
    settings.OAI_REPOSITORY_ID = "bibliobridge.example.org"
    settings.ALLOWED_HOSTS = ["*"]
    return settings


@pytest.fixture
def catalogue(db, oai_settings):
    """29 MARC 21 records of DE-Hil2, 10 CNMARC records of CN-100084, 2 of them withdrawn."""
    marc = holder_with_isil("DE-Hil2")
    cnmarc = holder_with_isil("CN-100084", country="CN")
    load(marc, TRAJECT)
    load(cnmarc, CNMARC)
    withdrawn = list(Record.objects.filter(holder=marc).order_by("pk")[:2])
    Record.objects.filter(pk__in=[r.pk for r in withdrawn]).update(
        status=RecordStatus.WITHDRAWN, updated_at=timezone.now()
    )
    counts = {h: Record.objects.filter(holder=h).count() for h in (marc, cnmarc)}
    assert counts == {marc: 29, cnmarc: 10}  # one of the 30 repeats another's 001
    return {"marc": marc, "cnmarc": cnmarc, "withdrawn": withdrawn}


def get(client, **params) -> etree._Element:
    response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return valid(response.content)


def error_code(doc) -> str:
    return doc.find("o:error", NS).get("code")


def ident(pk: int) -> str:
    return f"oai:bibliobridge.example.org:{pk}"


def harvest(client, **params) -> tuple[list[etree._Element], list[etree._Element]]:
    """All headers of a complete list, and the resumption tokens seen."""
    doc = get(client, **params)
    verb = params["verb"]
    headers, tokens = [], []
    while True:
        assert doc.find("o:error", NS) is None, etree.tostring(doc)
        headers += doc.findall(f"o:{verb}//o:header", NS)
        token = doc.find(f"o:{verb}/o:resumptionToken", NS)
        if token is None or not token.text:
            if token is not None:
                tokens.append(token)
            return headers, tokens
        tokens.append(token)
        doc = get(client, verb=verb, resumptionToken=token.text)


def test_identify(client, catalogue):
    doc = get(client, verb="Identify")
    body = doc.find("o:Identify", NS)
    assert body.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai"
    assert body.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert body.findtext("o:adminEmail", namespaces=NS) == "catalogue@library.example.org"
    assert body.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert body.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    first = Record.objects.order_by("updated_at").first().updated_at
    assert body.findtext("o:earliestDatestamp", namespaces=NS) == oai.utc_stamp(first)
    assert doc.find("o:request", NS).attrib == {"verb": "Identify"}


def test_post_is_answered_like_get(client, catalogue):
    response = client.post("/oai", {"verb": "ListSets"})
    doc = valid(response.content)
    assert doc.find("o:request", NS).attrib == {"verb": "ListSets"}


def test_list_metadata_formats(client, catalogue):
    doc = get(client, verb="ListMetadataFormats")
    prefixes = [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)]
    assert prefixes == ["oai_dc", "marc21"]
    marc = Record.objects.filter(holder=catalogue["marc"]).first()
    doc = get(client, verb="ListMetadataFormats", identifier=ident(marc.pk))
    assert [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc", "marc21"]
    # A CNMARC record written as MARC 21 slim would mislabel its tags.
    cn = Record.objects.filter(holder=catalogue["cnmarc"]).first()
    doc = get(client, verb="ListMetadataFormats", identifier=ident(cn.pk))
    assert [e.text for e in doc.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc"]
    doc = get(client, verb="ListMetadataFormats", identifier="oai:elsewhere.org:1")
    assert error_code(doc) == "idDoesNotExist"


def test_list_sets(client, catalogue):
    doc = get(client, verb="ListSets")
    sets = {
        s.findtext("o:setSpec", namespaces=NS): s.findtext("o:setName", namespaces=NS)
        for s in doc.iterfind(".//o:set", NS)
    }
    assert sets == {
        "holder": "All holders",
        "holder:DE-Hil2": catalogue["marc"].name_en,
        "holder:CN-100084": catalogue["cnmarc"].name_en,
    }
    assert error_code(get(client, verb="ListSets", resumptionToken="x")) == "badResumptionToken"


def test_get_record_oai_dc(client, catalogue):
    active = Record.objects.filter(holder=catalogue["marc"], status="active").order_by("pk")
    record = next(r for r in active if r.isbns and r.names and r.subjects and r.year)
    doc = get(client, verb="GetRecord", identifier=ident(record.pk), metadataPrefix="oai_dc")
    header = doc.find(".//o:header", NS)
    assert header.findtext("o:identifier", namespaces=NS) == ident(record.pk)
    assert header.findtext("o:datestamp", namespaces=NS) == oai.utc_stamp(record.updated_at)
    assert header.findtext("o:setSpec", namespaces=NS) == "holder:DE-Hil2"
    dc = doc.find(".//oai_dc:dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == record.title
    assert [e.text for e in dc.iterfind("dc:creator", NS)] == record.names + record.names_vernacular
    assert [e.text for e in dc.iterfind("dc:subject", NS)] == record.subjects
    assert [e.text for e in dc.iterfind("dc:language", NS)] == record.languages
    assert dc.findtext("dc:date", namespaces=NS) == str(record.year)
    assert dc.findtext("dc:type", namespaces=NS) == "Text"
    isbns = [f"URN:ISBN:{i['value']}" for i in record.isbns if i["valid"]]
    assert [e.text for e in dc.iterfind("dc:identifier", NS)][: len(isbns)] == isbns


def test_get_record_marc21_is_the_original(client, catalogue):
    for record in Record.objects.filter(holder=catalogue["marc"], status="active"):
        doc = get(client, verb="GetRecord", identifier=ident(record.pk), metadataPrefix="marc21")
        marc = doc.find(".//m:record", NS)
        controls = {c.get("tag"): c.text for c in marc.iterfind("m:controlfield", NS)}
        assert controls["001"].strip() == record.local_id
        datafields = marc.findall("m:datafield", NS)
        title = next(d for d in datafields if d.get("tag") == "245")
        assert title.find("m:subfield[@code='a']", NS).text.startswith(record.title[:10])
        assert marc.findtext("m:leader", namespaces=NS)[9] == "a"


def test_get_record_errors(client, catalogue):
    cn = Record.objects.filter(holder=catalogue["cnmarc"]).first()
    doc = get(client, verb="GetRecord", identifier=ident(cn.pk), metadataPrefix="marc21")
    assert error_code(doc) == "cannotDisseminateFormat"
    doc = get(client, verb="GetRecord", identifier=ident(cn.pk), metadataPrefix="mods")
    assert error_code(doc) == "cannotDisseminateFormat"
    doc = get(client, verb="GetRecord", identifier=ident(10**9), metadataPrefix="oai_dc")
    assert error_code(doc) == "idDoesNotExist"
    doc = get(client, verb="GetRecord", identifier="oai:other.org:1", metadataPrefix="oai_dc")
    assert error_code(doc) == "idDoesNotExist"
    doc = get(client, verb="GetRecord", identifier=ident(cn.pk))
    assert error_code(doc) == "badArgument"


def test_deleted_records_are_headers_only(client, catalogue):
    gone = catalogue["withdrawn"][0]
    doc = get(client, verb="GetRecord", identifier=ident(gone.pk), metadataPrefix="marc21")
    record = doc.find(".//o:record", NS)
    assert record.find("o:header", NS).get("status") == "deleted"
    assert record.find("o:metadata", NS) is None


@pytest.mark.parametrize(
    "params, code",
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "set": "holder"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "marc21"]}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2024-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-01",
                "until": "2024-02-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-02-01",
                "until": "2024-01-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "x"}, "noRecordsMatch"),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "holder:XX-Nope"},
            "noRecordsMatch",
        ),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2999-01-01"},
            "noRecordsMatch",
        ),
        ({"verb": "ListRecords", "resumptionToken": "garbage"}, "badResumptionToken"),
    ],
)
def test_errors(client, catalogue, params, code):
    doc = get(client, **params)
    assert error_code(doc) == code
    if code in ("badVerb", "badArgument"):
        assert doc.find("o:request", NS).attrib == {}


def test_forged_and_expired_tokens(client, catalogue, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 5)
    doc = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = doc.find(".//o:resumptionToken", NS).text
    payload, _, signature = token.rpartition(":")
    forged = payload + ":" + signature[::-1]
    doc = get(client, verb="ListIdentifiers", resumptionToken=forged)
    assert error_code(doc) == "badResumptionToken"
    assert doc.find("o:request", NS).attrib == {
        "verb": "ListIdentifiers",
        "resumptionToken": forged,
    }
    monkeypatch.setattr(oai, "TOKEN_LIFETIME", dt.timedelta(seconds=-1))
    doc = get(client, verb="ListIdentifiers", resumptionToken=token)
    assert error_code(doc) == "badResumptionToken"
    assert doc.find("o:error", NS).text == "The resumption token has expired."


def test_list_records_pages_through_everything(client, catalogue, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 7)
    headers, tokens = harvest(client, verb="ListRecords", metadataPrefix="oai_dc")
    expected = sorted(ident(pk) for pk in Record.objects.values_list("pk", flat=True))
    assert sorted(h.findtext("o:identifier", namespaces=NS) for h in headers) == expected
    assert len(expected) == 39
    assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens] == [
        (str(c), "39") for c in range(0, 39, 7)
    ]
    deleted = {h.findtext("o:identifier", namespaces=NS) for h in headers if h.get("status")}
    assert deleted == {ident(r.pk) for r in catalogue["withdrawn"]}
    # In datestamp order: an incremental harvester can stop anywhere and resume by date.
    stamps = [h.findtext("o:datestamp", namespaces=NS) for h in headers]
    assert stamps == sorted(stamps)


def test_marc21_lists_only_marc21_records(client, catalogue, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 12)
    headers, tokens = harvest(client, verb="ListRecords", metadataPrefix="marc21")
    assert len(headers) == 29
    assert tokens[-1].get("completeListSize") == "29"


def test_sets(client, catalogue):
    headers, _ = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="holder")
    assert len(headers) == 39
    for spec, holder, count in [
        ("holder:CN-100084", catalogue["cnmarc"], 10),
        (f"holder:{catalogue['cnmarc'].pk}", catalogue["cnmarc"], 10),
        ("holder:DE-Hil2", catalogue["marc"], 29),
    ]:
        headers, _ = harvest(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set=spec)
        assert len(headers) == count
        assert {h.findtext("o:setSpec", namespaces=NS) for h in headers} == {
            f"holder:{'CN-100084' if holder == catalogue['cnmarc'] else 'DE-Hil2'}"
        }


def test_from_and_until(client, catalogue):
    old = dt.datetime(2020, 3, 1, 12, 0, 0, 500000, tzinfo=dt.UTC)
    Record.objects.filter(holder=catalogue["cnmarc"]).update(updated_at=old)
    params = {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}
    for bounds, count in [
        ({"until": "2020-03-01"}, 10),
        ({"until": "2020-03-01T12:00:00Z"}, 10),  # seconds granularity: inclusive
        ({"until": "2020-03-01T11:59:59Z"}, 0),
        ({"from": "2020-03-01T12:00:00Z", "until": "2020-03-01T12:00:00Z"}, 10),
        ({"from": "2020-03-02"}, 29),
        ({"from": "2020-03-01T12:00:01Z"}, 29),
        ({"from": "2020-03-01", "until": "2020-03-01"}, 10),
    ]:
        if count:
            headers, _ = harvest(client, **params, **bounds)
            assert len(headers) == count, bounds
        else:
            assert error_code(get(client, **params, **bounds)) == "noRecordsMatch"


def test_writes_during_a_harvest_are_neither_skipped_nor_duplicated(client, catalogue, monkeypatch):
    monkeypatch.setattr(oai, "PAGE_SIZE", 10)
    first = get(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    response_date = first.findtext("o:responseDate", namespaces=NS)
    seen = [h.findtext("o:identifier", namespaces=NS) for h in first.iterfind(".//o:header", NS)]
    token = first.find(".//o:resumptionToken", NS).text
    # Between pages: a record already sent and one not yet sent change; one is added.
    order = list(Record.objects.order_by("updated_at", "id").values_list("pk", flat=True))
    sent, unsent = order[0], order[25]
    later = timezone.now()
    Record.objects.filter(pk__in=[sent, unsent]).update(title="Changed", updated_at=later)
    while token:
        doc = get(client, verb="ListIdentifiers", resumptionToken=token)
        seen += [h.findtext("o:identifier", namespaces=NS) for h in doc.iterfind(".//o:header", NS)]
        token = doc.find(".//o:resumptionToken", NS).text
    assert len(seen) == len(set(seen)) == 38
    assert set(seen) == {ident(pk) for pk in order if pk != unsent}
    # The next incremental harvest, from this one's responseDate, brings both changes.
    headers, _ = harvest(
        client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": response_date}
    )
    assert {ident(sent), ident(unsent)} <= {
        h.findtext("o:identifier", namespaces=NS) for h in headers
    }


def test_list_records_query_count_does_not_grow(
    client, catalogue, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(oai, "PAGE_SIZE", 40)
    with django_assert_max_num_queries(6):
        doc = get(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert len(doc.findall(".//o:record", NS)) == 39
