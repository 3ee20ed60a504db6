"""Reading ISO 18626 XML: ``parse()`` for messages, ``parse_confirmation()`` for answers.

Safe first. The body is refused above ``MAX_BYTES``; any DOCTYPE is refused, so no entity,
external or internal, is ever expanded (an XML bomb is rejected before it grows); lxml runs
with entity resolution, DTD loading and network access off.

Lenient where real peers deviate, strict where it matters:

- Children are looked up by name, so their order never matters: crosslink and older
  ReShare send bibliographicItemId in 1.2 order in 2021-2 messages and the other way round.
- An empty optional element is an absent one (crosslink sends
  ``<multipleItemRequestId></multipleItemRequestId>`` and ``<supplierInfo></supplierInfo>``).
- Both versions' names are read in either version (sentVia/deliveryMethod,
  deliveredFormat/itemFormat, offeredCosts in messageInfo or retryInfo, region with or
  without a scheme), and elements of one version's header are accepted in the other's.
- Timestamps take ``Z``, ``+00:00``, ``+0000``, any number of fractional digits (Go sends
  nanoseconds) and no offset at all (read as UTC); a date alone is read as midnight UTC.
- An unknown element inside a known structure is ignored: XML extension is how the 2021
  revision grew 1.2's structures (authorId, publisherId, URL ...), and refusing a message
  for a field we would not use anyway loses a loan over nothing. Elements in other
  namespaces are ignored everywhere below the root for the same reason.
- An unknown element directly in a message (next to header, messageInfo ...) is refused
  with UnrecognisedDataElement: both schemas close that level, and a structure we do not
  know there is a part of the transaction we would silently drop.

Which errorType, decided by what the schema says is wrong (and matching the crosslink
broker's answers to its own test messages):

- not XML, wrong root or namespace, no message, a required element absent:
  BadlyFormedMessage;
- a required element present but empty (an empty requestingAgencyRequestId), a value of
  the wrong type (a date that is not one), a closed code-list value we do not know:
  UnrecognisedDataValue;
- an unknown action: UnsupportedActionType; an unknown reasonForMessage:
  UnsupportedReasonForMessageType.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from lxml import etree

from . import codes
from .codes import NAMESPACE
from .messages import (
    Address,
    AgencyId,
    BadlyFormedMessage,
    BibliographicInfo,
    BillingInfo,
    Confirmation,
    Costs,
    DeliveryInfo,
    ElectronicAddress,
    Header,
    Message,
    PatronInfo,
    PhysicalAddress,
    ProtocolError,
    PublicationInfo,
    Request,
    RequestedDelivery,
    RequestingAgencyInfo,
    RequestingAgencyMessage,
    ReturnInfo,
    ServiceInfo,
    ShippingInfo,
    SupplierInfo,
    SupplyingAgencyMessage,
    UnrecognisedDataElement,
    UnrecognisedDataValue,
    UnsupportedActionType,
    UnsupportedReasonForMessageType,
)

MAX_BYTES = 1024 * 1024

_NS = "{" + NAMESPACE + "}"
_ROOT = _NS + "ISO18626Message"

# What each message may hold directly (union of both versions).
_MESSAGE_PARTS = {
    "request": frozenset(
        {
            "header",
            "bibliographicInfo",
            "publicationInfo",
            "serviceInfo",
            "supplierInfo",
            "requestedDeliveryInfo",
            "requestingAgencyInfo",
            "patronInfo",
            "billingInfo",
        }
    ),
    "supplyingAgencyMessage": frozenset(
        {
            "header",
            "messageInfo",
            "statusInfo",
            "retryInfo",
            "deliveryInfo",
            "shippingInfo",
            "returnInfo",
        }
    ),
    "requestingAgencyMessage": frozenset({"header", "action", "note"}),
}

_ACTIONS = codes.accepted(codes.ACTION)
_REASONS = codes.accepted(codes.REASON_FOR_MESSAGE)
_STATUSES = codes.accepted(codes.STATUS)
_SERVICE_TYPES = codes.accepted(codes.SERVICE_TYPE)
_REQUEST_TYPES = codes.accepted(codes.REQUEST_TYPE)
_REQUEST_SUB_TYPES = codes.accepted(codes.REQUEST_SUB_TYPE)
_PREFERRED_EDITIONS = codes.accepted(codes.PREFERRED_EDITION)

_local = threading.local()


def _parser() -> etree.XMLParser:
    # One parser per thread: lxml parsers keep state between documents.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


_WIDE_CODECS = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


def _declares_entities(data: bytes) -> bool:
    # find(), not "in": for bytes, "in" first tries its operand as an integer (a byte's
    # value), and raises and clears a TypeError on every message.
    if data.find(b"<!DOCTYPE") != -1 or data.find(b"<!ENTITY") != -1:
        return True
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data.find(b"\x00", 0, 4) != -1:
        for codec in _WIDE_CODECS:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if "<!DOCTYPE" in text or "<!ENTITY" in text:
                return True
    return False


def load_xml(data: bytes) -> etree._Element:
    """The root element of ``data``, parsed safely; BadlyFormedMessage otherwise."""
    if len(data) > MAX_BYTES:
        raise BadlyFormedMessage(
            f"message of {len(data)} bytes is larger than the {MAX_BYTES} bytes accepted"
        )
    # Checked before parsing so that a bomb is never even built. In an encoding the byte
    # search cannot see, libxml2's amplification limit and the docinfo check below still
    # refuse it, only with a less telling detail.
    if _declares_entities(data):
        raise BadlyFormedMessage("a DOCTYPE or entity declaration is not accepted")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise BadlyFormedMessage(f"not well-formed XML: {error}"[:300]) from None
    except ValueError as error:  # e.g. a str with an encoding declaration
        raise BadlyFormedMessage(f"not XML: {error}"[:300]) from None
    if root.getroottree().docinfo.doctype:
        raise BadlyFormedMessage("a DOCTYPE or entity declaration is not accepted")
    return root


# Timestamps ------------------------------------------------------------------------

_DATETIME = re.compile(
    r"(\d{4,})-(\d\d)-(\d\d)"
    r"(?:[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d\d(?::?\d\d)?)?"
)


# The form nearly every peer writes, which datetime reads by itself several times faster.
_PLAIN_DATETIME = re.compile(
    r"\d{4}-\d\d-\d\dT(?:[01]\d|2[0-3]):\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)"
)


def parse_datetime(text: str) -> datetime:
    """An xs:dateTime as real peers write it, as an aware datetime in UTC; ValueError if
    it is not one."""
    text = text.strip()
    if _PLAIN_DATETIME.fullmatch(text):
        try:
            value = datetime.fromisoformat(text)
            return value if value.tzinfo is UTC else value.astimezone(UTC)
        except (ValueError, OverflowError):
            pass  # a day or second out of range: refused below, as any other
    match = _DATETIME.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    extra = timedelta()
    h = int(hour or 0)
    if h == 24 and not int(minute or 0) and not int(second or 0) and not micro:
        h, extra = 0, timedelta(days=1)  # xs:dateTime allows 24:00:00, the next midnight
    tz = UTC
    if offset and offset not in ("Z", "z"):
        digits = offset[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        tz = timezone(-delta if offset[0] == "-" else delta)
    try:
        value = datetime(
            int(year), int(month), int(day), h, int(minute or 0), int(second or 0), micro, tz
        )
        return (value + extra).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(text) from None


# Element access ---------------------------------------------------------------------


def _text(element: etree._Element) -> str:
    if len(element) == 0:  # text alone, as nearly every element read has
        text = element.text
        return text.strip() if text else ""
    return "".join(element.itertext()).strip()


def _is_empty(element: etree._Element) -> bool:
    return len(element) == 0 and not (element.text or "").strip()


class _Node:
    """An element's children in our namespace, by local name (their order does not matter)."""

    __slots__ = ("name", "children")

    def __init__(self, element: etree._Element, name: str) -> None:
        self.name = name
        self.children: dict[str, list[etree._Element]] = {}
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(_NS):
                self.children.setdefault(tag[len(_NS) :], []).append(child)

    def has(self, name: str) -> bool:
        return name in self.children

    def text(self, name: str) -> str:
        found = self.children.get(name)
        return _text(found[0]) if found else ""

    def texts(self, name: str) -> list[str]:
        return [t for t in (_text(e) for e in self.children.get(name, ())) if t]

    def node(self, name: str) -> _Node | None:
        nodes = self.nodes(name)
        return nodes[0] if nodes else None

    def nodes(self, name: str) -> list[_Node]:
        return [_Node(e, name) for e in self.children.get(name, ()) if not _is_empty(e)]

    def required_node(self, name: str) -> _Node:
        found = self.children.get(name)
        if not found:
            raise BadlyFormedMessage(f"{self.name}/{name}: missing")
        return _Node(found[0], name)

    def timestamp(self, name: str) -> datetime | None:
        text = self.text(name)
        if not text:
            return None
        try:
            return parse_datetime(text)
        except ValueError:
            raise UnrecognisedDataValue(f"{name}: {text!r} is not a date and time") from None

    def required_timestamp(self, name: str) -> datetime:
        if not self.has(name):
            raise BadlyFormedMessage(f"{self.name}/{name}: missing")
        value = self.timestamp(name)
        if value is None:
            raise UnrecognisedDataValue(f"{name}: cannot be empty")
        return value

    def yes_no(self, name: str) -> bool | None:
        text = self.text(name)
        if not text:
            return None
        # type_yesNo is Y or N; xs:boolean's spellings are accepted too.
        value = {"y": True, "n": False, "true": True, "false": False, "1": True, "0": False}
        if text.lower() not in value:
            raise UnrecognisedDataValue(f"{name}: {text!r} is not Y or N")
        return value[text.lower()]

    def integer(self, name: str) -> int | None:
        text = self.text(name)
        if not text:
            return None
        if not re.fullmatch(r"[+-]?\d{1,18}", text):
            raise UnrecognisedDataValue(f"{name}: {text!r} is not an integer")
        return int(text)

    def code(
        self,
        name: str,
        allowed: Collection[str],
        error: type[ProtocolError] = UnrecognisedDataValue,
    ) -> str:
        """An optional closed code-list value: '' when absent or empty."""
        text = self.text(name)
        if text and text not in allowed:
            raise error(f"{name}: unknown value {text!r}")
        return text

    def required_code(
        self,
        name: str,
        allowed: Collection[str],
        error: type[ProtocolError] = UnrecognisedDataValue,
    ) -> str:
        if not self.has(name):
            raise BadlyFormedMessage(f"{self.name}/{name}: missing")
        text = self.text(name)
        if not text:
            raise error(f"{name}: cannot be empty")
        if text not in allowed:
            raise error(f"{name}: unknown value {text!r}")
        return text

    def costs(self, name: str) -> Costs | None:
        node = self.node(name)
        return _costs(node) if node else None

    def agency(self, name: str) -> AgencyId | None:
        """An optional agency id: absent when its value is empty."""
        node = self.node(name)
        if node is None or not node.text("agencyIdValue"):
            return None
        return AgencyId(node.text("agencyIdType"), node.text("agencyIdValue"))


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_CURRENCY = re.compile(r"[A-Za-z]{3}")


