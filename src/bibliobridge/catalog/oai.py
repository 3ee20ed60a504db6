"""OAI-PMH 2.0 provider: the union catalogue for other systems to harvest, at ``/oai``.

Every record is an item ``oai:<repository id>:<record pk>``, in ``oai_dc`` (from the
normalised fields) and, for MARC 21 records, ``marc21`` (MARCXML slim, from the original).
Each holder is a set, ``holder:<ISIL>`` (or ``holder:<pk>`` for a holder without an ISIL
that fits setSpec syntax), under the set ``holder``. Withdrawn records stay as deleted
records (deletedRecord ``persistent``); a record's datestamp is ``Record.updated_at``.

Lists are paged by the keyset (updated_at, id), never by offset. The resumption token is
signed and carries the request's arguments, the last (datestamp, id) sent, and the time the
harvest started: every page counts only records whose datestamp is not after that time. A
record changed during a harvest moves past it, so it is neither skipped (it is in the next
incremental harvest, whose ``from`` is this one's responseDate) nor sent twice with
different contents within the harvest. Tokens expire after TOKEN_LIFETIME.

Error messages in responses are English on purpose: they are protocol text read by
harvesting software and its operators, like the error codes themselves, not page text.
"""

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier, Institution
from bibliobridge.partners.queries import home_institution

from .enums import Flavour, RecordStatus
from .models import Record
from .original import as_pymarc, read_original

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"

# prefix → (schema, namespace)
FORMATS = {
    "oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS),
    "marc21": (MARC_SCHEMA, MARC_NS),
}
PAGE_SIZE = 100
TOKEN_LIFETIME = dt.timedelta(hours=24)
_RESUMPTION_SALT = "bibliobridge.catalog.oai.resumption"
SET_ROOT = "holder"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

# verb → (required arguments, optional arguments); resumptionToken is exclusive.
ARGUMENTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
}

# MARC 21 material types (catalog.marc.normalise) as DCMI Type Vocabulary terms.
DCMI_TYPES = {
    "book": "Text",
    "serial": "Text",
    "score": "Text",
    "map": "Image",
    "image": "StillImage",
    "sound": "Sound",
    "video": "MovingImage",
    "computer": "Software",
    "mixed": "Collection",
    "object": "PhysicalObject",
}

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_SET_SPEC_PART = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
# Characters XML 1.0 cannot carry; a record's text may have them (a stray escape, a NUL).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# MARC21slim.xsd's patterns, so that marc21 output validates whatever the original held.
_CONTROL_TAG = re.compile(r"00[1-9A-Za-z]")
_DATA_TAG = re.compile(
    r"(0([1-9A-Z][0-9A-Z])|0([1-9a-z][0-9a-z]))|(([1-9A-Z][0-9A-Z]{2})|([1-9a-z][0-9a-z]{2}))"
)
_INDICATOR = re.compile(r"[\da-z ]")
_SUBFIELD_CODE = re.compile(r"[\dA-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]")


