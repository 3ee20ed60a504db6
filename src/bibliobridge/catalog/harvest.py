"""Harvesting partners' OAI-PMH feeds into the union catalogue, as the holder's records.

A harvest is an import run that does not replace (``imports.run_harvest``): each ListRecords
page is turned into a MARCXML collection and staged as it arrives; the run is applied once,
at the end, so a harvest that breaks off changes nothing and is simply retried.

- Incremental: the responseDate of the last complete harvest is kept on the HarvestSource;
  the next harvest asks ``from`` it (less OVERLAP, see there).
- Deleted records: the header names only an OAI identifier; HarvestedRecord remembers which
  of the holder's records each identifier brought, and that record is withdrawn.
- Real feeds break the schema: XML that is not well-formed is read again with libxml2's
  recovery, entities are never resolved and nothing is fetched; a record whose metadata
  cannot be used becomes an ImportProblem and the rest go on.
- oai_dc feeds (when a source asks for oai_dc) are turned into minimal MARC 21 records.
- Every request goes through ``core.http.client()``.
"""

import copy
import datetime as dt
import logging
import time
from collections.abc import Iterator
from io import BytesIO
from typing import BinaryIO

import httpx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from lxml import etree

from bibliobridge.core import http
from bibliobridge.core.models import User
from bibliobridge.core.tasks import queue_once
from bibliobridge.partners.enums import EndpointKind
from bibliobridge.partners.models import Endpoint, Institution

from . import imports
from .enums import RunSource, RunStatus
from .marc.record import FileProblem, RecordProblem
from .models import HarvestedRecord, HarvestSource, ImportRun

logger = logging.getLogger(__name__)

MARC_NS = "http://www.loc.gov/MARC21/slim"
# A feed whose resumption tokens never end is stopped here.
MAX_PAGES = 20_000
# A record written in a transaction that commits after a provider answered may carry a
# datestamp before that responseDate; asking a little earlier than it catches such records
# (a record harvested twice is unchanged, so costs nothing).
OVERLAP = dt.timedelta(minutes=10)
# OAI-PMH flow control: 503 with Retry-After. Waited for a few times, never long.
MAX_RETRIES = 3
MAX_RETRY_WAIT = 60

# Problem codes of harvests (run errors and record problems). Their sentences are here; the
# import page shows codes through catalog.marc.problems.MESSAGES, which should include them.
HARVEST_UNREACHABLE = "harvest_unreachable"
HARVEST_HTTP_STATUS = "harvest_http_status"
HARVEST_NOT_XML = "harvest_not_xml"
HARVEST_NOT_OAI = "harvest_not_oai"
HARVEST_OAI_ERROR = "harvest_oai_error"
HARVEST_ENDLESS = "harvest_endless"
HARVEST_NO_METADATA = "harvest_no_metadata"
HARVEST_UNKNOWN_FORMAT = "harvest_unknown_format"
MESSAGES = {
    HARVEST_UNREACHABLE: _("The OAI-PMH server at %(url)s could not be reached: %(error)s"),
    HARVEST_HTTP_STATUS: _("The OAI-PMH server at %(url)s answered with HTTP status %(status)s."),
    HARVEST_NOT_XML: _("The OAI-PMH server at %(url)s did not answer with XML."),
    HARVEST_NOT_OAI: _("The answer from %(url)s is not an OAI-PMH ListRecords response."),
    HARVEST_OAI_ERROR: _("The OAI-PMH server refused the harvest (%(oai_code)s): %(message)s"),
    HARVEST_ENDLESS: _("The OAI-PMH server sent the same resumption token twice; stopped."),
    HARVEST_NO_METADATA: _("Record %(identifier)s has no metadata."),
    HARVEST_UNKNOWN_FORMAT: _(
        "Record %(identifier)s is in a format that cannot be loaded (%(format)s)."
    ),
}

_MARC_CHILDREN = frozenset({"leader", "controlfield", "datafield"})
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


