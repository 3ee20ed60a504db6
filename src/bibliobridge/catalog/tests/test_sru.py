"""The SRU server through Django's test client: every response kind, valid against SRU 2.0."""

from pathlib import Path

import pytest
from lxml import etree

from bibliobridge.catalog import imports, sru
from bibliobridge.catalog.enums import RunSource

from .conftest import holder_with_isil
from .shared import SHARED_DATA as SHARED
from .shared import offline_schema

LOC = "marc/loc/loc_booksall2016_part01_every64th.mrc"
CNMARC = "unimarc/dp2_sample_cnmarcxml_sru12.xml"
SCHEMAS = SHARED / "schemas"
RECORD_END = b"\x1d"
CHINESE, JAPANESE = 541, 1064  # LoC records with a 245 in Han characters, in Japanese
NS = {
    "s": sru.SRU2_NS,
    "d": sru.DIAG2_NS,
    "m": sru.MARC_NS,
    "z": sru.ZEEREX_NS,
    "dc": sru.DC_NS,
    "srw_dc": sru.SRW_DC_NS,
    "zs": sru.SRU1_NS,
    "d1": sru.DIAG1_NS,
    "soap": sru.SOAP_NS,
}


def loc_subset(target: Path) -> Path:
    """The first 200 LoC records (English, 1893-2002) and a Chinese and a Japanese one."""
    source = SHARED / LOC
    if not source.is_file():
        pytest.skip(f"shared test data not present: {source}")
    records = source.read_bytes().split(RECORD_END)
    target.write_bytes(b"".join(r + RECORD_END for r in [*records[:200], records[CHINESE],
                                                          records[JAPANESE]]))  # fmt: skip
    return target


def load(holder, path: Path, replace: bool = True):
    run = imports.start_run(holder, RunSource.COMMAND, "test", replace=replace)
    return imports.run_import(run, [path])


@pytest.fixture
def catalogue(holder, tmp_path, settings):
    """DE-Hil2 (DE) holds the subset, JP-1000001 (JP) its first 30, CN-100084 10 CNMARC."""
    settings.ALLOWED_HOSTS = ["*"]
    subset = loc_subset(tmp_path / "subset.mrc")
    japanese = holder_with_isil("JP-1000001", country="JP")
    load(holder, subset)
    first30 = tmp_path / "first30.mrc"
    first30.write_bytes(RECORD_END.join(subset.read_bytes().split(RECORD_END)[:30]) + RECORD_END)
    load(japanese, first30)
    cnmarc = SHARED / CNMARC
    if not cnmarc.is_file():
        pytest.skip(f"shared test data not present: {cnmarc}")
    load(holder_with_isil("CN-100084", country="CN"), cnmarc)
    return holder, japanese


# --- Schemas, offline -------------------------------------------------------------------------


class _OfflineResolver(etree.Resolver):
    """sruResponse.xsd imports its siblings from docs.oasis-open.org: read them here."""

    def resolve(self, url, pubid, context):
        if url.startswith(("http:", "https:")):
            local = SCHEMAS / "sru2" / url.rsplit("/", 1)[-1]
            if not local.is_file():
                raise AssertionError(f"schema wanted the network: {url}")
            return self.resolve_filename(str(local), context)
        return None


_schema = None


def sru_schema() -> etree.XMLSchema:
    """sruResponse.xsd with MARC21slim.xsd, so that MARCXML in recordData is checked too."""
    global _schema
    if _schema is None:
        files = {
            sru.SRU2_NS: SCHEMAS / "sru2" / "sruResponse.xsd",
            sru.MARC_NS: SCHEMAS / "marcxml" / "MARC21slim.xsd",
        }
        _schema = offline_schema(files, _OfflineResolver())
    return _schema


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def valid(xml: bytes) -> etree._Element:
    doc = parse(xml)
    schema = sru_schema()
    assert schema.validate(doc), schema.error_log
    return doc