def _costs(node: _Node) -> Costs | None:
    amount, currency = node.text("monetaryValue"), node.text("currencyCode")
    if not amount and not currency:
        return None
    if not _DECIMAL.fullmatch(amount):
        raise UnrecognisedDataValue(f"{node.name}/monetaryValue: {amount!r} is not a decimal")
    if not _CURRENCY.fullmatch(currency):
        raise UnrecognisedDataValue(
            f"{node.name}/currencyCode: {currency!r} is not an ISO 4217 code"
        )
    return Costs(Decimal(amount), currency.upper())


def _required_agency(node: _Node, name: str) -> AgencyId:
    if not node.has(name):
        raise BadlyFormedMessage(f"{node.name}/{name}: missing")
    agency = _Node(node.children[name][0], name)
    id_type, value = agency.text("agencyIdType"), agency.text("agencyIdValue")
    if not id_type and not value:
        raise UnrecognisedDataValue(f"{name}: cannot be empty")
    if not value:
        raise UnrecognisedDataValue(f"{name}/agencyIdValue: cannot be empty")
    if not id_type:
        raise UnrecognisedDataValue(f"{name}/agencyIdType: cannot be empty")
    return AgencyId(id_type, value)


def _address(node: _Node | None) -> Address | None:
    if node is None:
        return None
    electronic = node.node("electronicAddress")
    if electronic is not None:
        return ElectronicAddress(
            electronic.text("electronicAddressType"), electronic.text("electronicAddressData")
        )
    return _physical_address(node.node("physicalAddress"))


