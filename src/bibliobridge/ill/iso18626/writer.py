"""Writing ISO 18626 XML: ``write()`` for our messages, ``confirm()`` for our answers.

Elements come out in the order of the chosen version's schema. What the version has no
place for (a consortialId in a 1.2 header, a second itemId in 1.2, shippingInfo in 1.2) is
left out, and ``check()`` reports it before sending; a value outside the version's code
list is written as it is and ``check()`` reports that too. Call ``check()`` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from . import codes
from .codes import NAMESPACE, V1_2
from .messages import (
    Address,
    AgencyId,
    Confirmation,
    Costs,
    ElectronicAddress,
    Header,
    Message,
    ProtocolError,
    Request,
    RequestingAgencyMessage,
    SupplyingAgencyMessage,
    confirmation_kind,
)

_NS = "{" + NAMESPACE + "}"
_NSMAP = {None: NAMESPACE, "ill": NAMESPACE}


def format_datetime(value: datetime) -> str:
    """xs:dateTime in UTC with ``Z``; microseconds only when there are some."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: ISO 18626 times are written in UTC")
    v = value.astimezone(UTC)
    text = f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    if v.microsecond:
        text += f".{v.microsecond:06d}"
    return text + "Z"


def format_decimal(value: Decimal) -> str:
    return format(value, "f")  # xs:decimal has no exponent