class HarvestFailed(FileProblem):
    """The feed cannot be harvested at all; the run fails and nothing changes."""


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """Children by local name: feeds put OAI-PMH elements in odd namespaces, or none."""
    return [child for child in element if _local(child) == name]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: etree._Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def parse_response(data: bytes, url: str) -> etree._Element:
    """The response's root; read with recovery when it is not well-formed.

    Entity references are left unresolved by the parser and then dropped: their text is
    whatever a DTD in the response says, which is not the partner's record.
    """
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError:
        try:
            root = etree.fromstring(data, etree.XMLParser(recover=True, **_PARSER_OPTIONS))
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        raise HarvestFailed(HARVEST_NOT_XML, url=url)
    for entity in list(root.iter(etree.Entity)):
        _remove_keeping_tail(entity)
    return root


def _remove_keeping_tail(node: etree._Element) -> None:
    parent, tail = node.getparent(), node.tail or ""
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif parent is not None:
        parent.text = (parent.text or "") + tail
    if parent is not None:
        parent.remove(node)


def sources_from_directory(holder: Institution | None = None) -> int:
    """A HarvestSource for each OAI-PMH endpoint in the partner directory that has none."""
    endpoints = Endpoint.objects.filter(kind=EndpointKind.OAI_PMH).select_related("institution")
    if holder is not None:
        endpoints = endpoints.filter(institution=holder)
    created = 0
    for endpoint in endpoints:
        _source, new = HarvestSource.objects.get_or_create(
            holder=endpoint.institution,
            url=endpoint.url,
            metadata_prefix="marc21",
            set_spec="",
            defaults={"endpoint": endpoint},
        )
        created += new
    return created


def harvest(source: HarvestSource, actor: User | None = None, full: bool = False) -> ImportRun:
    """Harvest the source's feed into its holder's records; the run says how it went."""
    run = imports.start_run(
        source.holder, RunSource.HARVEST, source.url, actor=actor, replace=False
    )
    HarvestSource.objects.filter(pk=source.pk).update(last_run=run)
    since = None if full or source.harvested_until is None else source.harvested_until - OVERLAP
    feed = Feed(source)
    with http.client() as client:
        imports.run_harvest(run, feed.pages(client, since))
    if run.status == RunStatus.DONE:
        with transaction.atomic():
            feed.remember_identifiers()
            source.harvested_until = feed.response_date
            HarvestSource.objects.filter(pk=source.pk).update(harvested_until=feed.response_date)
    return run