def _physical_address(node: _Node | None) -> PhysicalAddress | None:
    if node is None:
        return None
    return PhysicalAddress(
        line1=node.text("line1"),
        line2=node.text("line2"),
        locality=node.text("locality"),
        postal_code=node.text("postalCode"),
        region=node.text("region"),  # 1.2 scheme-value pair or 2021-2 string: the value
        country=node.text("country"),
    )


def _addresses(node: _Node) -> list[Address]:
    return [a for a in (_address(n) for n in node.nodes("address")) if a is not None]


def _identifiers(node: _Node, name: str, code: str, identifier: str) -> list[tuple[str, str]]:
    return [
        (n.text(code), n.text(identifier))
        for n in node.nodes(name)
        if n.text(code) or n.text(identifier)
    ]


# Messages ---------------------------------------------------------------------------


def _header(message: _Node, kind: str) -> Header:
    """The header; an error about the request id carries the header read so far, to echo."""
    if not message.has("header"):
        raise BadlyFormedMessage(f"{kind}/header: missing")
    node = message.required_node("header")
    requesting = _required_agency(node, "requestingAgencyId")
    timestamp = node.required_timestamp("timestamp")
    if kind == "request":
        supplying = node.agency("supplyingAgencyId")  # optional since 2021; sent empty
    else:
        supplying = _required_agency(node, "supplyingAgencyId")
    auth = node.node("requestingAgencyAuthentication")
    header = Header(
        requesting_agency=requesting,
        timestamp=timestamp,
        requesting_agency_request_id=node.text("requestingAgencyRequestId"),
        supplying_agency=supplying,
        supplying_agency_request_id=node.text("supplyingAgencyRequestId"),
        multiple_item_request_id=node.text("multipleItemRequestId"),
        account_id=auth.text("accountId") if auth else "",
        security_code=auth.text("securityCode") if auth else "",
        consortial_id=node.agency("consortialId"),
    )
    if not node.has("requestingAgencyRequestId"):
        raise BadlyFormedMessage("header/requestingAgencyRequestId: missing", header=header)
    if not header.requesting_agency_request_id:
        raise UnrecognisedDataValue("requestingAgencyRequestId: cannot be empty", header=header)
    return header


