"""SRU server at ``/sru``: the union catalogue searched in CQL by other library systems.

Operations ``explain`` (also the answer to a request without a query) and
``searchRetrieve``; ``scan`` is answered with diagnostic 4. Public and read-only.

Versions. SRU 2.0 is the default: GET, or POST form-encoded, answered in the OASIS
namespace. A request with ``version=1.1`` or ``1.2`` (YAZ's client sends 1.2 unless told
``sru get 2.0``) is answered as SRU 1.2 in the ``zing/srw`` namespace, with the version it
asked for; its record packing is ``recordPacking`` (xml/string), 2.0's is
``recordXMLEscaping``. A POST whose body is a SOAP envelope (SRW, YAZ's default for an
``http:`` target) is answered in kind, as SRU 1.2 inside a SOAP envelope.

One SRU record per cluster, not per holder's record: a client searching a union catalogue
wants each manifestation once and to see who holds it, as WorldCat's SRU service answers.
The record is the cluster's first MARC 21 record (holders in name order), whole, as its
holder sent it, with that record's own 852 fields replaced by one 852 per held record:
$a the holder's ISIL (its name if it has none), $b the location and $h the call number
of its first holding when known, $n the holder's country (ISO 3166-1 alpha-2, where MARC
expects a MARC country code: our holders are identified by ISO codes everywhere else).
A cluster with no MARC 21 record (UNIMARC, CNMARC only) gets a surrogate diagnostic 67 in
``marcxml`` and its first record's Dublin Core in ``dc``.

Indexes (case-insensitive; unprefixed names are the default context set ``bb``):

    cql.serverChoice, a bare term, any, keyword(s), cql.anywhere, cql.keywords  any word
    title, dc.title, bath.title                              title words
    name, author, creator, dc.creator, dc.contributor, bath.name, bath.author  names
    subject, dc.subject, bath.subject                        subject words
    isbn, bath.isbn / issn, bath.issn / oclc                 identifiers, normalised
    identifier, dc.identifier     an ISBN, ISSN or OCLC number, told apart by its shape
    year, date, dc.date                                      year (numeric relations)
    language, dc.language         ISO 639-2/B code (eng, chi, jpn)
    holder                        the holder's ISIL or its id here
    country                       the holder's country, ISO 3166-1 alpha-2
    cql.allRecords                every record (``cql.allRecords = 1``)

Relations: ``=``, ``all``, ``adj``, ``==``, ``exact`` find every word of the term (the
index has no word positions, so ``adj`` and ``exact`` are read as ``all``); ``any`` finds
any word; ``<``, ``>``, ``<=``, ``>=``, ``<>``, ``within`` ("1990 1999") for years. Relation
modifiers other than ignoreCase/ignoreAccents/relevant, boolean modifiers, ``prox``,
masking (``*``, ``?``) and anchoring (``^``) are answered with diagnostics. ``sortBy`` and
``sortKeys`` are ignored with a non-fatal diagnostic 80: results come best first (title
matches first, then newest).

Diagnostic messages are English on purpose: they are protocol text for the client
software and its operators, like the diagnostic URIs themselves, not page text.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from bibliobridge.partners.enums import IdentifierScheme
from bibliobridge.partners.models import Identifier

from . import cql, search, searching
from .enums import Flavour
from .marc.normalise import isbn13
from .models import Record
from .oai import marcxml, oai_dc
from .searching import Hit
from .text import tokens

SRU2_NS = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG2_NS = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
SRU1_NS = "http://www.loc.gov/zing/srw/"
DIAG1_NS = "http://www.loc.gov/zing/srw/diagnostic/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
ZEEREX_NS = "http://explain.z3950.org/dtd/2.0/"
SRW_DC_NS = "info:srw/schema/1/dc-schema"
DC_NS = "http://purl.org/dc/elements/1.1/"
MARC_NS = "http://www.loc.gov/MARC21/slim"

MARCXML = "info:srw/schema/1/marcxml-v1.1"
DC = "info:srw/schema/1/dc-v1.1"
DIAGNOSTIC_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"
ZEEREX = "http://explain.z3950.org/dtd/2.0/"
SCHEMAS = {  # name a client may send (lower case) → schema identifier
    "marcxml": MARCXML,
    "marc21": MARCXML,
    "marc21xml": MARCXML,
    "marc21-xml": MARCXML,
    "marcxml-v1.1": MARCXML,
    MARCXML: MARCXML,
    MARC_NS.lower(): MARCXML,
    "dc": DC,
    "dc-v1.1": DC,
    DC: DC,
    SRW_DC_NS: DC,
    DC_NS: DC,
}
SCHEMA_TITLES = {MARCXML: ("marcxml", "MARC 21 slim"), DC: ("dc", "Dublin Core")}

DEFAULT_RECORDS = 10
MAX_RECORDS = 100
OLD_VERSIONS = ("1.0", "1.1", "1.2")

PARAMETERS = {
    "version", "operation", "query", "queryType", "startRecord", "maximumRecords",
    "recordSchema", "recordPacking", "recordXMLEscaping", "resultSetTTL", "sortKeys",
    "stylesheet", "httpAccept", "renderedBy", "responseType", "extraRequestData",
    "facetLimit", "facetStart", "facetSort", "facetCount", "scanClause",
}  # fmt: skip

# Diagnostic number → its title in the SRU diagnostics list (protocol text, English).
MESSAGES = {
    1: "General system error",
    4: "Unsupported operation",
    5: "Unsupported version",
    6: "Unsupported parameter value",
    7: "Mandatory parameter not supplied",
    8: "Unsupported parameter",
    10: "Query syntax error",
    16: "Unsupported index",
    19: "Unsupported relation",
    20: "Unsupported relation modifier",
    27: "Empty term unsupported",
    28: "Masking character not supported",
    31: "Anchoring character not supported",
    36: "Term in invalid format for index or relation",
    37: "Unsupported boolean operator",
    46: "Unsupported boolean modifier",
    61: "First record position out of range",
    66: "Unknown schema for retrieval",
    67: "Record not available in this schema",
    71: "Unsupported record packing",
    80: "Sort not supported",
}


class Diagnostic(Exception):
    """An SRU diagnostic: fatal when raised, non-fatal when only collected."""

    def __init__(self, number: int, details: str = "") -> None:
        super().__init__(f"{number} {MESSAGES[number]}: {details}")
        self.number = number
        self.details = details

    @property
    def uri(self) -> str:
        return f"info:srw/diagnostic/1/{self.number}"


# --- CQL onto the catalogue's index --------------------------------------------------------

WORDS = (searching.ANY, searching.TITLE, searching.NAME, searching.SUBJECT)
IDENTIFIER, ALL_RECORDS = "identifier", "all"
CONTEXT_SETS = {  # prefix → (identifier, {index → namespace})
    "bb": (
        "info:bibliobridge/cql-context-set/catalogue-v1",
        {
            "any": searching.ANY,
            "keyword": searching.ANY,
            "keywords": searching.ANY,
            "title": searching.TITLE,
            "name": searching.NAME,
            "author": searching.NAME,
            "creator": searching.NAME,
            "subject": searching.SUBJECT,
            "isbn": searching.ISBN,
            "issn": searching.ISSN,
            "oclc": searching.OCLC,
            "identifier": IDENTIFIER,
            "year": searching.YEAR,
            "date": searching.YEAR,
            "language": searching.LANGUAGE,
            "holder": searching.HOLDER,
            "country": searching.COUNTRY,
        },
    ),
    "cql": (
        "info:srw/cql-context-set/1/cql-v1.2",
        {
            "serverchoice": searching.ANY,
            "anywhere": searching.ANY,
            "keywords": searching.ANY,
            "allrecords": ALL_RECORDS,
        },
    ),
    "dc": (
        "info:srw/cql-context-set/1/dc-v1.1",
        {
            "title": searching.TITLE,
            "creator": searching.NAME,
            "contributor": searching.NAME,
            "subject": searching.SUBJECT,
            "date": searching.YEAR,
            "language": searching.LANGUAGE,
            "identifier": IDENTIFIER,
        },
    ),
    "bath": (
        "http://zing.z3950.org/cql/bath/2.0/",
        {
            "any": searching.ANY,
            "title": searching.TITLE,
            "name": searching.NAME,
            "author": searching.NAME,
            "subject": searching.SUBJECT,
            "isbn": searching.ISBN,
            "issn": searching.ISSN,
        },
    ),
}
DEFAULT_SET = "bb"
INDEX_TITLES = {
    searching.ANY: "Any word: titles, names, subjects",
    searching.TITLE: "Title words, in every script held",
    searching.NAME: "Names of persons and bodies",
    searching.SUBJECT: "Subject words",
    searching.ISBN: "ISBN (10 or 13 digits)",
    searching.ISSN: "ISSN",
    searching.OCLC: "OCLC number",
    IDENTIFIER: "ISBN, ISSN or OCLC number",
    searching.YEAR: "Year of publication",
    searching.LANGUAGE: "Language, ISO 639-2/B code",
    searching.HOLDER: "Holding library: ISIL or id",
    searching.COUNTRY: "Holding library's country, ISO 3166-1 alpha-2",
    ALL_RECORDS: "Every record",
}

EQUALS = {"=", "==", "all", "adj", "exact", "cql.all", "cql.adj", "cql.exact", "cql.="}
ANY_RELATIONS = {"any", "cql.any"}
ORDER = {"<", ">", "<=", ">="}
YEAR_ONLY = ORDER | {"<>", "within", "cql.within"}
RELATIONS = ["=", "==", "all", "any", "adj", "exact", "<", ">", "<=", ">=", "<>", "within"]
HARMLESS_MODIFIERS = {"ignorecase", "ignoreaccents", "relevant"}
_ISSN = re.compile(r"\d{4}-?\d{3}[\dXx]")
_YEAR = re.compile(r"\d{1,4}")


@dataclass
class Mapped:
    query: search.Query
    rank_words: list[str] = field(default_factory=list)  # any-word texts: titles first


def resolve_index(name: str, prefixes: Mapping[str, str]) -> str:
    """The namespace (or IDENTIFIER, ALL_RECORDS) an index name stands for; Diagnostic 16."""
    prefix, _, local = name.rpartition(".")
    prefix = prefix or DEFAULT_SET
    if prefix in prefixes:  # ">x=info:srw/cql-context-set/1/dc-v1.1 x.title=..."
        known = {uri: set_name for set_name, (uri, _) in CONTEXT_SETS.items()}
        prefix = known.get(prefixes[prefix], prefix)
    indexes = CONTEXT_SETS.get(prefix, ("", {}))[1]
    if local not in indexes:
        raise Diagnostic(16, name)
    return indexes[local]


def to_search(query: cql.Query) -> Mapped:
    """The catalogue's query tree for a parsed CQL query; raises Diagnostic."""
    words: list[str] = []
    return Mapped(_node(query.root, query.prefixes, words, positive=True), words)