def _el(parent: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(parent, _NS + name)


def _text(parent: etree._Element, name: str, value: str | None) -> None:
    if value:
        _el(parent, name).text = value


def _texts(parent: etree._Element, name: str, values: Iterable[str]) -> None:
    for value in values:
        _text(parent, name, value)


def _date(parent: etree._Element, name: str, value: datetime | None) -> None:
    if value is not None:
        _el(parent, name).text = format_datetime(value)


def _yes_no(parent: etree._Element, name: str, value: bool | None) -> None:
    if value is not None:
        _el(parent, name).text = "Y" if value else "N"


def _boolean(parent: etree._Element, name: str, value: bool | None) -> None:
    if value is not None:
        _el(parent, name).text = "true" if value else "false"


def _integer(parent: etree._Element, name: str, value: int | None) -> None:
    if value is not None:
        _el(parent, name).text = str(value)


def _agency(parent: etree._Element, name: str, agency: AgencyId | None) -> None:
    if agency is not None:
        element = _el(parent, name)
        _el(element, "agencyIdType").text = agency.type
        _el(element, "agencyIdValue").text = agency.value


def _costs(parent: etree._Element, name: str, costs: Costs | None) -> None:
    if costs is not None:
        element = _el(parent, name)
        _el(element, "currencyCode").text = costs.currency
        _el(element, "monetaryValue").text = format_decimal(costs.amount)


def _address(parent: etree._Element, address: Address | None) -> None:
    if address is None:
        return
    element = _el(parent, "address")
    if isinstance(address, ElectronicAddress):
        electronic = _el(element, "electronicAddress")
        _el(electronic, "electronicAddressType").text = address.type
        _el(electronic, "electronicAddressData").text = address.data
    else:
        _physical_address(element, address)


def _physical_address(parent: etree._Element, address: object) -> None:
    physical = _el(parent, "physicalAddress")
    for name, attribute in (
        ("line1", "line1"),
        ("line2", "line2"),
        ("locality", "locality"),
        ("postalCode", "postal_code"),
        ("region", "region"),
        ("country", "country"),
    ):
        _text(physical, name, getattr(address, attribute))


def _header(parent: etree._Element, header: Header, kind: str, version: str) -> None:
    """The header in the version's order; each 2021-2 message kind has its own header."""
    element = _el(parent, "header")
    old = version == V1_2
    if old or kind != "request" or header.supplying_agency is not None:
        _agency(element, "supplyingAgencyId", header.supplying_agency)
    _agency(element, "requestingAgencyId", header.requesting_agency)
    if not old and kind != "supplyingAgencyMessage":
        _agency(element, "consortialId", header.consortial_id)
    if old:
        # Required in 1.2 (by mistake, the 2021 notes say), so written even when empty.
        _el(element, "multipleItemRequestId").text = header.multiple_item_request_id
    elif kind == "request":
        _text(element, "multipleItemRequestId", header.multiple_item_request_id)
    _date(element, "timestamp", header.timestamp)
    _el(element, "requestingAgencyRequestId").text = header.requesting_agency_request_id
    if old or kind != "request":
        _text(element, "supplyingAgencyRequestId", header.supplying_agency_request_id)
    if (old or kind != "supplyingAgencyMessage") and (header.account_id or header.security_code):
        auth = _el(element, "requestingAgencyAuthentication")
        _text(auth, "accountId", header.account_id)
        _text(auth, "securityCode", header.security_code)


def _request(parent: etree._Element, message: Request, version: str) -> None:
    old = version == V1_2
    _header(parent, message.header, "request", version)

    bib = message.bibliographic
    element = _el(parent, "bibliographicInfo")
    _text(element, "supplierUniqueRecordId", bib.supplier_unique_record_id)
    _text(element, "title", bib.title)
    _text(element, "author", bib.author)
    if not old:
        _text(element, "authorId", bib.author_id)
    _text(element, "subtitle", bib.subtitle)
    _text(element, "seriesTitle", bib.series)
    _text(element, "edition", bib.edition)
    _text(element, "titleOfComponent", bib.title_of_component)
    _text(element, "authorOfComponent", bib.author_of_component)
    _text(element, "volume", bib.volume)
    _text(element, "issue", bib.issue)
    _text(element, "pagesRequested", bib.pages_requested)
    _text(element, "estimatedNoPages", bib.estimated_no_pages)
    for code, identifier in bib.item_ids:
        item = _el(element, "bibliographicItemId")
        # The one element pair whose order the 2021 revision swapped.
        if old:
            _el(item, "bibliographicItemIdentifier").text = identifier
            _el(item, "bibliographicItemIdentifierCode").text = code
        else:
            _el(item, "bibliographicItemIdentifierCode").text = code
            _el(item, "bibliographicItemIdentifier").text = identifier
    _text(element, "sponsor", bib.sponsor)
    _text(element, "informationSource", bib.information_source)
    for code, identifier in bib.record_ids:
        _record_id(element, code, identifier)

    pub = message.publication
    carried = (pub.publisher, pub.publication_type, pub.publication_date, pub.place_of_publication)
    if any(carried) or (pub.publisher_id and not old):
        element = _el(parent, "publicationInfo")
        _text(element, "publisher", pub.publisher)
        if not old:
            _text(element, "publisherId", pub.publisher_id)
        _text(element, "publicationType", pub.publication_type)
        _text(element, "publicationDate", pub.publication_date)
        _text(element, "placeOfPublication", pub.place_of_publication)

    service = message.service
    if not old or service != type(service)():
        element = _el(parent, "serviceInfo")
        _text(element, "requestType", service.request_type)
        limit = codes.MAX_REQUEST_SUB_TYPES[version]
        _texts(element, "requestSubType", service.request_sub_type[:limit])
        _text(
            element,
            "requestingAgencyPreviousRequestId",
            service.requesting_agency_previous_request_id,
        )
        _el(element, "serviceType").text = service.service_type
        _text(element, "serviceLevel", service.service_level)
        _text(element, "preferredFormat" if old else "itemFormat", service.preferred_format)
        _date(element, "needBeforeDate", service.need_before_date)
        _text(element, "copyrightCompliance", service.copyright_compliance)
        _yes_no(element, "anyEdition", service.any_edition)
        if not old:
            _text(element, "preferredEdition", service.preferred_edition)
            _texts(element, "loanCondition", service.loan_conditions)
        _date(element, "startDate", service.start_date)
        _date(element, "endDate", service.end_date)
        _text(element, "note", service.note)

    for supplier in message.suppliers:
        element = _el(parent, "supplierInfo")
        _integer(element, "sortOrder", supplier.sort_order)
        _agency(element, "supplierCode", supplier.supplier_code)
        _text(element, "supplierDescription", supplier.supplier_description)
        if supplier.record_id is not None:
            _record_id(element, *supplier.record_id)
        _text(element, "callNumber", supplier.call_number)
        _text(element, "summaryHoldings", supplier.summary_holdings)
        _text(element, "availabilityNote", supplier.availability_note)

    for delivery in message.requested_delivery:
        element = _el(parent, "requestedDeliveryInfo")
        _integer(element, "sortOrder", delivery.sort_order)
        _address(element, delivery.address)
        if not old:
            _text(element, "deliveryMethod", delivery.delivery_method)
            _text(element, "courierName", delivery.courier_name)

    info = message.requesting_agency_info
    if info is not None:
        element = _el(parent, "requestingAgencyInfo")
        _text(element, "name", info.name)
        _text(element, "contactName", info.contact_name)
        for address in info.addresses:
            _address(element, address)

    patron = message.patron
    if patron is not None:
        element = _el(parent, "patronInfo")
        _text(element, "patronId", patron.patron_id)
        _text(element, "surname", patron.surname)
        _text(element, "givenName", patron.given_name)
        _text(element, "patronType", patron.patron_type)
        _yes_no(element, "sendToPatron", patron.send_to_patron)
        for address in patron.addresses:
            _address(element, address)

    billing = message.billing
    if billing is not None:
        element = _el(parent, "billingInfo")
        _text(element, "paymentMethod", billing.payment_method)
        _costs(element, "maximumCosts", billing.maximum_costs)
        _text(element, "billingMethod", billing.billing_method)
        _text(element, "billingName", billing.billing_name)
        _address(element, billing.address)


def _record_id(parent: etree._Element, code: str, identifier: str) -> None:
    element = _el(parent, "bibliographicRecordId")
    _el(element, "bibliographicRecordIdentifierCode").text = code
    _el(element, "bibliographicRecordIdentifier").text = identifier


def _supplying_agency_message(
    parent: etree._Element, message: SupplyingAgencyMessage, version: str
) -> None:
    old = version == V1_2
    _header(parent, message.header, "supplyingAgencyMessage", version)

    element = _el(parent, "messageInfo")
    _el(element, "reasonForMessage").text = message.reason_for_message
    _yes_no(element, "answerYesNo", message.answer_yes_no)
    _text(element, "note", message.note)
    _text(element, "reasonUnfilled", message.reason_unfilled)
    _text(element, "reasonRetry", message.reason_retry)
    if old:
        _costs(element, "offeredCosts", message.offered_costs)
        _date(element, "retryAfter", message.retry_after)
        _date(element, "retryBefore", message.retry_before)

    element = _el(parent, "statusInfo")
    _el(element, "status").text = message.status
    _date(element, "expectedDeliveryDate", message.expected_delivery_date)
    _date(element, "dueDate", message.due_date)
    _date(element, "lastChange", message.last_change)

    if not old and (message.offered_costs or message.retry_after or message.retry_before):
        element = _el(parent, "retryInfo")
        _costs(element, "offeredCosts", message.offered_costs)
        _date(element, "retryBefore", message.retry_before)
        _date(element, "retryAfter", message.retry_after)

    delivery = message.delivery
    if delivery is not None:
        element = _el(parent, "deliveryInfo")
        _date(element, "dateSent", delivery.date_sent)
        _texts(element, "itemId", delivery.item_ids[:1] if old else delivery.item_ids)
        if not old:
            _text(element, "URL", delivery.url)
        _text(element, "sentVia" if old else "deliveryMethod", delivery.delivery_method)
        _boolean(element, "sentToPatron", delivery.sent_to_patron)
        _text(element, "loanCondition", delivery.loan_condition)
        _text(element, "deliveredFormat" if old else "itemFormat", delivery.item_format)
        if not old:
            _text(element, "serviceType", delivery.service_type)
        _costs(element, "deliveryCosts", delivery.delivery_costs)
        if not old:
            _text(element, "paymentMethod", delivery.payment_method)

    shipping = message.shipping
    if shipping is not None and not old:
        element = _el(parent, "shippingInfo")
        _text(element, "courierName", shipping.courier_name)
        _texts(element, "trackingId", shipping.tracking_ids)
        _yes_no(element, "insurance", shipping.insurance)
        _yes_no(element, "insuranceThirdParty", shipping.insurance_third_party)
        _text(element, "thirdPartyName", shipping.third_party_name)
        _costs(element, "insuranceCosts", shipping.insurance_costs)

    returning = message.return_info
    if returning is not None:
        element = _el(parent, "returnInfo")
        _agency(element, "returnAgencyId", returning.return_agency_id)
        _text(element, "name", returning.name)
        if returning.address is not None:
            _physical_address(element, returning.address)


def _requesting_agency_message(
    parent: etree._Element, message: RequestingAgencyMessage, version: str
) -> None:
    _header(parent, message.header, "requestingAgencyMessage", version)
    _el(parent, "action").text = message.action
    _text(parent, "note", message.note)


# A confirmation is written as text: it answers every message a partner sends, and lxml's
# tree costs several times as much for its dozen elements. What XML 1.0 cannot carry (a
# detail may quote what a peer sent) is left out; "&", "<", ">" and CR are escaped, as lxml
# escapes them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ROOT = (
    f"<?xml version='1.0' encoding='UTF-8'?>\n<ISO18626Message xmlns=\"{NAMESPACE}\" "
    f'xmlns:ill="{NAMESPACE}" ill:version="{{}}">'
)


