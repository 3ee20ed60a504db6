"""Harvesting OAI-PMH feeds from a mock partner: a real HTTP server on loopback."""

import datetime as dt
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from bibliobridge.catalog import harvest
from bibliobridge.catalog.enums import RecordStatus, RunSource, RunStatus
from bibliobridge.catalog.models import (
    HarvestedRecord,
    HarvestSource,
    ImportProblem,
    ImportRun,
    Record,
)
from bibliobridge.partners.enums import EndpointKind
from bibliobridge.partners.models import Endpoint

from .conftest import holder_with_isil

MARCXML = "marc/traject/test_data.utf8.marc.xml"  # 30 MARC 21 records, one 001 twice
OAI_SAMPLE = "marc/traject/sample-oai-pmh.xml"  # a real oai_dc ListRecords page
FIRST_DATE = "2026-01-02T03:04:05Z"


class MockFeed:
    """The partner's OAI-PMH server: pages by resumption token, every request recorded."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}  # resumptionToken ("" for the first page) → body
        self.incremental: bytes | None = None  # the first page of a request with from
        self.status = 200
        self.granularity = "YYYY-MM-DDThh:mm:ssZ"
        self.requests: list[dict[str, str]] = []
        self.url = ""

    def answer(self, args: dict[str, str]) -> bytes:
        if args.get("verb") == "Identify":
            return (
                f'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><Identify>'
                f"<granularity>{self.granularity}</granularity></Identify></OAI-PMH>"
            ).encode()
        if "from" in args and self.incremental is not None:
            return self.incremental
        return self.pages[args.get("resumptionToken", "")]


@pytest.fixture
def feed(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    state = MockFeed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            args = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            state.requests.append(args)
            body = state.answer(args)
            self.send_response(state.status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/oai"
    yield state
    server.shutdown()
    server.server_close()


def page(records: list[str], token: str = "", date: str = FIRST_DATE, size: int = 30) -> bytes:
    resumption = (
        f'<resumptionToken completeListSize="{size}">{token}</resumptionToken>' if token else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        f"<responseDate>{date}</responseDate>"
        '<request verb="ListRecords">http://partner.example.org/oai</request>'
        f"<ListRecords>{''.join(records)}{resumption}</ListRecords></OAI-PMH>"
    ).encode()


def record(identifier: str, metadata: str = "", deleted: bool = False) -> str:
    status = ' status="deleted"' if deleted else ""
    body = f"<metadata>{metadata}</metadata>" if metadata else ""
    return (
        f"<record><header{status}><identifier>{identifier}</identifier>"
        f"<datestamp>2026-01-01T00:00:00Z</datestamp></header>{body}</record>"
    )


@pytest.fixture
def marc_records(shared_file) -> list[str]:
    root = etree.parse(str(shared_file(MARCXML))).getroot()
    return [etree.tostring(element, encoding="unicode") for element in root]


@pytest.fixture
def three_pages(feed, marc_records):
    records = [record(f"oai:partner:{n}", xml) for n, xml in enumerate(marc_records)]
    feed.pages = {
        "": page(records[:10], token="p2"),
        "p2": page(records[10:20], token="p3"),
        "p3": page(records[20:]),
    }
    return feed


@pytest.fixture
def source(db, feed):
    holder = holder_with_isil("US-PaPhSHI", country="US")
    return HarvestSource.objects.create(holder=holder, url=feed.url)


def test_a_harvest_follows_resumption_tokens(three_pages, source):
    run = harvest.harvest(source)
    assert (run.status, run.source, run.replace) == (RunStatus.DONE, RunSource.HARVEST, False)
    assert (run.records_read, run.loaded, run.rejected) == (30, 29, 0)
    assert Record.objects.filter(holder=source.holder, status=RecordStatus.ACTIVE).count() == 29
    assert three_pages.requests == [
        {"verb": "ListRecords", "metadataPrefix": "marc21"},
        {"verb": "ListRecords", "resumptionToken": "p2"},
        {"verb": "ListRecords", "resumptionToken": "p3"},
    ]
    source.refresh_from_db()
    assert source.harvested_until == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert source.last_run == run
    assert HarvestedRecord.objects.filter(source=source).count() == 30
    first = HarvestedRecord.objects.get(source=source, identifier="oai:partner:0")
    assert first.local_id == "00282214"


def test_the_next_harvest_is_incremental_and_withdraws_deleted_records(
    three_pages, source, marc_records
):
    harvest.harvest(source)
    changed = marc_records[6].replace("</record>", "") + (
        '<datafield tag="500" ind1=" " ind2=" "><subfield code="a">Changed.</subfield>'
        "</datafield></record>"
    )
    three_pages.incremental = page(
        [
            record("oai:partner:5", deleted=True),
            record("oai:partner:6", changed),
            record("oai:partner:unknown", deleted=True),  # never harvested: nothing to do
            record(
                "oai:partner:x1",
                '<record xmlns="http://www.loc.gov/MARC21/slim">'
                '<controlfield tag="001">x1</controlfield></record>',
            ),  # no leader
            record("oai:partner:x2"),  # no metadata
            record(
                "oai:partner:x3", '<mods xmlns="http://www.loc.gov/mods/v3"><titleInfo/></mods>'
            ),
        ],
        date="2026-01-09T00:00:00Z",
    )
    three_pages.requests.clear()
    run = harvest.harvest(source)
    assert three_pages.requests == [
        {"verb": "Identify"},
        {"verb": "ListRecords", "metadataPrefix": "marc21", "from": "2026-01-02T02:54:05Z"},
    ]
    assert run.status == RunStatus.DONE
    assert (run.records_read, run.loaded, run.updated, run.deleted, run.rejected) == (
        5,
        0,
        1,
        1,
        3,
    )
    deleted_id = HarvestedRecord.objects.get(source=source, identifier="oai:partner:5").local_id
    assert Record.objects.get(holder=source.holder, local_id=deleted_id).status == "withdrawn"
    assert Record.objects.filter(holder=source.holder, status=RecordStatus.ACTIVE).count() == 28
    problems = ImportProblem.objects.filter(run=run)
    assert [(p.code, p.local_id) for p in problems] == [
        ("harvest_no_metadata", "oai:partner:x2"),
        ("harvest_unknown_format", "oai:partner:x3"),
        ("xml_record_without_leader", "x1"),
    ]
    source.refresh_from_db()
    assert source.harvested_until == dt.datetime(2026, 1, 9, tzinfo=dt.UTC)


def test_from_is_a_day_for_a_repository_of_day_granularity(three_pages, source):
    harvest.harvest(source)
    three_pages.granularity = "YYYY-MM-DD"
    three_pages.incremental = page([], date="2026-01-09T00:00:00Z").replace(
        b"<ListRecords></ListRecords>", b'<error code="noRecordsMatch"/>'
    )
    three_pages.requests.clear()
    run = harvest.harvest(source)
    assert three_pages.requests[-1]["from"] == "2026-01-02"
    assert (run.status, run.records_read) == (RunStatus.DONE, 0)
    source.refresh_from_db()
    assert source.harvested_until == dt.datetime(2026, 1, 9, tzinfo=dt.UTC)


def test_a_real_oai_dc_feed_that_breaks_its_schema(feed, source, shared_file):
    sample = shared_file(OAI_SAMPLE).read_bytes()
    token = re.search(rb"<resumptionToken[^>]*>([^<]+)<", sample).group(1).decode()
    feed.pages = {"": sample, token: page([])}  # the sample's list goes on: end it there
    source.metadata_prefix = "oai_dc"
    source.save()
    run = harvest.harvest(source)
    assert (run.status, run.loaded, run.rejected) == (RunStatus.DONE, 10, 0)
    spice = Record.objects.get(holder=source.holder, local_id="oai:sciencehistoryorg:fq977t769")
    assert spice.title == "Spice Storage"
    assert spice.names == ["Norda Essential Oil and Chemical Company"]
    assert "Research, Industrial--Laboratories" in spice.subjects
    assert Record.objects.get(local_id="oai:sciencehistoryorg:mk61rg92z").title == "Warehouses"
    source.refresh_from_db()
    assert source.harvested_until == dt.datetime(2018, 6, 15, 22, 34, 53, tzinfo=dt.UTC)


def test_xml_that_is_not_well_formed_is_recovered_and_entities_stay_unresolved(
    feed, source, marc_records
):
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY boom "BOOM">]>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2026-01-02T03:04:05+0000</responseDate><ListRecords>"
    )
    bad = marc_records[1].replace(
        "</leader>", '</leader><controlfield tag="009">&boom;</controlfield>'
    )
    body = bomb + record("oai:partner:0", marc_records[0]) + record("oai:partner:1", bad)
    feed.pages = {"": (body + "<unclosed></ListRecords></OAI-PMH>").encode()}
    run = harvest.harvest(source)
    assert run.status == RunStatus.DONE
    assert run.loaded == 2
    assert not any(b"BOOM" in bytes(r.raw) for r in Record.objects.filter(holder=source.holder))
    source.refresh_from_db()
    assert source.harvested_until == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_an_error_part_way_fails_the_harvest_and_changes_nothing(three_pages, source):
    three_pages.pages["p3"] = page([]).replace(
        b"<ListRecords></ListRecords>", b'<error code="badResumptionToken">expired</error>'
    )
    run = harvest.harvest(source)
    assert run.status == RunStatus.FAILED
    assert (run.error_code, run.error_params) == (
        "harvest_oai_error",
        {"oai_code": "badResumptionToken", "message": "expired"},
    )
    assert not Record.objects.filter(holder=source.holder).exists()
    source.refresh_from_db()
    assert source.harvested_until is None
    assert not HarvestedRecord.objects.exists()


def test_http_errors_and_html_fail_the_harvest(feed, source):
    feed.pages = {"": b"<html><body>Service down</body></html>"}
    assert harvest.harvest(source).error_code == "harvest_not_oai"
    feed.pages = {"": b"\x00\x01 not xml"}
    assert harvest.harvest(source).error_code == "harvest_not_xml"
    feed.status = 500
    run = harvest.harvest(source)
    assert (run.error_code, run.error_params) == (
        "harvest_http_status",
        {"url": feed.url, "status": "500"},
    )


def test_private_addresses_are_refused_unless_allowed(feed, source, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    run = harvest.harvest(source)
    assert run.status == RunStatus.FAILED
    assert run.error_code == "harvest_unreachable"
    assert feed.requests == []


def test_command_harvests_a_holder_and_directory_endpoints(three_pages, db, capsys):
    holder = holder_with_isil("US-PaPhSHI", country="US")
    call_command("catalog_harvest", "--holder", "US-PaPhSHI", "--url", three_pages.url)
    out = capsys.readouterr().out
    assert "30 records read, 29 new, 0 updated, 0 unchanged, 0 withdrawn, 0 rejected" in out
    other = holder_with_isil("GB-UkOxU", country="GB")
    Endpoint.objects.create(institution=other, kind=EndpointKind.OAI_PMH, url=three_pages.url)
    call_command("catalog_harvest", "--all")
    assert HarvestSource.objects.get(holder=other).endpoint.institution == other
    assert Record.objects.filter(holder=other).count() == 29
    assert Record.objects.filter(holder=holder).count() == 29
    with pytest.raises(CommandError, match="No partner has the ISIL"):
        call_command("catalog_harvest", "--holder", "XX-Nope")
    three_pages.status = 500
    with pytest.raises(CommandError, match="2 harvest"):
        call_command("catalog_harvest", "--all")


def test_daily_task_harvests_every_enabled_source_and_queues_tomorrow(
    three_pages, source, settings
):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    HarvestSource.objects.create(
        holder=source.holder, url=three_pages.url, set_spec="off", enabled=False
    )
    result = harvest.task_catalog_harvest.call()
    assert result == {"harvested": 1, "failed": 0}
    assert ImportRun.objects.count() == 1
    queued = DBTaskResult.objects.get(task_path=harvest.task_catalog_harvest.module_path)
    assert queued.run_after == harvest.next_run_time()
    assert harvest.schedule_next_run() is False  # one queued is enough