def _request(node: _Node, header: Header) -> Request:
    if not node.has("bibliographicInfo"):
        raise BadlyFormedMessage("request/bibliographicInfo: missing")
    bib = node.required_node("bibliographicInfo")
    publication = node.node("publicationInfo")
    service = node.node("serviceInfo")
    patron = node.node("patronInfo")
    billing = node.node("billingInfo")
    agency_info = node.node("requestingAgencyInfo")
    return Request(
        header=header,
        bibliographic=BibliographicInfo(
            supplier_unique_record_id=bib.text("supplierUniqueRecordId"),
            title=bib.text("title"),
            author=bib.text("author"),
            author_id=bib.text("authorId"),
            subtitle=bib.text("subtitle"),
            series=bib.text("seriesTitle"),
            edition=bib.text("edition"),
            title_of_component=bib.text("titleOfComponent"),
            author_of_component=bib.text("authorOfComponent"),
            volume="; ".join(bib.texts("volume")),  # 2021-2 repeats it
            issue=bib.text("issue"),
            pages_requested=bib.text("pagesRequested"),
            estimated_no_pages=bib.text("estimatedNoPages"),
            item_ids=_identifiers(
                bib,
                "bibliographicItemId",
                "bibliographicItemIdentifierCode",
                "bibliographicItemIdentifier",
            ),
            sponsor=bib.text("sponsor"),
            information_source=bib.text("informationSource"),
            record_ids=_identifiers(
                bib,
                "bibliographicRecordId",
                "bibliographicRecordIdentifierCode",
                "bibliographicRecordIdentifier",
            ),
        ),
        publication=PublicationInfo(
            publisher=publication.text("publisher"),
            publisher_id=publication.text("publisherId"),
            publication_type=publication.text("publicationType"),
            publication_date=publication.text("publicationDate"),
            place_of_publication=publication.text("placeOfPublication"),
        )
        if publication
        else PublicationInfo(),
        service=_service(service) if service else ServiceInfo(),
        suppliers=[_supplier(n) for n in node.nodes("supplierInfo")],
        requested_delivery=[
            RequestedDelivery(
                sort_order=n.integer("sortOrder"),
                address=_address(n.node("address")),
                delivery_method=n.text("deliveryMethod"),
                courier_name=n.text("courierName"),
            )
            for n in node.nodes("requestedDeliveryInfo")
        ],
        requesting_agency_info=RequestingAgencyInfo(
            name=agency_info.text("name"),
            contact_name=agency_info.text("contactName"),
            addresses=_addresses(agency_info),
        )
        if agency_info
        else None,
        patron=PatronInfo(
            patron_id=patron.text("patronId"),
            surname=patron.text("surname"),
            given_name=patron.text("givenName"),
            patron_type=patron.text("patronType"),
            send_to_patron=patron.yes_no("sendToPatron"),
            addresses=_addresses(patron),
        )
        if patron
        else None,
        billing=BillingInfo(
            payment_method=billing.text("paymentMethod"),
            maximum_costs=billing.costs("maximumCosts"),
            billing_method=billing.text("billingMethod"),
            billing_name=billing.text("billingName"),
            address=_address(billing.node("address")),
        )
        if billing
        else None,
    )