def _node(
    node: cql.Node, prefixes: Mapping[str, str], words: list[str], positive: bool
) -> search.Query:
    if isinstance(node, cql.Boolean):
        if node.operator == "prox":
            raise Diagnostic(37, "prox")
        if node.modifiers:
            raise Diagnostic(46, node.modifiers[0].name)
        left = _node(node.left, prefixes, words, positive)
        right = _node(node.right, prefixes, words, positive and node.operator != "not")
        if node.operator == "and":
            return search.And(left, right)
        if node.operator == "or":
            return search.Or(left, right)
        return search.And(left, search.Not(right))
    return _clause(node, prefixes, words, positive)


def _clause(
    clause: cql.Clause, prefixes: Mapping[str, str], words: list[str], positive: bool
) -> search.Query:
    namespace = resolve_index(clause.index, prefixes)
    relation = clause.relation.name
    for modifier in clause.relation.modifiers:
        if modifier.name.rpartition(".")[2] not in HARMLESS_MODIFIERS:
            raise Diagnostic(20, modifier.name)
    if relation not in EQUALS | ANY_RELATIONS | YEAR_ONLY:
        raise Diagnostic(19, relation)
    if namespace == ALL_RECORDS:
        return search.All()
    text = _term_text(clause.term)
    if namespace == searching.YEAR:
        return _year(relation, text)
    if relation in YEAR_ONLY:
        raise Diagnostic(19, f"{relation} on {clause.index}")
    values = text.split() if relation in ANY_RELATIONS else [text]
    if namespace in WORDS:
        if not tokens(text):
            raise Diagnostic(27, clause.term)
        if positive and namespace == searching.ANY:
            words.append(text)
        parts: list[search.Query] = [search.Term(namespace, value) for value in values]
    else:
        if relation not in ANY_RELATIONS:
            values = text.split() if namespace != searching.HOLDER else [text]
        parts = [_identifier(namespace, value) for value in values]
        if relation not in ANY_RELATIONS and len(parts) > 1:
            return search.And(*parts)
    return parts[0] if len(parts) == 1 else search.Or(*parts)


