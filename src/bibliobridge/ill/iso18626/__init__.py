"""ISO 18626 (ILL transactions) as plain data: read, write, check and validate messages.

No database and no Django here; the ``ill`` app's services and its ``/iso18626`` view
use it. Both schema versions share one namespace and these classes::

    version, message = parse(body)             # ProtocolError with what to answer
    answer = confirm(message.kind, message.header, version, now)
    problems = check(outgoing, partner_version)
    body = write(outgoing, partner_version)
"""

from .checks import check
from .codes import MESSAGE_KINDS, NAMESPACE, VERSIONS
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
    confirmation_kind,
)
from .reader import MAX_BYTES, note_of, parse, parse_confirmation, parse_datetime
from .schema import schema, validate
from .writer import answer, confirm, confirmation, format_datetime, write

__all__ = [
    "MAX_BYTES",
    "MESSAGE_KINDS",
    "NAMESPACE",
    "VERSIONS",
    "Address",
    "AgencyId",
    "BadlyFormedMessage",
    "BibliographicInfo",
    "BillingInfo",
    "Confirmation",
    "Costs",
    "DeliveryInfo",
    "ElectronicAddress",
    "Header",
    "Message",
    "PatronInfo",
    "PhysicalAddress",
    "ProtocolError",
    "PublicationInfo",
    "Request",
    "RequestedDelivery",
    "RequestingAgencyInfo",
    "RequestingAgencyMessage",
    "ReturnInfo",
    "ServiceInfo",
    "ShippingInfo",
    "SupplierInfo",
    "SupplyingAgencyMessage",
    "UnrecognisedDataElement",
    "UnrecognisedDataValue",
    "UnsupportedActionType",
    "UnsupportedReasonForMessageType",
    "answer",
    "check",
    "confirm",
    "confirmation",
    "confirmation_kind",
    "format_datetime",
    "note_of",
    "parse",
    "parse_confirmation",
    "parse_datetime",
    "schema",
    "validate",
    "write",
]