def _service(node: _Node) -> ServiceInfo:
    sub_types = node.texts("requestSubType")
    for sub_type in sub_types:
        if sub_type not in _REQUEST_SUB_TYPES:
            raise UnrecognisedDataValue(f"requestSubType: unknown value {sub_type!r}")
    return ServiceInfo(
        request_type=node.code("requestType", _REQUEST_TYPES),
        request_sub_type=sub_types,
        requesting_agency_previous_request_id=node.text("requestingAgencyPreviousRequestId"),
        # Required by both schemas inside serviceInfo, but only a value we do not know is
        # worth refusing a request for: staff can tell a loan from a copy.
        service_type=node.code("serviceType", _SERVICE_TYPES),
        service_level=node.text("serviceLevel"),
        preferred_format=node.text("preferredFormat") or node.text("itemFormat"),
        need_before_date=node.timestamp("needBeforeDate"),
        copyright_compliance=node.text("copyrightCompliance"),
        any_edition=node.yes_no("anyEdition"),
        preferred_edition=node.code("preferredEdition", _PREFERRED_EDITIONS),
        loan_conditions=node.texts("loanCondition"),
        start_date=node.timestamp("startDate"),
        end_date=node.timestamp("endDate"),
        note=node.text("note"),
    )


def _supplier(node: _Node) -> SupplierInfo:
    record = node.node("bibliographicRecordId")
    return SupplierInfo(
        sort_order=node.integer("sortOrder"),
        supplier_code=node.agency("supplierCode"),
        supplier_description=node.text("supplierDescription"),
        record_id=(
            record.text("bibliographicRecordIdentifierCode"),
            record.text("bibliographicRecordIdentifier"),
        )
        if record
        else None,
        call_number=node.text("callNumber"),
        summary_holdings=node.text("summaryHoldings"),
        availability_note=node.text("availabilityNote"),
    )