class OaiError(Exception):
    """An OAI-PMH error condition: its code and an English message (protocol text)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ListState:
    """Where a list request stands: the request's arguments and the keyset position.

    Serialised (signed) into the resumption token.
    """

    prefix: str
    set_spec: str
    since: str  # ISO datetime, inclusive, or ""
    until: str  # ISO datetime, exclusive, or ""
    started: str  # ISO datetime of the harvest's first request: the fixed upper bound
    last_stamp: str = ""  # datestamp (full precision) of the last record sent
    last_id: int = 0
    cursor: int = 0
    size: int = 0


def _q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def repository_id(request: HttpRequest) -> str:
    configured = getattr(settings, "OAI_REPOSITORY_ID", "")
    return configured or urlsplit("//" + request.get_host()).hostname or "localhost"


def oai_identifier(repository: str, record_id: int) -> str:
    return f"oai:{repository}:{record_id}"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    """The OAI-PMH base URL: public, read-only, GET or POST (form-encoded)."""
    now = timezone.now()
    query = request.POST if request.method == "POST" else request.GET
    base_url = request.build_absolute_uri(request.path)
    repository = repository_id(request)
    root = etree.Element(_q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    etree.SubElement(root, _q("responseDate")).text = utc_stamp(now)
    echo = etree.SubElement(root, _q("request"))
    echo.text = base_url
    try:
        verb, args = parse_arguments(query)
        # The arguments are echoed only for a request that is syntactically correct.
        echo.set("verb", verb)
        for name, value in args.items():
            echo.set(name, value)
        body = HANDLERS[verb](Context(base_url, repository, now), args)
        root.append(body)
    except OaiError as error:
        if error.code in ("badVerb", "badArgument"):
            echo.attrib.clear()  # the protocol: echo only the base URL of a malformed request
        element = etree.SubElement(root, _q("error"), code=error.code)
        element.text = error.message
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return HttpResponse(xml, content_type="text/xml; charset=utf-8")


def parse_arguments(query: QueryDict) -> tuple[str, dict[str, str]]:
    verbs = query.getlist("verb")
    if len(verbs) != 1:
        raise OaiError("badVerb", "The verb argument must be given exactly once.")
    verb = verbs[0]
    if verb not in ARGUMENTS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb.")
    required, optional = ARGUMENTS[verb]
    args: dict[str, str] = {}
    for name in query:
        if name == "verb":
            continue
        values = query.getlist(name)
        if len(values) != 1:
            raise OaiError("badArgument", f"The argument {name} is repeated.")
        if name not in required | optional:
            raise OaiError("badArgument", f"{verb} does not take the argument {name}.")
        args[name] = values[0]
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument.")
    else:
        missing = sorted(required - set(args))
        if missing:
            raise OaiError("badArgument", f"{verb} requires {', '.join(missing)}.")
    return verb, args


@dataclass
class Context:
    base_url: str
    repository: str
    now: dt.datetime


# Verbs


def identify(ctx: Context, args: dict[str, str]) -> etree._Element:
    body = etree.Element(_q("Identify"))
    home = home_institution()
    name = "Bibliobridge union catalogue"
    if home is not None:
        name = f"{home.name_en or home.name} — {name}"
    earliest = Record.objects.aggregate(first=Min("updated_at"))["first"] or ctx.now
    for tag, text in [
        ("repositoryName", name),
        ("baseURL", ctx.base_url),
        ("protocolVersion", "2.0"),
        ("adminEmail", admin_email()),
        ("earliestDatestamp", utc_stamp(earliest)),
        ("deletedRecord", "persistent"),
        ("granularity", GRANULARITY),
    ]:
        etree.SubElement(body, _q(tag)).text = text
    return body


def admin_email() -> str:
    configured = getattr(settings, "OAI_ADMIN_EMAIL", "")
    if configured:
        return configured
    if settings.ADMINS:
        return settings.ADMINS[0][1]
    return settings.DEFAULT_FROM_EMAIL


def list_metadata_formats(ctx: Context, args: dict[str, str]) -> etree._Element:
    prefixes = list(FORMATS)
    if "identifier" in args:
        record = _record_by_identifier(ctx, args["identifier"], only=("id", "flavour"))
        prefixes = _prefixes_for(record)
        if not prefixes:  # every record has oai_dc: kept for the protocol's sake
            raise OaiError("noMetadataFormats", "The item has no metadata formats.")
    body = etree.Element(_q("ListMetadataFormats"))
    for prefix in prefixes:
        schema, namespace = FORMATS[prefix]
        element = etree.SubElement(body, _q("metadataFormat"))
        etree.SubElement(element, _q("metadataPrefix")).text = prefix
        etree.SubElement(element, _q("schema")).text = schema
        etree.SubElement(element, _q("metadataNamespace")).text = namespace
    return body


def _prefixes_for(record: Record) -> list[str]:
    # A UNIMARC or CNMARC record written as MARC 21 slim would mislabel its tags.
    return [p for p in FORMATS if p != "marc21" or record.flavour == Flavour.MARC21]


def list_sets(ctx: Context, args: dict[str, str]) -> etree._Element:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is never split: no token is valid.")
    body = etree.Element(_q("ListSets"))
    _set_element(body, SET_ROOT, "All holders")
    holder_ids = set(Record.objects.values_list("holder_id", flat=True).distinct())
    specs = set_specs(holder_ids)
    holders = Institution.objects.filter(pk__in=holder_ids).order_by("pk")
    for holder in holders:
        _set_element(body, specs[holder.pk], holder.name_en or holder.name or holder.name_zh)
    return body


def _set_element(parent: etree._Element, spec: str, name: str) -> None:
    element = etree.SubElement(parent, _q("set"))
    etree.SubElement(element, _q("setSpec")).text = spec
    etree.SubElement(element, _q("setName")).text = _clean(name)


def set_specs(holder_ids: set[int]) -> dict[int, str]:
    """Each holder's setSpec: holder:<ISIL> when the ISIL fits setSpec syntax, else its pk."""
    specs = {pk: f"{SET_ROOT}:{pk}" for pk in holder_ids}
    isils = (
        Identifier.objects.filter(institution_id__in=holder_ids, scheme=IdentifierScheme.ISIL)
        .order_by("-value")
        .values_list("institution_id", "value")
    )
    for pk, isil in isils:
        if _SET_SPEC_PART.fullmatch(isil) and not isil.isdigit():
            specs[pk] = f"{SET_ROOT}:{isil}"
    return specs