def _term_text(term: str) -> str:
    """The term unescaped, refused if it masks or anchors (the index cannot)."""
    unescaped = re.sub(r"\\.", "", term)
    if "*" in unescaped or "?" in unescaped:
        raise Diagnostic(28, term)
    if "^" in unescaped:
        raise Diagnostic(31, term)
    text = cql.unescape(term).strip()
    if not text:
        raise Diagnostic(27, term)
    return text


def _year(relation: str, text: str) -> search.Query:
    if relation in ("within", "cql.within"):
        bounds = text.split()
        if len(bounds) != 2 or not all(_YEAR.fullmatch(b) for b in bounds):
            raise Diagnostic(36, text)
        return search.Range(searching.YEAR, int(bounds[0]), int(bounds[1]))
    years = text.split()
    if not years or not all(_YEAR.fullmatch(y) for y in years):
        raise Diagnostic(36, text)
    if relation in ANY_RELATIONS:
        return search.Or(*(search.Range(searching.YEAR, int(y), int(y)) for y in years))
    if len(years) != 1:
        raise Diagnostic(36, text)
    year = int(years[0])
    return {
        "<": search.Range(searching.YEAR, None, year - 1),
        "<=": search.Range(searching.YEAR, None, year),
        ">": search.Range(searching.YEAR, year + 1, None),
        ">=": search.Range(searching.YEAR, year, None),
        "<>": search.Not(search.Range(searching.YEAR, year, year)),
    }.get(relation, search.Range(searching.YEAR, year, year))