def _supplying_agency_message(node: _Node, header: Header) -> SupplyingAgencyMessage:
    info = node.required_node("messageInfo")
    reason = info.required_code("reasonForMessage", _REASONS, UnsupportedReasonForMessageType)
    try:
        return _supplying_agency_message_body(node, header, info, reason)
    except ProtocolError as error:
        error.reason_for_message = reason
        raise


def _supplying_agency_message_body(
    node: _Node, header: Header, info: _Node, reason: str
) -> SupplyingAgencyMessage:
    status_info = node.required_node("statusInfo")
    status = status_info.required_code("status", _STATUSES)
    # lastChange is required, but a peer that leaves it out has told us when it wrote the
    # message: that is the latest the status can have changed.
    last_change = status_info.timestamp("lastChange") or header.timestamp
    retry = node.node("retryInfo")
    delivery = node.node("deliveryInfo")
    shipping = node.node("shippingInfo")
    returning = node.node("returnInfo")

    # 1.2 keeps these in messageInfo, 2021-2 in retryInfo: read them wherever they are.
    places = [info] if retry is None else [info, retry]
    offered = next((c for n in places if (c := n.costs("offeredCosts"))), None)
    retry_after = next((t for n in places if (t := n.timestamp("retryAfter"))), None)
    retry_before = next((t for n in places if (t := n.timestamp("retryBefore"))), None)
    return SupplyingAgencyMessage(
        header=header,
        reason_for_message=reason,
        status=status,
        last_change=last_change,
        answer_yes_no=info.yes_no("answerYesNo"),
        note=info.text("note"),
        reason_unfilled=info.text("reasonUnfilled"),
        reason_retry=info.text("reasonRetry"),
        offered_costs=offered,
        retry_after=retry_after,
        retry_before=retry_before,
        expected_delivery_date=status_info.timestamp("expectedDeliveryDate"),
        due_date=status_info.timestamp("dueDate"),
        delivery=_delivery(delivery, last_change) if delivery else None,
        shipping=ShippingInfo(
            courier_name=shipping.text("courierName"),
            tracking_ids=shipping.texts("trackingId"),
            insurance=shipping.yes_no("insurance"),
            insurance_third_party=shipping.yes_no("insuranceThirdParty"),
            third_party_name=shipping.text("thirdPartyName"),
            insurance_costs=shipping.costs("insuranceCosts"),
        )
        if shipping
        else None,
        return_info=ReturnInfo(
            return_agency_id=returning.agency("returnAgencyId"),
            name=returning.text("name"),
            address=_physical_address(returning.node("physicalAddress")),
        )
        if returning
        else None,
    )


def _delivery(node: _Node, last_change: datetime) -> DeliveryInfo:
    return DeliveryInfo(
        # dateSent is required, but a delivery without it was sent by the status change.
        date_sent=node.timestamp("dateSent") or last_change,
        item_ids=node.texts("itemId"),
        url=node.text("URL"),
        delivery_method=node.text("deliveryMethod") or node.text("sentVia"),
        sent_to_patron=node.yes_no("sentToPatron"),
        loan_condition=node.text("loanCondition"),
        item_format=node.text("itemFormat") or node.text("deliveredFormat"),
        service_type=node.code("serviceType", _SERVICE_TYPES),
        delivery_costs=node.costs("deliveryCosts"),
        payment_method=node.text("paymentMethod"),
    )


def _requesting_agency_message(node: _Node, header: Header) -> RequestingAgencyMessage:
    return RequestingAgencyMessage(
        header=header,
        action=node.required_code("action", _ACTIONS, UnsupportedActionType),
        note=node.text("note"),
    )


_READERS: dict[str, Callable[[_Node, Header], Message]] = {
    "request": _request,
    "supplyingAgencyMessage": _supplying_agency_message,
    "requestingAgencyMessage": _requesting_agency_message,
}


