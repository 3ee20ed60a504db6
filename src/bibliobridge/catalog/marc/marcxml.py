"""MARCXML records from a byte stream, in constant memory, with DTDs refused.

A MARC record is any element named ``record`` (in any namespace, or none) whose children
are ``leader`` / ``controlfield`` / ``datafield``: so a MARC 21 slim collection, a lone
record, an OAI-PMH or SRU response, and the CNMARC "MARCXML-style" records of Chinese
systems all read the same way. Several top-level records without a collection (which
some systems write) are read too: the document is parsed inside a wrapper element.
"""

import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from . import problems
from .normalise import marc21, marc21_kind, unimarc, unimarc_flavour, unimarc_kind
from .record import FileProblem, Flavour, Kind, NormalisedRecord, RecordProblem
from .source import Source

CHUNK = 1 << 16
_WRAPPER = b"bibliobridge-wrapper"
_VALID_INDICATOR = frozenset("0123456789abcdefghijklmnopqrstuvwxyz |")
_MARC_CHILDREN = frozenset({"leader", "controlfield", "datafield"})
_UNIMARC_FAMILY = (Flavour.UNIMARC, Flavour.CNMARC, Flavour.RUSMARC)
# MARC21slim.xsd's pattern for a leader.
_LEADER = re.compile(
    r"[\d ]{5}[\dA-Za-z ][\dA-Za-z][\dA-Za-z ]{3}[2 ][2 ][\d ]{5}[\dA-Za-z ]{3}(4500|    )"
)