def _identifier(namespace: str, value: str) -> search.Query:
    if namespace == IDENTIFIER:
        if isbn13(value):
            namespace = searching.ISBN
        elif is_issn(value):
            namespace = searching.ISSN
        else:
            namespace = searching.OCLC
    if namespace == searching.ISBN:
        return search.Term(namespace, isbn13(value) or value, exact=True)
    if namespace == searching.ISSN:
        return search.Term(namespace, searching.normal_issn(value), exact=True)
    if namespace == searching.OCLC:
        digits = "".join(c for c in value if c.isdigit()).lstrip("0")
        return search.Term(namespace, digits or value, exact=True)
    if namespace == searching.HOLDER:
        return search.Term(namespace, _holder_id(value), exact=True)
    return search.Term(namespace, value.lower(), exact=True)


def is_issn(value: str) -> bool:
    """Eight characters with a good ISSN check digit (an OCLC number is eight digits too)."""
    if not _ISSN.fullmatch(value):
        return False
    compact = value.replace("-", "").upper()
    total = sum(
        int(digit) * weight for digit, weight in zip(compact[:7], range(8, 1, -1), strict=True)
    )
    check = (11 - total % 11) % 11
    return compact[7] == ("X" if check == 10 else str(check))


def _holder_id(value: str) -> str:
    if value.isdigit():
        return value
    found = (
        Identifier.objects.filter(scheme=IdentifierScheme.ISIL, value__iexact=value)
        .values_list("institution_id", flat=True)
        .first()
    )
    return str(found) if found else f"unknown:{value}"