def _holder_for_set(spec: str) -> int | None:
    """The holder a setSpec names; None for the root set; noRecordsMatch for no such set."""
    if spec == SET_ROOT:
        return None
    root, _sep, key = spec.partition(":")
    if root == SET_ROOT and key:
        if key.isdigit():
            return int(key)
        found = Identifier.objects.filter(scheme=IdentifierScheme.ISIL, value=key).first()
        if found is not None:
            return found.institution_id
    raise OaiError("noRecordsMatch", f"There is no set {spec!r}.")


def get_record(ctx: Context, args: dict[str, str]) -> etree._Element:
    record = _record_by_identifier(ctx, args["identifier"])
    prefix = args["metadataPrefix"]
    if prefix not in _prefixes_for(record):
        raise OaiError("cannotDisseminateFormat", f"The item is not available as {prefix}.")
    body = etree.Element(_q("GetRecord"))
    specs = set_specs({record.holder_id})
    if not _record_element(body, record, prefix, ctx, specs) and prefix == "marc21":
        raise OaiError("cannotDisseminateFormat", "The original record cannot be read.")
    return body


def _record_by_identifier(ctx: Context, identifier: str, only: tuple[str, ...] = ()) -> Record:
    prefix = f"oai:{ctx.repository}:"
    key = identifier.removeprefix(prefix)
    if identifier.startswith(prefix) and key.isdigit():
        queryset = Record.objects.only(*only) if only else Record.objects.all()
        record = queryset.filter(pk=int(key)).first()
        if record is not None:
            return record
    raise OaiError("idDoesNotExist", f"There is no item {identifier!r} in this repository.")


def list_identifiers(ctx: Context, args: dict[str, str]) -> etree._Element:
    return _list(ctx, args, "ListIdentifiers")


def list_records(ctx: Context, args: dict[str, str]) -> etree._Element:
    return _list(ctx, args, "ListRecords")


def _list(ctx: Context, args: dict[str, str], verb: str) -> etree._Element:
    if "resumptionToken" in args:
        state = read_token(args["resumptionToken"])
    else:
        state = _new_list(ctx, args)
    records = _list_queryset(state)
    first = not state.last_stamp
    if first:
        state.size = records.count()
    else:
        stamp = dt.datetime.fromisoformat(state.last_stamp)
        records = records.filter(
            Q(updated_at__gt=stamp) | Q(updated_at=stamp, id__gt=state.last_id)
        )
    if verb == "ListIdentifiers":
        records = records.only("id", "holder_id", "status", "updated_at")
    page = list(records[: PAGE_SIZE + 1])
    more, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    if not page:
        raise OaiError("noRecordsMatch", "No records match the request.")
    body = etree.Element(_q(verb))
    specs = set_specs({record.holder_id for record in page})
    for record in page:
        if verb == "ListIdentifiers":
            _header(body, record, ctx, specs)
        else:
            _record_element(body, record, state.prefix, ctx, specs)
    if more or not first:
        token = etree.SubElement(
            body,
            _q("resumptionToken"),
            completeListSize=str(state.size),
            cursor=str(state.cursor),
        )
        if more:
            last = page[-1]
            state.last_stamp, state.last_id = last.updated_at.isoformat(), last.pk
            state.cursor += len(page)
            token.text = make_token(state)
            token.set("expirationDate", utc_stamp(ctx.now + TOKEN_LIFETIME))
    return body