def get(client, **params) -> etree._Element:
    response = client.get("/sru", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/sru+xml; charset=utf-8"
    return valid(response.content)


def diagnostic(doc) -> tuple[str, str]:
    found = doc.find("s:diagnostics/d:diagnostic", NS)
    return found.findtext("d:uri", namespaces=NS), found.findtext("d:details", "", NS)


def count(doc) -> int:
    return int(doc.findtext("s:numberOfRecords", namespaces=NS))


def titles(doc) -> list[str]:
    return [
        t.text for t in doc.findall(".//m:record/m:datafield[@tag='245']/m:subfield[@code='a']", NS)
    ]


# --- explain ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_explain_is_the_default(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    for doc in (get(client), get(client, operation="explain", version="2.0")):
        assert etree.QName(doc).localname == "explainResponse"
        record = doc.find("s:record", NS)
        assert record.findtext("s:recordSchema", namespaces=NS) == sru.ZEEREX
        explain = record.find("s:recordData/z:explain", NS)
        assert explain.findtext("z:serverInfo/z:host", namespaces=NS) == "testserver"
        assert explain.findtext("z:serverInfo/z:port", namespaces=NS) == "80"
        assert explain.findtext("z:serverInfo/z:database", namespaces=NS) == "sru"
        names = {f"{n.get('set')}.{n.text}" for n in explain.findall("z:indexInfo//z:name", NS)}
        assert {"dc.title", "bb.title", "bath.isbn", "cql.serverchoice", "bb.holder"} <= names
        schemas = {s.get("name") for s in explain.findall("z:schemaInfo/z:schema", NS)}
        assert schemas == {"marcxml", "dc"}
        defaults = {d.get("type"): d.text for d in explain.findall("z:configInfo/z:default", NS)}
        assert defaults["numberOfRecords"] == "10"
        assert explain.findtext("z:configInfo/z:setting[@type='maximumRecords']",
                                namespaces=NS) == "100"  # fmt: skip


@pytest.mark.django_db
def test_post_is_answered_like_get(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    response = client.post("/sru", {"operation": "explain"})
    assert response.status_code == 200
    assert etree.QName(valid(response.content)).localname == "explainResponse"


# --- searchRetrieve -----------------------------------------------------------------------


def test_search_in_marcxml_with_every_holding(client, catalogue):
    doc = get(client, query="isbn = 0-8048-0967-4")
    assert count(doc) == 1
    record = doc.find("s:records/s:record", NS)
    assert record.findtext("s:recordSchema", namespaces=NS) == sru.MARCXML
    assert record.findtext("s:recordXMLEscaping", namespaces=NS) == "xml"
    assert record.findtext("s:recordPosition", namespaces=NS) == "1"
    assert titles(doc) == ["Shadowings."]
    holdings = [
        {s.get("code"): s.text for s in field}
        for field in record.findall(".//m:datafield[@tag='852']", NS)
    ]
    assert sorted(h["a"] for h in holdings) == ["DE-Hil2", "JP-1000001"]
    assert sorted(h["n"] for h in holdings) == ["DE", "JP"]
    tags = [f.get("tag") for f in record.findall(".//m:datafield", NS)]
    assert tags == sorted(tags) or tags.index("852") > 0
    assert doc.find("s:nextRecordPosition", NS) is None
    assert doc.findtext("s:echoedSearchRetrieveRequest/s:query", namespaces=NS) == (
        "isbn = 0-8048-0967-4"
    )


def test_search_in_dc(client, catalogue):
    for schema in ("dc", "info:srw/schema/1/dc-v1.1"):
        doc = get(client, query='dc.title = "to have and to hold"', recordSchema=schema)
        assert count(doc) == 1
        record = doc.find("s:records/s:record", NS)
        assert record.findtext("s:recordSchema", namespaces=NS) == sru.DC
        dc = record.find("s:recordData/srw_dc:dc", NS)
        assert dc.findtext("dc:title", namespaces=NS) == "To have and to hold"
        assert dc.findtext("dc:creator", namespaces=NS) == "Johnston, Mary"
        assert dc.findtext("dc:date", namespaces=NS) == "1900"


def test_schema_aliases_and_string_escaping(client, catalogue):
    for alias in ("marcxml", "marc21", "MARC21", sru.MARCXML):
        assert titles(get(client, query="title=shadowings", recordSchema=alias)) == ["Shadowings."]
    doc = get(client, query="title=shadowings", recordXMLEscaping="string")
    data = doc.find("s:records/s:record/s:recordData", NS)
    assert len(data) == 0
    inner = parse(data.text.encode())
    assert inner.findtext("m:datafield[@tag='245']/m:subfield[@code='a']", namespaces=NS) == (
        "Shadowings."
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("trains", 2),
        ("dc.title = trains", 2),
        ('title any "trains warts"', 3),
        ('title all "nuclear energy"', 1),
        ("title = nuclear or title = earthquakes", 2),
        ("title = trains not name = oxlade", 1),
        ("(title = trains or title = warts) and year = 2002", 1),
        ("year < 1900", 6),
        ("year <= 1899 and year >= 1899", 5),
        ('year within "1893 1899"', 6),
        ("dc.date > 2001", 7),
        ("name = wharton", 1),
        ("author = wharton", 1),
        ("dc.creator = hearn", 1),
        ("bath.isbn = 9780849304569", 1),
        ("dc.identifier = 0849304563", 1),
        ("oclc = 44573380", 1),
        ("dc.identifier = 44573380", 1),
        ("language = chi", 10),  # 1 LoC, 9 CNMARC clusters
        ("dc.language = JPN", 2),  # Shadowings: 041 engjpn
        ("holder = JP-1000001", 30),
        ("holder = jp-1000001 and title = shadowings", 1),
        ("country = jp and year < 1900", 6),
        ("country = de not country = jp and language = eng", 170),
        ("cql.allRecords = 1 not language = eng", 11),
        ('title =/ignoreCase "TO HAVE"', 1),
        ('>x="info:srw/cql-context-set/1/dc-v1.1" x.title = shadowings', 1),
        ("holder = XX-0000", 0),
    ],
)
def test_cql_onto_the_index(client, catalogue, query, expected):
    assert count(get(client, query=query, maximumRecords="0")) == expected


def test_search_in_chinese_and_japanese(client, catalogue):
    doc = get(client, query="title = 傳統版印")
    assert count(doc) == 1
    assert titles(doc) == ["Taiwan chuan tong ban yin /"]
    vernacular = [
        f.findtext("m:subfield[@code='a']", namespaces=NS)
        for f in doc.findall(".//m:datafield[@tag='880']", NS)
        if f.findtext("m:subfield[@code='6']", namespaces=NS).startswith("245")
    ]
    assert vernacular == ["臺灣傳統版印 /"]
    assert count(get(client, query="臺灣")) == 1
    assert count(get(client, query="dc.title = 日本近代化論")) == 1
    assert count(get(client, query="ヴェーバー and 宗教")) == 1


def test_paging(client, catalogue):
    doc = get(client, query="year = 2000", maximumRecords="4", startRecord="3")
    total = count(doc)
    assert total == 103
    positions = [int(p.text) for p in doc.findall(".//s:recordPosition", NS)]
    assert positions == [3, 4, 5, 6]
    assert doc.findtext("s:nextRecordPosition", namespaces=NS) == "7"
    everything = get(client, query="year = 2000", maximumRecords="100")
    assert len(everything.findall("s:records/s:record", NS)) == 100
    assert titles(doc) == titles(everything)[2:6]
    last = get(client, query="year = 2000", maximumRecords="10", startRecord="101")
    assert [int(p.text) for p in last.findall(".//s:recordPosition", NS)] == [101, 102, 103]
    assert last.find("s:nextRecordPosition", NS) is None
    over = get(client, query="year = 2000", maximumRecords="1000")
    assert len(over.findall("s:records/s:record", NS)) == 100  # MAX_RECORDS
    assert len(get(client, query="year = 2000").findall("s:records/s:record", NS)) == 10


def test_no_hits(client, catalogue):
    doc = get(client, query="title = zzyzx")
    assert count(doc) == 0
    assert doc.find("s:records", NS) is None
    assert doc.find("s:diagnostics", NS) is None


def test_a_cluster_without_marc21_is_a_surrogate_diagnostic(client, catalogue):
    doc = get(client, query="holder = CN-100084", maximumRecords="1")
    assert count(doc) == 9  # 10 records, two of them the same book
    record = doc.find("s:records/s:record", NS)
    assert record.findtext("s:recordSchema", namespaces=NS) == sru.DIAGNOSTIC_SCHEMA
    uri = record.findtext("s:recordData/d:diagnostic/d:uri", namespaces=NS)
    assert uri == "info:srw/diagnostic/1/67"
    dc = get(client, query="holder = CN-100084", maximumRecords="1", recordSchema="dc")
    assert dc.find("s:records/s:record/s:recordData/srw_dc:dc/dc:title", NS) is not None


def test_sort_is_ignored_with_a_warning(client, catalogue):
    doc = get(client, query="trains sortBy dc.date/sort.descending")
    assert count(doc) == 2
    assert len(doc.findall("s:records/s:record", NS)) == 2
    assert diagnostic(doc) == ("info:srw/diagnostic/1/80", "results are in the server's order")


# --- Diagnostics --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "uri", "details"),
    [
        ({"operation": "scan", "scanClause": "title=a"}, 4, "scan"),
        ({"operation": "searchRetrieve"}, 7, "query"),
        ({"query": "a", "startRecord": "0"}, 6, "startRecord"),
        ({"query": "a", "maximumRecords": "ten"}, 6, "maximumRecords"),
        ({"query": "a", "queryType": "pqf"}, 6, "queryType"),
        ({"query": "a", "recordSchema": "mods"}, 66, "mods"),
        ({"query": "a", "recordXMLEscaping": "json"}, 71, "json"),
        ({"query": "a", "color": "blue"}, 8, "color"),
        ({"query": "title = (pride"}, 10,
         "expected a search term after the relation '=' (at character 9)"),
        ({"query": "pride prejudice"}, 10,
         "expected a boolean operator, found 'prejudice' (at character 7)"),
        ({"query": 'title = "pride'}, 10, "quoted term not closed (at character 9)"),
        ({"query": "publisher = penguin"}, 16, "publisher"),
        ({"query": "dc.publisher = penguin"}, 16, "dc.publisher"),
        ({"query": "title encloses pride"}, 19, "encloses"),
        ({"query": "title > pride"}, 19, "> on title"),
        ({"query": "title =/stem pride"}, 20, "stem"),
        ({"query": "title = pri*"}, 28, "pri*"),
        ({"query": "title = ^pride"}, 31, "^pride"),
        ({"query": 'title = ""'}, 27, ""),
        ({"query": "year = nineteen"}, 36, "nineteen"),
        ({"query": "pride prox prejudice"}, 37, "prox"),
        ({"query": "pride and/rel.combine=sum prejudice"}, 46, "rel.combine"),
        ({"query": "trains", "startRecord": "3"}, 61, "3"),
        ({"version": "3.0"}, 5, "2.0"),
    ],
)  # fmt: skip
def test_diagnostics(client, catalogue, params, uri, details):
    doc = get(client, **params)
    assert etree.QName(doc).localname == "searchRetrieveResponse"
    assert count(doc) == 0
    assert doc.find("s:records", NS) is None
    assert diagnostic(doc) == (f"info:srw/diagnostic/1/{uri}", details)
    message = doc.findtext("s:diagnostics/d:diagnostic/d:message", namespaces=NS)
    assert message == sru.MESSAGES[uri]