# --- Records --------------------------------------------------------------------------------


@dataclass
class Holders:
    """What the records of one page need besides their hits: ISILs, originals, and each
    hit's first record in full (hits carry only queries.MEMBER_FIELDS of their records)."""

    isil: dict[int, str]
    # record id → (raw, raw_syntax, raw_encoding); raw a memoryview on PostgreSQL
    originals: dict[int, tuple[bytes | memoryview, str, str]]
    firsts: dict[int, Record]

    @classmethod
    def of(cls, hits: list[Hit]) -> "Holders":
        records = [r for hit in hits for r in hit.records]
        marc21 = [r.pk for r in records if r.flavour == Flavour.MARC21]
        originals = Record.objects.filter(pk__in=marc21).values_list(
            "pk", "raw", "raw_syntax", "raw_encoding"
        )
        return cls(
            isil=dict(
                Identifier.objects.filter(
                    institution_id__in={r.holder_id for r in records},
                    scheme=IdentifierScheme.ISIL,
                ).values_list("institution_id", "value")
            ),
            originals={pk: (raw, syntax, encoding) for pk, raw, syntax, encoding in originals},
            firsts=Record.objects.defer("raw").in_bulk(
                [h.records[0].pk for h in hits if h.records]
            ),
        )


def cluster_marcxml(hit: Hit, holders: Holders) -> etree._Element | None:
    """The cluster's first MARC 21 record with the holdings of all (module docstring)."""
    for record in hit.records:
        if record.flavour != Flavour.MARC21:
            continue
        raw, record.raw_syntax, record.raw_encoding = holders.originals[record.pk]
        record.raw = bytes(raw)
        element = marcxml(record)
        if element is not None:
            break
    else:
        return None
    for old in element.findall(f"{{{MARC_NS}}}datafield[@tag='852']"):
        element.remove(old)
    later = [d for d in element.findall(f"{{{MARC_NS}}}datafield") if d.get("tag", "") > "852"]
    at = element.index(later[0]) if later else len(element)
    for offset, record in enumerate(hit.records):
        element.insert(at + offset, _holding(record, holders.isil))
    return element


def _holding(record: Record, isil: Mapping[int, str]) -> etree._Element:
    field_ = etree.Element(f"{{{MARC_NS}}}datafield", tag="852", ind1=" ", ind2=" ")

    def add(code: str, value: str) -> None:
        if value:
            etree.SubElement(field_, f"{{{MARC_NS}}}subfield", code=code).text = value

    holding = record.holdings[0] if record.holdings else {}
    add("a", isil.get(record.holder_id) or record.holder.name)
    add("b", holding.get("location", ""))
    add("h", holding.get("call_number", ""))
    add("n", record.holder.country)
    return field_


def cluster_dc(hit: Hit, holders: Holders) -> etree._Element:
    """Simple Dublin Core of the cluster's first record, in SRU's dc schema."""
    record = holders.firsts[hit.records[0].pk]
    dc = etree.Element(f"{{{SRW_DC_NS}}}dc", nsmap={"srw_dc": SRW_DC_NS, "dc": DC_NS})
    dc.extend(list(oai_dc(record)))
    return dc


# --- Requests and responses --------------------------------------------------------------