class Feed:
    """One harvest of a source: requests pages, turns each into a MARCXML collection."""

    def __init__(self, source: HarvestSource) -> None:
        self.source = source
        self.response_date: dt.datetime | None = None
        self.seen: dict[str, str] = {}  # OAI identifier → local_id, of the records loaded

    def pages(
        self, client: httpx.Client, since: dt.datetime | None
    ) -> Iterator[BinaryIO | RecordProblem]:
        params = {"verb": "ListRecords", "metadataPrefix": self.source.metadata_prefix}
        if self.source.set_spec:
            params["set"] = self.source.set_spec
        if since is not None:
            params["from"] = self._date_argument(client, since)
        tokens: set[str] = set()
        started = timezone.now()
        for _page in range(MAX_PAGES):
            root = self._get(client, params)
            if self.response_date is None:
                self.response_date = _datetime(_text(_child(root, "responseDate"))) or started
            error = _child(root, "error")
            if error is not None:
                if error.get("code") == "noRecordsMatch":
                    return
                raise HarvestFailed(
                    HARVEST_OAI_ERROR, oai_code=error.get("code", ""), message=_text(error)[:500]
                )
            listing = _child(root, "ListRecords")
            if listing is None:
                raise HarvestFailed(HARVEST_NOT_OAI, url=self.source.url)
            yield from self._page(listing)
            token = _text(_child(listing, "resumptionToken"))
            if not token:
                return
            if token in tokens:
                raise HarvestFailed(HARVEST_ENDLESS)
            tokens.add(token)
            params = {"verb": "ListRecords", "resumptionToken": token}
        raise HarvestFailed(HARVEST_ENDLESS)

    def _date_argument(self, client: httpx.Client, since: dt.datetime) -> str:
        """from at the repository's granularity (day unless Identify says seconds)."""
        try:
            root = self._get(client, {"verb": "Identify"})
            identify = _child(root, "Identify")
            granularity = _text(_child(identify, "granularity")) if identify is not None else ""
        except HarvestFailed:
            granularity = ""
        since = since.astimezone(dt.UTC)
        if granularity == "YYYY-MM-DDThh:mm:ssZ":
            return since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return since.date().isoformat()

    def _get(self, client: httpx.Client, params: dict[str, str]) -> etree._Element:
        url = self.source.url
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = client.get(url, params=params)
            except httpx.HTTPError as error:
                raise HarvestFailed(HARVEST_UNREACHABLE, url=url, error=str(error)) from None
            if response.status_code == 503 and attempt < MAX_RETRIES:
                time.sleep(_retry_after(response.headers.get("Retry-After")))
                continue
            if response.status_code != 200:
                raise HarvestFailed(HARVEST_HTTP_STATUS, url=url, status=response.status_code)
            return parse_response(response.content, url)
        raise AssertionError("unreachable")

    def _page(self, listing: etree._Element) -> Iterator[BinaryIO | RecordProblem]:
        """The page's problems, then its records as one MARCXML collection."""
        collection = etree.Element(f"{{{MARC_NS}}}collection", nsmap={None: MARC_NS})
        deleted = []
        for record in _children(listing, "record"):
            header = _child(record, "header")
            identifier = _text(_child(header, "identifier")) if header is not None else ""
            if header is not None and header.get("status") == "deleted":
                deleted.append(identifier)
                collection.append(etree.Element("deleted", identifier=identifier))
                continue
            marc = self._marc(record, identifier)
            if isinstance(marc, RecordProblem):
                yield marc
                continue
            self.seen[identifier] = _control(marc, "001")
            collection.append(marc)
        self._resolve_deleted(collection, deleted)
        if len(collection):
            yield BytesIO(etree.tostring(collection, encoding="utf-8", xml_declaration=True))

    def _marc(self, record: etree._Element, identifier: str) -> etree._Element | RecordProblem:
        metadata = _child(record, "metadata")
        payload = (
            next((c for c in metadata if isinstance(c.tag, str)), None)
            if metadata is not None
            else None
        )
        if payload is None:
            return _problem(HARVEST_NO_METADATA, identifier)
        if _local(payload) == "collection":
            payload = next((c for c in payload if _local(c) == "record"), payload)
        if any(_local(child) in _MARC_CHILDREN for child in payload):
            marc = copy.deepcopy(payload)
        elif _local(payload) == "dc":
            marc = dc_to_marc(payload, identifier)
        else:
            return _problem(HARVEST_UNKNOWN_FORMAT, identifier, format=_local(payload))
        if not _control(marc, "001"):
            # The holder's record ID is its 001; without one the OAI identifier is the
            # only stable name (a content hash would change with every edit).
            namespace = etree.QName(marc).namespace
            field = etree.Element(f"{{{namespace}}}controlfield" if namespace else "controlfield")
            field.set("tag", "001")
            field.text = identifier
            leader = _child(marc, "leader")
            if leader is not None:
                leader.addnext(field)
            else:
                marc.insert(0, field)
        return marc

    def _resolve_deleted(self, collection: etree._Element, identifiers: list[str]) -> None:
        """Deleted headers → deleted MARC records naming the holder's record, in place."""
        known = dict(
            HarvestedRecord.objects.filter(
                source=self.source, identifier__in=identifiers
            ).values_list("identifier", "local_id")
        )
        known.update({i: self.seen[i] for i in identifiers if i in self.seen})
        for placeholder in collection.findall("deleted"):
            local_id = known.get(placeholder.get("identifier", ""))
            if local_id:
                placeholder.addprevious(_deleted_record(local_id))
            # An identifier never harvested names nothing the holder has here.
            collection.remove(placeholder)

    def remember_identifiers(self) -> None:
        rows = [
            HarvestedRecord(
                source=self.source, identifier=identifier[:500], local_id=local_id[:200]
            )
            for identifier, local_id in self.seen.items()
            if identifier and local_id
        ]
        HarvestedRecord.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["source", "identifier"],
            update_fields=["local_id"],
        )


def _problem(code: str, identifier: str, **params: str) -> RecordProblem:
    return RecordProblem(
        number=0,
        offset=0,
        code=code,
        params={"identifier": identifier, **params},
        local_id=identifier[:200],
    )


def _control(marc: etree._Element, tag: str) -> str:
    for field in _children(marc, "controlfield"):
        if field.get("tag") == tag:
            return (field.text or "").strip()
    return ""