def _new_list(ctx: Context, args: dict[str, str]) -> ListState:
    prefix = args["metadataPrefix"]
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"The metadata format {prefix!r} is not offered.")
    since, since_kind = _parse_date(args.get("from"), "from", end=False)
    until, until_kind = _parse_date(args.get("until"), "until", end=True)
    if since_kind and until_kind and since_kind != until_kind:
        raise OaiError("badArgument", "from and until must have the same granularity.")
    if since and until and since >= until:
        raise OaiError("badArgument", "from is later than until.")
    set_spec = args.get("set", "")
    if set_spec:
        _holder_for_set(set_spec)
    return ListState(
        prefix=prefix,
        set_spec=set_spec,
        since=since.isoformat() if since else "",
        until=until.isoformat() if until else "",
        started=ctx.now.isoformat(),
    )


def _parse_date(value: str | None, name: str, end: bool) -> tuple[dt.datetime | None, str]:
    """The bound a from / until argument sets: from inclusive, until exclusive (+1 s or day)."""
    if value is None:
        return None, ""
    try:
        if _DAY.fullmatch(value):
            day = dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
            return (day + dt.timedelta(days=1) if end else day), "day"
        if _SECONDS.fullmatch(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return (moment + dt.timedelta(seconds=1) if end else moment), "seconds"
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} is not a date as {GRANULARITY} or YYYY-MM-DD.")


def _list_queryset(state: ListState) -> QuerySet[Record]:
    records = Record.objects.filter(updated_at__lte=dt.datetime.fromisoformat(state.started))
    if state.since:
        records = records.filter(updated_at__gte=dt.datetime.fromisoformat(state.since))
    if state.until:
        records = records.filter(updated_at__lt=dt.datetime.fromisoformat(state.until))
    if state.set_spec:
        holder_id = _holder_for_set(state.set_spec)
        if holder_id is not None:
            records = records.filter(holder_id=holder_id)
    if state.prefix == "marc21":
        records = records.filter(flavour=Flavour.MARC21)
    return records.order_by("updated_at", "id")


def make_token(state: ListState) -> str:
    return signing.dumps(asdict(state), salt=_RESUMPTION_SALT, compress=True)


def read_token(token: str) -> ListState:
    try:
        data = signing.loads(token, salt=_RESUMPTION_SALT, max_age=TOKEN_LIFETIME)
        return ListState(**data)
    except signing.SignatureExpired:
        raise OaiError("badResumptionToken", "The resumption token has expired.") from None
    except (signing.BadSignature, TypeError, ValueError):
        raise OaiError("badResumptionToken", "The resumption token is not valid.") from None


# Records


def _header(
    parent: etree._Element, record: Record, ctx: Context, specs: dict[int, str]
) -> etree._Element:
    header = etree.SubElement(parent, _q("header"))
    if record.status == RecordStatus.WITHDRAWN:
        header.set("status", "deleted")
    etree.SubElement(header, _q("identifier")).text = oai_identifier(ctx.repository, record.pk)
    etree.SubElement(header, _q("datestamp")).text = utc_stamp(record.updated_at)
    etree.SubElement(header, _q("setSpec")).text = specs[record.holder_id]
    return header


def _record_element(
    parent: etree._Element, record: Record, prefix: str, ctx: Context, specs: dict[int, str]
) -> bool:
    """Append the record; False when its metadata could not be written (header only)."""
    element = etree.SubElement(parent, _q("record"))
    _header(element, record, ctx, specs)
    if record.status == RecordStatus.WITHDRAWN:
        return True
    metadata = oai_dc(record) if prefix == "oai_dc" else marcxml(record)
    if metadata is None:
        return False
    etree.SubElement(element, _q("metadata")).append(metadata)
    return True