@dataclass
class Request:
    params: dict[str, str]
    version: str  # as answered: "2.0", or the 1.x the client asked for
    soap: bool = False

    @property
    def old(self) -> bool:
        return self.version in OLD_VERSIONS

    @property
    def ns(self) -> str:
        return SRU1_NS if self.old else SRU2_NS

    @property
    def diag_ns(self) -> str:
        return DIAG1_NS if self.old else DIAG2_NS

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def root(self, name: str) -> etree._Element:
        root = etree.Element(self.q(name), nsmap={"zs": self.ns})
        if self.old:
            self.add(root, "version", self.version)
        return root

    def add(self, parent: etree._Element, name: str, text: object = None) -> etree._Element:
        element = etree.SubElement(parent, self.q(name))
        if text is not None:
            element.text = str(text)
        return element

    def diagnostics(self, parent: etree._Element, found: list[Diagnostic]) -> None:
        if not found:
            return
        holder = self.add(parent, "diagnostics")
        for diagnostic in found:
            holder.append(self.diagnostic(diagnostic))

    def diagnostic(self, diagnostic: Diagnostic) -> etree._Element:
        element = etree.Element(f"{{{self.diag_ns}}}diagnostic", nsmap={"diag": self.diag_ns})
        for name, text in (
            ("uri", diagnostic.uri),
            ("details", diagnostic.details),
            ("message", MESSAGES[diagnostic.number]),
        ):
            if text:
                etree.SubElement(element, f"{{{self.diag_ns}}}{name}").text = _clean(text)
        return element

    def record(
        self, parent: etree._Element, schema: str, data: etree._Element, position: int | None
    ) -> None:
        record = self.add(parent, "record")
        self.add(record, "recordSchema", schema)
        escaping = self.escaping()
        self.add(record, "recordPacking" if self.old else "recordXMLEscaping", escaping)
        holder = self.add(record, "recordData")
        if escaping == "string":
            holder.text = etree.tostring(data, encoding="unicode")
        else:
            holder.append(data)
        if position is not None:
            self.add(record, "recordPosition", position)

    def escaping(self) -> str:
        if self.old:
            return self.params.get("recordPacking") or "xml"
        return self.params.get("recordXMLEscaping") or "xml"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    """The SRU base URL: GET, POST form-encoded, or POST SOAP (SRW 1.1/1.2)."""
    content_type = request.content_type or ""
    soap = request.method == "POST" and "xml" in content_type
    if soap:
        try:
            params = soap_params(request.body)
        except ValueError as error:
            return _soap_fault(str(error))
    else:
        query = request.POST if request.method == "POST" else request.GET
        params = {name: query.get(name, "") for name in query}
    highest = "1.2" if soap else "2.0"  # SRW (SOAP) is SRU 1.x only
    asked = params.get("version") or highest
    supported = asked in OLD_VERSIONS or asked == highest
    sru = Request(params, asked if supported else highest)
    operation = params.get("operation") or ("searchRetrieve" if "query" in params else "explain")
    if not supported:
        root = _failed(sru, Diagnostic(5, highest))
    elif operation == "explain":
        root = explain(sru, request)
    elif operation == "searchRetrieve":
        root = search_retrieve(sru)
    else:
        root = _failed(sru, Diagnostic(4, operation))
    if soap:
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_NS})
        etree.SubElement(envelope, f"{{{SOAP_NS}}}Body").append(root)
        root = envelope
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    content = "text/xml" if sru.old else "application/sru+xml"
    return HttpResponse(xml, content_type=f"{content}; charset=utf-8")