def _escaped(value: str) -> str:
    # Nearly every value is printable ASCII without "&", "<" or ">": it goes as it is.
    plain = value.isascii() and value.isprintable()
    if plain and "&" not in value and "<" not in value and ">" not in value:
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _NOT_XML.sub("", value.replace("\r", "&#13;"))


def _put(parts: list[str], name: str, value: str | None) -> None:
    if value:
        parts.append(f"<{name}>{_escaped(value)}</{name}>")


def _put_agency(parts: list[str], name: str, agency: AgencyId | None) -> None:
    if agency is not None:
        parts.append(f"<{name}>")
        _put(parts, "agencyIdType", agency.type)
        _put(parts, "agencyIdValue", agency.value)
        parts.append(f"</{name}>")


def _write_confirmation(confirmation: Confirmation, version: str) -> bytes:
    kind = confirmation.kind
    parts = [_ROOT.format(version), f"<{kind}><confirmationHeader>"]
    _put_agency(parts, "supplyingAgencyId", confirmation.supplying_agency)
    _put_agency(parts, "requestingAgencyId", confirmation.requesting_agency)
    _put(parts, "timestamp", format_datetime(confirmation.timestamp))
    _put(parts, "requestingAgencyRequestId", confirmation.requesting_agency_request_id)
    if version == V1_2:
        _put(parts, "multipleItemRequestId", confirmation.multiple_item_request_id)
    _put(parts, "timestampReceived", format_datetime(confirmation.timestamp_received))
    parts.append(f"<messageStatus>{_escaped(confirmation.message_status)}</messageStatus>")
    parts.append("</confirmationHeader>")
    if kind == "supplyingAgencyMessageConfirmation":
        if confirmation.reason_for_message in codes.REASON_FOR_MESSAGE[version]:
            _put(parts, "reasonForMessage", confirmation.reason_for_message)
    elif kind == "requestingAgencyMessageConfirmation":
        if confirmation.action in codes.ACTION[version]:
            _put(parts, "action", confirmation.action)
    if confirmation.error_type:
        parts.append(f"<errorData><errorType>{_escaped(confirmation.error_type)}</errorType>")
        _put(parts, "errorValue", confirmation.error_value)
        parts.append("</errorData>")
    parts.append(f"</{kind}></ISO18626Message>")
    return "".join(parts).encode("utf-8")