def test_escaped_masking_characters_are_words(client, catalogue):
    assert count(get(client, query=r'title = "pri\*de"')) == 0


# --- SRU 1.2 and SRW --------------------------------------------------------------------------


def test_version_1_2_is_answered_in_1_2(client, catalogue):
    response = client.get(
        "/sru",
        {"version": "1.2", "operation": "searchRetrieve", "query": "trains",
         "recordSchema": "marcxml", "maximumRecords": "1"},
    )  # fmt: skip
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    doc = parse(response.content)
    assert doc.tag == f"{{{sru.SRU1_NS}}}searchRetrieveResponse"
    assert doc.findtext("zs:version", namespaces=NS) == "1.2"
    assert doc.findtext("zs:numberOfRecords", namespaces=NS) == "2"
    record = doc.find("zs:records/zs:record", NS)
    assert record.findtext("zs:recordPacking", namespaces=NS) == "xml"
    assert record.find("zs:recordData/m:record", NS) is not None
    assert doc.findtext("zs:nextRecordPosition", namespaces=NS) == "2"
    bad = parse(client.get("/sru", {"version": "1.1", "query": "a prox b"}).content)
    assert bad.findtext("zs:version", namespaces=NS) == "1.1"
    uri = bad.findtext("zs:diagnostics/d1:diagnostic/d1:uri", namespaces=NS)
    assert uri == "info:srw/diagnostic/1/37"


def test_srw_soap_is_answered_in_soap(client, catalogue):
    body = (
        f'<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="{sru.SOAP_NS}"><SOAP-ENV:Body>'
        f'<zs:searchRetrieveRequest xmlns:zs="{sru.SRU1_NS}"><zs:version>1.2</zs:version>'
        "<zs:query>dc.title=trains</zs:query><zs:startRecord>2</zs:startRecord>"
        "<zs:maximumRecords>1</zs:maximumRecords><zs:recordSchema>marcxml</zs:recordSchema>"
        "</zs:searchRetrieveRequest></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    response = client.post("/sru", body, content_type="text/xml")
    assert response.status_code == 200
    doc = parse(response.content)
    answer = doc.find("soap:Body/zs:searchRetrieveResponse", NS)
    assert answer.findtext("zs:numberOfRecords", namespaces=NS) == "2"
    assert answer.findtext("zs:records/zs:record/zs:recordPosition", namespaces=NS) == "2"
    broken = client.post("/sru", b"<not-soap/>", content_type="text/xml")
    assert broken.status_code == 500
    assert parse(broken.content).find("soap:Body/soap:Fault", NS) is not None