def soap_params(body: bytes) -> dict[str, str]:
    """An SRW request's parameters; its element's name gives the operation."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"not XML: {error}") from error
    found = root.find(f"{{{SOAP_NS}}}Body")
    if root.tag != f"{{{SOAP_NS}}}Envelope" or found is None or len(found) == 0:
        raise ValueError("no SOAP Envelope with a Body")
    element = found[0]
    name = etree.QName(element).localname
    operation = name.removesuffix("Request") if name.endswith("Request") else name
    params = {"operation": operation}
    for child in element:
        if isinstance(child.tag, str):
            params[etree.QName(child).localname] = (child.text or "").strip()
    return params


def _soap_fault(message: str) -> HttpResponse:
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"SOAP-ENV": SOAP_NS})
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP_NS}}}Body"), f"{{{SOAP_NS}}}Fault"
    )
    etree.SubElement(fault, "faultcode").text = "SOAP-ENV:Client"
    etree.SubElement(fault, "faultstring").text = message
    xml = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return HttpResponse(xml, status=500, content_type="text/xml; charset=utf-8")


def _failed(sru: Request, diagnostic: Diagnostic) -> etree._Element:
    root = sru.root("searchRetrieveResponse")
    sru.add(root, "numberOfRecords", 0)
    sru.diagnostics(root, [diagnostic])
    return root


def _check_parameters(sru: Request) -> None:
    for name in sru.params:
        if name not in PARAMETERS and not name.startswith("x-"):
            raise Diagnostic(8, name)


def explain(sru: Request, request: HttpRequest) -> etree._Element:
    root = sru.root("explainResponse")
    problems = []
    try:
        _check_parameters(sru)
        _escaping(sru)
    except Diagnostic as diagnostic:
        problems.append(diagnostic)
        sru.params.pop("recordPacking" if sru.old else "recordXMLEscaping", None)
    sru.record(root, ZEEREX, zeerex(request), None)
    sru.diagnostics(root, problems)
    return root


def _escaping(sru: Request) -> str:
    value = sru.escaping()
    if value not in ("xml", "string"):
        raise Diagnostic(71, value)
    if not sru.old and sru.params.get("recordPacking", "packed") != "packed":
        raise Diagnostic(6, "recordPacking")
    return value


def zeerex(request: HttpRequest) -> etree._Element:
    """The explain record (ZeeRex 2.0): where we are, indexes, schemas, defaults."""
    z = ZEEREX_NS

    def sub(parent: etree._Element, tag: str, text: object = None, /, **attributes: str):
        element = etree.SubElement(parent, f"{{{z}}}{tag}", **attributes)
        if text is not None:
            element.text = str(text)
        return element

    root = etree.Element(f"{{{z}}}explain", nsmap={None: z})
    location = urlsplit("//" + request.get_host())
    server = sub(root, "serverInfo", protocol="SRU", version="2.0", transport="http")
    sub(server, "host", location.hostname or "localhost")
    sub(server, "port", location.port or (443 if request.is_secure() else 80))
    sub(server, "database", request.path.lstrip("/") or "sru")
    database = sub(root, "databaseInfo")
    sub(database, "title", "Bibliobridge union catalogue", lang="en", primary="true")
    sub(
        database,
        "description",
        "Partner libraries' records, one record per manifestation (cluster), "
        "with every holder's holdings in 852 fields of the MARC 21 record.",
        lang="en",
        primary="true",
    )
    index_info = sub(root, "indexInfo")
    for name, (identifier, _) in CONTEXT_SETS.items():
        sub(index_info, "set", identifier=identifier, name=name)
    by_namespace: dict[str, list[tuple[str, str]]] = {}
    for set_name, (_, indexes) in CONTEXT_SETS.items():
        for index, namespace in indexes.items():
            by_namespace.setdefault(namespace, []).append((set_name, index))
    for namespace, names in by_namespace.items():
        index = sub(index_info, "index", search="true", scan="false", sort="false")
        sub(index, "title", INDEX_TITLES[namespace], lang="en")
        for set_name, local in names:
            sub(sub(index, "map"), "name", local, set=set_name)
    schema_info = sub(root, "schemaInfo")
    for identifier, (name, title) in SCHEMA_TITLES.items():
        schema = sub(schema_info, "schema", identifier=identifier, name=name, retrieve="true")
        sub(schema, "title", title, lang="en")
    config = sub(root, "configInfo")
    sub(config, "default", DEFAULT_RECORDS, type="numberOfRecords")
    sub(config, "default", DEFAULT_SET, type="contextSet")
    sub(config, "default", "cql.serverChoice", type="index")
    sub(config, "default", "=", type="relation")
    sub(config, "default", "marcxml", type="retrieveSchema")
    sub(config, "setting", MAX_RECORDS, type="maximumRecords")
    for relation in RELATIONS:
        sub(config, "supports", relation, type="relation")
    for boolean in ("and", "or", "not"):
        sub(config, "supports", boolean, type="booleanOperator")
    for modifier in sorted(HARMLESS_MODIFIERS):
        sub(config, "supports", modifier, type="relationModifier")
    return root


def _positive(sru: Request, name: str, default: int, minimum: int) -> int:
    value = sru.params.get(name, "")
    if value == "":
        return default
    if not value.isdigit() or int(value) < minimum:
        raise Diagnostic(6, name)
    return int(value)


def search_retrieve(sru: Request) -> etree._Element:
    root = sru.root("searchRetrieveResponse")
    warnings: list[Diagnostic] = []
    try:
        _check_parameters(sru)
        text = sru.params.get("query", "")
        if not text.strip():
            raise Diagnostic(7, "query")
        if sru.params.get("queryType", "cql") != "cql":
            raise Diagnostic(6, "queryType")
        start = _positive(sru, "startRecord", 1, 1)
        maximum = min(_positive(sru, "maximumRecords", DEFAULT_RECORDS, 0), MAX_RECORDS)
        requested = sru.params.get("recordSchema") or "marcxml"
        schema = SCHEMAS.get(requested.lower())
        if schema is None:
            raise Diagnostic(66, requested)
        _escaping(sru)
        try:
            parsed = cql.parse(text)
        except cql.CQLSyntaxError as error:
            raise Diagnostic(10, str(error)) from error
        if parsed.sort_keys or sru.params.get("sortKeys"):
            warnings.append(Diagnostic(80, "results are in the server's order"))
        mapped = to_search(parsed)
        rank = [search.Term(searching.TITLE, " ".join(mapped.rank_words))]
        found = searching.find_query(
            mapped.query, start - 1, maximum, rank=rank if mapped.rank_words else ()
        )
        if found.total and start > found.total:
            raise Diagnostic(61, str(start))
    except Diagnostic as diagnostic:
        sru.params.pop("recordPacking" if sru.old else "recordXMLEscaping", None)
        return _failed(sru, diagnostic)
    sru.add(root, "numberOfRecords", found.total)
    if found.hits:
        records = sru.add(root, "records")
        holders = Holders.of(found.hits)
        for position, hit in enumerate(found.hits, start):
            _record(sru, records, schema, hit, holders, position)
        following = start + len(found.hits)
        if following <= found.total:
            sru.add(root, "nextRecordPosition", following)
    if not sru.old:
        echo = sru.add(root, "echoedSearchRetrieveRequest")
        for name in ("queryType", "query", "startRecord", "maximumRecords",
                     "recordXMLEscaping", "recordPacking", "recordSchema"):  # fmt: skip
            if sru.params.get(name):
                sru.add(echo, name, sru.params[name])
    sru.diagnostics(root, warnings)
    return root


BUILDERS: dict[str, Callable[[Hit, Holders], etree._Element | None]] = {
    MARCXML: cluster_marcxml,
    DC: cluster_dc,
}


def _record(
    sru: Request,
    parent: etree._Element,
    schema: str,
    hit: Hit,
    holders: Holders,
    position: int,
) -> None:
    data = BUILDERS[schema](hit, holders)
    if data is None:
        surrogate = Diagnostic(67, f"cluster {hit.cluster.pk}: no MARC 21 record")
        sru.record(parent, DIAGNOSTIC_SCHEMA, sru.diagnostic(surrogate), position)
    else:
        sru.record(parent, schema, data, position)


# Mounted at /sru by the project's urls.py: path("sru", include("bibliobridge.catalog.sru")).
urlpatterns = [path("", endpoint, name="sru")]