def write(message: Message | Confirmation, version: str) -> bytes:
    """The message as UTF-8 XML in ``version`` ("1.2" or "2021-2")."""
    if version not in codes.VERSIONS:
        raise ValueError(f"ISO 18626 version {version!r} is not one of {codes.VERSIONS}")
    if isinstance(message, Confirmation):
        return _write_confirmation(message, version)
    root = etree.Element(_NS + "ISO18626Message", nsmap=_NSMAP)  # type: ignore[arg-type]
    root.set(_NS + "version", version)
    if isinstance(message, Request):
        _request(_el(root, "request"), message, version)
    elif isinstance(message, SupplyingAgencyMessage):
        _supplying_agency_message(_el(root, "supplyingAgencyMessage"), message, version)
    elif isinstance(message, RequestingAgencyMessage):
        _requesting_agency_message(_el(root, "requestingAgencyMessage"), message, version)
    else:
        raise TypeError(f"not an ISO 18626 message: {message!r}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def confirmation(
    kind: str | None,
    header: Header | None,
    received_at: datetime,
    error: ProtocolError | None = None,
    *,
    reason_for_message: str = "",
    action: str = "",
) -> Confirmation:
    """The Confirmation ``confirm()`` writes, for a caller that wants to keep it as data."""
    return Confirmation(
        kind=confirmation_kind(kind),
        timestamp=received_at,
        # The timestamp of the message confirmed, echoed as ReShare and crosslink do (the
        # sender matches on it); our own time when the message had no readable header.
        timestamp_received=header.timestamp if header else received_at,
        message_status="ERROR" if error else "OK",
        supplying_agency=header.supplying_agency if header else None,
        requesting_agency=header.requesting_agency if header else None,
        requesting_agency_request_id=header.requesting_agency_request_id if header else "",
        multiple_item_request_id=header.multiple_item_request_id if header else "",
        error_type=error.error_type if error else "",
        error_value=error.detail if error else "",
        reason_for_message=reason_for_message,
        action=action,
    )


def confirm(
    kind: str | None,
    header: Header | None,
    version: str,
    received_at: datetime,
    error: ProtocolError | None = None,
    *,
    reason_for_message: str = "",
    action: str = "",
) -> bytes:
    """The confirmation answering a message of ``kind`` ("request",
    "supplyingAgencyMessage", "requestingAgencyMessage"): OK, or ERROR with the error's
    errorType and errorValue. ``header`` (the message's, when it could be read) is echoed;
    ``reason_for_message`` or ``action`` too, when the version knows the value.

    A message too broken to tell its kind (``kind`` None) is answered with a
    requestConfirmation: every confirmation's header needs only the two timestamps and the
    status, and the request's carries nothing else.
    """
    return write(
        confirmation(
            kind,
            header,
            received_at,
            error,
            reason_for_message=reason_for_message,
            action=action,
        ),
        version,
    )


def answer(error: ProtocolError, received_at: datetime) -> bytes:
    """The ERROR confirmation for a message ``parse()`` refused, in the version it came in."""
    return confirm(
        error.kind,
        error.header,
        error.version,
        received_at,
        error,
        reason_for_message=error.reason_for_message,
    )