def scan_prolog(head: bytes) -> tuple[int, int]:
    """Where the XML declaration ends, and the line of a DOCTYPE (0 when there is none)."""
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    decl_end = i
    if head.startswith(b"<?xml", i):
        end = head.find(b"?>", i)
        if end < 0:
            return i, 0
        decl_end = i = end + 2
    while True:
        while i < len(head) and head[i] in b" \t\r\n":
            i += 1
        if head.startswith(b"<!--", i):
            end = head.find(b"-->", i)
            if end < 0:
                return decl_end, 0
            i = end + 3
        elif head.startswith(b"<?", i):
            end = head.find(b"?>", i)
            if end < 0:
                return decl_end, 0
            i = end + 2
        elif head[i : i + 9].upper() == b"<!DOCTYPE" or head.startswith(b"<!ENTITY", i):
            return decl_end, head.count(b"\n", 0, i) + 1
        else:
            return decl_end, 0


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(value: str | None) -> str:
    if not value:
        return ""
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def read_xml(
    stream: BinaryIO, head: bytes, flavour: str | None = None
) -> Iterator[NormalisedRecord | RecordProblem]:
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    if utf16:
        scan = head.decode("utf-16", "replace").encode("utf-8")
        decl_end, doctype_line = scan_prolog(scan)
    else:
        decl_end, doctype_line = scan_prolog(head)
    if doctype_line:
        raise FileProblem(problems.XML_DTD_REFUSED, line=doctype_line)
    parser = etree.XMLPullParser(
        events=("end",),
        tag="{*}record",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    state = {"number": 0, "family": flavour, "root": ""}

    def feed(data: bytes) -> etree.XMLSyntaxError | None:
        try:
            parser.feed(data)
        except etree.XMLSyntaxError as error:
            return error
        return None

    # The records before a syntax error are sound: hand them out, then report the error.
    if utf16:
        error = feed(head)
    else:
        error = feed(head[:decl_end] + b"<" + _WRAPPER + b">" + head[decl_end:])
    while True:
        yield from _records(parser, state, flavour)
        if error is not None:
            _raise(error)
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        error = feed(chunk)
    if not utf16:
        error = feed(b"</" + _WRAPPER + b">")
        if error is not None:
            yield from _records(parser, state, flavour)
            _raise(error)
    try:
        root = parser.close()
    except etree.XMLSyntaxError as close_error:
        yield from _records(parser, state, flavour)
        _raise(close_error)
    yield from _records(parser, state, flavour)
    if state["number"] == 0:
        if not utf16 and len(root):
            root = root[0]
        raise FileProblem(problems.XML_NO_MARC_RECORDS, root=_local(str(root.tag)))


def _raise(error: etree.XMLSyntaxError) -> None:
    message = str(error.msg or error)
    line = error.lineno or (error.position[0] if error.position else 0)
    if "DOCTYPE" in message or "Entity" in message or "entity" in message:
        raise FileProblem(problems.XML_DTD_REFUSED, line=line) from None
    if "encoding" in message.lower() and "unsupported" in message.lower():
        raise FileProblem(problems.XML_UNSUPPORTED_ENCODING, error=message) from None
    raise FileProblem(problems.XML_NOT_WELL_FORMED, line=line, error=message) from None


def _records(parser, state, hint) -> Iterator[NormalisedRecord | RecordProblem]:
    try:
        events = list(parser.read_events())
    except etree.XMLSyntaxError as error:
        _raise(error)
    for _event, elem in events:
        is_marc = any(isinstance(c.tag, str) and _local(c.tag) in _MARC_CHILDREN for c in elem)
        if is_marc:
            state["number"] += 1
            yield _record(elem, state, hint)
        elem.clear(keep_tail=False)
        parent = elem.getparent()
        if parent is not None:
            while elem.getprevious() is not None:
                del parent[0]


def _record(elem, state, hint) -> NormalisedRecord | RecordProblem:
    number = state["number"]
    line = elem.sourceline or 0
    leader = ""
    control: dict[str, str] = {}
    data: dict[str, list] = {}
    tags = set()
    bad_indicators = None
    has_leader = False
    for child in elem:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if name == "leader":
            leader = child.text or ""
            has_leader = True
        elif name == "controlfield":
            tag = child.get("tag", "")
            tags.add(tag)
            if tag not in control:
                control[tag] = _text(child.text)
        elif name == "datafield":
            tag = child.get("tag", "")
            tags.add(tag)
            ind1, ind2 = child.get("ind1", " "), child.get("ind2", " ")
            indicators = (ind1 + " ")[:1] + (ind2 + " ")[:1]
            if (
                len(ind1) != 1
                or len(ind2) != 1
                or ind1 not in _VALID_INDICATOR
                or ind2 not in _VALID_INDICATOR
            ):
                bad_indicators = bad_indicators or (tag, ind1 + ind2)
            subfields = [
                (sf.get("code", ""), _text(sf.text))
                for sf in child
                if isinstance(sf.tag, str) and _local(sf.tag) == "subfield"
            ]
            data.setdefault(tag, []).append((indicators, subfields))
    if not has_leader:
        return RecordProblem(
            number=number,
            offset=line,
            code=problems.XML_RECORD_WITHOUT_LEADER,
            params={"number": number, "offset": line},
            local_id=control.get("001", "").strip(),
        )
    warnings: list[str] = []
    if not _LEADER.fullmatch(leader):
        warnings.append(problems.warning(problems.INVALID_LEADER_KEPT, leader=leader))
    leader = (leader + " " * 24)[:24]
    if bad_indicators:
        warnings.append(
            problems.warning(
                problems.INVALID_INDICATORS,
                tag=bad_indicators[0],
                indicators=repr(bad_indicators[1]),
            )
        )
    namespace = elem.tag.partition("}")[0].lstrip("{") if elem.tag.startswith("{") else ""
    src = Source(
        leader=leader,
        control=control,
        data=data,
        tags=frozenset(tags),
        warnings=warnings,
        namespace=namespace,
    )

    if hint:
        flavour = hint
    elif "245" in tags:
        flavour = Flavour.MARC21
    elif "200" in tags or "unimarc" in namespace or "nlc.cn" in namespace:
        flavour = Flavour.UNIMARC
    else:
        flavour = state["family"] or Flavour.MARC21
    state["family"] = flavour
    unimarc_family = flavour in _UNIMARC_FAMILY
    kind = unimarc_kind(leader) if unimarc_family else marc21_kind(leader)
    if kind == Kind.AUTHORITY:
        local_id = control.get("001", "").strip()
        return RecordProblem(
            number=number,
            offset=line,
            code=problems.AUTHORITY_RECORD_SKIPPED,
            params={"number": number, "offset": line, "local_id": local_id},
            local_id=local_id,
        )
    raw = etree.tostring(elem, encoding="utf-8")
    if unimarc_family:
        if not hint:
            flavour = unimarc_flavour(src, "utf-8")
        record = unimarc(src, raw, kind, flavour)
    else:
        record = marc21(src, raw, kind)
    record.raw_syntax = "marcxml"
    record.raw_encoding = "utf-8"
    return record