def oai_dc(record: Record) -> etree._Element:
    """Simple Dublin Core from the normalised fields (after LC's MARC to DC crosswalk)."""
    dc = etree.Element(
        f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    dc.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")

    def add(name: str, value: Any) -> None:
        text = _clean(str(value)).strip() if value not in (None, "") else ""
        if text:
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = text

    add("title", record.title)
    add("title", record.title_vernacular)
    for name in [*record.names, *record.names_vernacular]:
        add("creator", name)
    for subject in record.subjects:
        add("subject", subject)
    add("publisher", record.publisher)
    add("date", record.year)
    add("type", DCMI_TYPES.get(record.material_type, ""))
    for isbn in record.isbns:
        add("identifier", f"URN:ISBN:{isbn['value']}" if isbn.get("valid") else isbn["value"])
    for issn in record.issns:
        add("identifier", f"URN:ISSN:{issn}")
    for number in record.oclc_numbers:
        add("identifier", f"info:oclcnum/{number}")
    if record.lccn:
        add("identifier", f"info:lccn/{record.lccn}")
    for language in record.languages:
        add("language", language)
    return dc


def marcxml(record: Record) -> etree._Element | None:
    """The original as MARC 21 slim, kept inside MARC21slim.xsd's patterns; None if unreadable."""
    try:
        original = read_original(bytes(record.raw), record.raw_syntax, record.raw_encoding)
    except ValueError:
        return None
    marc = as_pymarc(original)
    element = etree.Element(f"{{{MARC_NS}}}record", nsmap={None: MARC_NS, "xsi": XSI_NS})
    element.set(f"{{{XSI_NS}}}schemaLocation", f"{MARC_NS} {MARC_SCHEMA}")
    element.set("type", "Bibliographic")
    etree.SubElement(element, f"{{{MARC_NS}}}leader").text = _leader(str(marc.leader))
    controls, datas = [], []
    for field in marc.fields:
        if field.is_control_field():
            if _CONTROL_TAG.fullmatch(field.tag):
                control = etree.Element(f"{{{MARC_NS}}}controlfield", tag=field.tag)
                control.text = _clean(field.data or "")
                controls.append(control)
            continue
        if not _DATA_TAG.fullmatch(field.tag):
            continue
        subfields = [s for s in field.subfields if _SUBFIELD_CODE.fullmatch(s.code)]
        if not subfields:
            continue
        data = etree.Element(
            f"{{{MARC_NS}}}datafield",
            tag=field.tag,
            ind1=_indicator(field.indicator1),
            ind2=_indicator(field.indicator2),
        )
        for subfield in subfields:
            sub = etree.SubElement(data, f"{{{MARC_NS}}}subfield", code=subfield.code)
            sub.text = _clean(subfield.value)
        datas.append(data)
    # The schema wants control fields before data fields.
    element.extend(controls + datas)
    return element


def _indicator(value: str | None) -> str:
    return value if value and _INDICATOR.fullmatch(value) else " "


def _leader(leader: str) -> str:
    """A leader the schema accepts: each position kept when valid, else a neutral value."""
    chars = list((leader + " " * 24)[:24])
    rules = [
        (range(0, 5), "0123456789 ", "0"),
        (range(12, 17), "0123456789 ", "0"),
        (range(10, 12), "2 ", "2"),
    ]
    for positions, allowed, default in rules:
        for i in positions:
            if chars[i] not in allowed:
                chars[i] = default
    for i in (5, 7, 8, 9, 17, 18, 19):
        if not (chars[i].isascii() and (chars[i].isalnum() or chars[i] == " ")):
            chars[i] = " "
    if not (chars[6].isascii() and chars[6].isalnum()):
        chars[6] = "a"
    if "".join(chars[20:24]) not in ("4500", "    "):
        chars[20:24] = list("4500")
    return "".join(chars)


HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}

# Mounted at /oai by the project's urls.py: path("oai", include("bibliobridge.catalog.oai")).
urlpatterns = [path("", endpoint, name="oai")]