def _deleted_record(local_id: str) -> etree._Element:
    record = etree.Element(f"{{{MARC_NS}}}record")
    etree.SubElement(record, f"{{{MARC_NS}}}leader").text = "00000dam a2200000 u 4500"
    etree.SubElement(record, f"{{{MARC_NS}}}controlfield", tag="001").text = local_id
    return record


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 10), 0), MAX_RETRY_WAIT)
    except ValueError:
        return 10


def _datetime(value: str) -> dt.datetime | None:
    """A responseDate; feeds write +0000, no zone, or a day; None when unreadable."""
    text = value.strip().replace("Z", "+00:00")
    if text.endswith("+0000"):
        text = text[:-5] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Simple Dublin Core to MARC 21, after LC's DC to MARC crosswalk, for feeds that offer no MARC.
def dc_to_marc(dc: etree._Element, identifier: str) -> etree._Element:
    values: dict[str, list[str]] = {}
    for element in dc:
        text = _text(element)
        if text:
            values.setdefault(_local(element), []).append(text)
    record = etree.Element(f"{{{MARC_NS}}}record", nsmap={None: MARC_NS})
    etree.SubElement(record, f"{{{MARC_NS}}}leader").text = "00000nam a2200000 u 4500"
    etree.SubElement(record, f"{{{MARC_NS}}}controlfield", tag="001").text = identifier

    def field(tag: str, *subfields: tuple[str, str], ind: str = "  ") -> None:
        data = etree.SubElement(
            record, f"{{{MARC_NS}}}datafield", tag=tag, ind1=ind[0], ind2=ind[1]
        )
        for code, value in subfields:
            etree.SubElement(data, f"{{{MARC_NS}}}subfield", code=code).text = value

    identifiers = values.get("identifier", [])
    for value in identifiers:
        bare = value.removeprefix("URN:ISBN:").removeprefix("urn:isbn:")
        if bare != value or _looks_like_isbn(value):
            field("020", ("a", bare))
    for value in identifiers:
        if value.upper().startswith("URN:ISSN:"):
            field("022", ("a", value[9:]))
    for language in values.get("language", []):
        if len(language) == 3 and language.isalpha():
            field("041", ("a", language.lower()), ind="0 ")
    creators = values.get("creator", []) + values.get("contributor", [])
    if creators:
        field("100", ("a", creators[0]), ind="1 ")
    titles = values.get("title", [])
    if titles:
        field("245", ("a", titles[0]), ind="00")
    for title in titles[1:]:
        field("246", ("a", title), ind="3 ")
    publication = [("b", p) for p in values.get("publisher", [])[:1]]
    publication += [("c", d) for d in values.get("date", [])[:1]]
    if publication:
        field("260", *publication)
    for description in values.get("description", []):
        field("520", ("a", description))
    for rights in values.get("rights", []):
        field("540", ("a", rights))
    for subject in values.get("subject", []):
        field("653", ("a", subject))
    for kind in values.get("type", []):
        field("655", ("a", kind), ind=" 7")
    for creator in creators[1:]:
        field("700", ("a", creator), ind="1 ")
    for value in identifiers:
        if value.startswith(("http://", "https://")):
            field("856", ("u", value), ind="40")
    return record


def _looks_like_isbn(value: str) -> bool:
    digits = value.replace("-", "").replace(" ", "")
    return len(digits) in (10, 13) and digits[:-1].isdigit()


# The daily harvest. (Here rather than in tasks.py, which imports the import pipeline only.)

# The daily harvest starts at this local hour, after the partners' nights in most zones.
DAILY_HOUR = 2


@task()
def task_catalog_harvest() -> dict[str, int]:
    """Daily: harvest every enabled source (new directory endpoints first become sources);
    then queue tomorrow's run."""
    sources_from_directory()
    done = failed = 0
    for source in HarvestSource.objects.filter(enabled=True).select_related("holder"):
        try:
            run = harvest(source)
        except Exception:
            # One partner's broken feed must not stop the others; the run says what broke.
            logger.exception("harvest of source %s failed", source.pk)
            failed += 1
            continue
        if run.status == RunStatus.DONE:
            done += 1
        else:
            failed += 1
    schedule_next_run()
    return {"harvested": done, "failed": failed}


def next_run_time(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(DAILY_HOUR), tzinfo=local.tzinfo)


def schedule_next_run(run_after: dt.datetime | None = None) -> bool:
    """Queue the daily harvest unless one is queued."""
    return queue_once(task_catalog_harvest, run_after or next_run_time())