def _open(data: bytes) -> tuple[str, str, etree._Element]:
    """(version, kind, element) of the one message or confirmation in ``data``."""
    root = load_xml(data)
    if root.tag != _ROOT:
        name = etree.QName(root)
        if name.localname == "ISO18626Message":
            raise BadlyFormedMessage(
                f"ISO18626Message: namespace {name.namespace or '(none)'!r} is not {NAMESPACE}"
            )
        raise BadlyFormedMessage(f"{name.localname}: not an ISO18626Message")
    parts = [c for c in root if isinstance(c.tag, str) and c.tag.startswith(_NS)]
    if not parts:
        raise BadlyFormedMessage("ISO18626Message: no message in it")
    if len(parts) > 1:
        raise BadlyFormedMessage("ISO18626Message: more than one message in it")
    kind = parts[0].tag[len(_NS) :]
    # ill:version as the schemas require; a bare version attribute is read too. A message
    # without any is read, and answered, as 1.2: the version every peer speaks.
    label = (root.get(_NS + "version") or root.get("version") or codes.V1_2).strip()
    version = codes.VERSION_ALIASES.get(label)
    if version is None:
        raise UnrecognisedDataValue(
            f"version: {label!r} is not one of {', '.join(codes.VERSIONS)}",
            kind=kind if kind in codes.MESSAGE_KINDS else None,
        )
    return version, kind, parts[0]


def note_of(data: bytes) -> str:
    """The note a message carries (its messageInfo's, a requester's action's, a request's
    serviceInfo's), "" when it has none or cannot be read: for people to read beside the
    message, not for deciding anything."""
    try:
        root = load_xml(data)
    except ProtocolError:
        return ""
    return next((text for e in root.iter(_NS + "note") if (text := _text(e))), "")


def parse(data: bytes) -> tuple[str, Message]:
    """(version, message) from the body of a message a peer sent us; ProtocolError, with
    what to answer, when it cannot be accepted."""
    version = codes.V1_2
    kind: str | None = None
    header: Header | None = None
    try:
        version, found, element = _open(data)
        if found not in codes.MESSAGE_KINDS:
            if found in codes.CONFIRMATION_KINDS.values():
                raise BadlyFormedMessage(f"{found}: a confirmation, not a message")
            raise UnrecognisedDataElement(f"ISO18626Message/{found}: not an ISO 18626 message")
        kind = found
        node = _Node(element, kind)
        header = _header(node, kind)
        for name in node.children:
            if name not in _MESSAGE_PARTS[kind]:
                raise UnrecognisedDataElement(f"{kind}/{name}: not an element of {kind}")
        return version, _READERS[kind](node, header)
    except ProtocolError as error:
        error.version = version
        error.kind = error.kind or kind
        error.header = error.header or header
        raise


def parse_confirmation(data: bytes) -> Confirmation:
    """The confirmation a peer answered our message with; ProtocolError if it is not one."""
    version, kind, element = _open(data)
    if kind not in codes.CONFIRMATION_KINDS.values():
        raise BadlyFormedMessage(f"ISO18626Message/{kind}: not a confirmation")
    node = _Node(element, kind)
    head = node.required_node("confirmationHeader")
    timestamp = head.required_timestamp("timestamp")
    error = node.node("errorData")
    return Confirmation(
        kind=kind,
        timestamp=timestamp,
        timestamp_received=head.timestamp("timestampReceived") or timestamp,
        message_status=head.required_code("messageStatus", codes.MESSAGE_STATUSES),
        supplying_agency=head.agency("supplyingAgencyId"),
        requesting_agency=head.agency("requestingAgencyId"),
        requesting_agency_request_id=head.text("requestingAgencyRequestId"),
        multiple_item_request_id=head.text("multipleItemRequestId"),
        error_type=error.text("errorType") if error else "",
        error_value=error.text("errorValue") if error else "",
        reason_for_message=node.text("reasonForMessage"),
        action=node.text("action"),
    )
