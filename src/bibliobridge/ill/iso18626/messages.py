"""ISO 18626 messages as plain data, the same for both schema versions.

One class per XML structure, named after it; fields use the XML names in snake case
except where the versions renamed an element (``delivery_method`` is 1.2's ``sentVia``,
``item_format`` is 1.2's ``deliveredFormat`` and ``preferredFormat``). An empty string,
``None`` or an empty list means the element is absent. Scheme-value pairs are kept as
their value only: no peer we exchange with sends or reads the ``scheme`` attribute.

Money is ``Costs`` (a ``Decimal`` and an ISO 4217 code); every datetime is aware, in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from .codes import CONFIRMATION_KINDS


class ProtocolError(Exception):
    """A message we cannot accept, with what to answer: its ``error_type`` and ``detail``
    become the confirmation's errorType and errorValue.

    ``kind`` is the message kind when it could be read (to answer with the matching
    confirmation), ``header`` the header when it could be read (to echo it) and
    ``version`` the version the answer should be in. ``answer()`` writes that answer.
    """

    error_type: ClassVar[str] = "BadlyFormedMessage"

    def __init__(
        self,
        detail: str,
        *,
        kind: str | None = None,
        header: Header | None = None,
        version: str = "1.2",
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind
        self.header = header
        self.version = version
        # The supplyingAgencyMessage's reason, when it could be read, to echo it too.
        self.reason_for_message = ""

    def __str__(self) -> str:
        return f"{self.error_type}: {self.detail}"


class BadlyFormedMessage(ProtocolError):
    """Not XML, not an ISO 18626 message, or a required element is missing."""

    error_type = "BadlyFormedMessage"


class UnsupportedActionType(ProtocolError):
    error_type = "UnsupportedActionType"


class UnsupportedReasonForMessageType(ProtocolError):
    error_type = "UnsupportedReasonForMessageType"


class UnrecognisedDataElement(ProtocolError):
    error_type = "UnrecognisedDataElement"


class UnrecognisedDataValue(ProtocolError):
    """A value outside its code list, of the wrong type, or empty where one is needed."""

    error_type = "UnrecognisedDataValue"


@dataclass(frozen=True)
class AgencyId:
    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class Costs:
    amount: Decimal
    currency: str


@dataclass
class Header:
    requesting_agency: AgencyId
    timestamp: datetime
    requesting_agency_request_id: str
    supplying_agency: AgencyId | None = None
    supplying_agency_request_id: str = ""
    multiple_item_request_id: str = ""
    account_id: str = ""
    security_code: str = ""
    consortial_id: AgencyId | None = None


@dataclass
class ElectronicAddress:
    type: str
    data: str


@dataclass
class PhysicalAddress:
    line1: str = ""
    line2: str = ""
    locality: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""


Address = ElectronicAddress | PhysicalAddress


@dataclass
class BibliographicInfo:
    supplier_unique_record_id: str = ""
    title: str = ""
    author: str = ""
    author_id: str = ""  # 2021-2
    subtitle: str = ""
    series: str = ""
    edition: str = ""
    title_of_component: str = ""
    author_of_component: str = ""
    volume: str = ""
    issue: str = ""
    pages_requested: str = ""
    estimated_no_pages: str = ""
    item_ids: list[tuple[str, str]] = field(default_factory=list)  # (code, identifier)
    sponsor: str = ""
    information_source: str = ""
    record_ids: list[tuple[str, str]] = field(default_factory=list)  # (code, identifier)


@dataclass
class PublicationInfo:
    publisher: str = ""
    publisher_id: str = ""  # 2021-2
    publication_type: str = ""
    publication_date: str = ""
    place_of_publication: str = ""


@dataclass
class ServiceInfo:
    request_type: str = ""
    request_sub_type: list[str] = field(default_factory=list)
    requesting_agency_previous_request_id: str = ""
    service_type: str = ""
    service_level: str = ""
    preferred_format: str = ""  # 1.2 preferredFormat, 2021-2 itemFormat
    need_before_date: datetime | None = None
    copyright_compliance: str = ""
    any_edition: bool | None = None
    preferred_edition: str = ""  # 2021-2
    loan_conditions: list[str] = field(default_factory=list)  # 2021-2
    start_date: datetime | None = None
    end_date: datetime | None = None
    note: str = ""


@dataclass
class SupplierInfo:
    sort_order: int | None = None
    supplier_code: AgencyId | None = None
    supplier_description: str = ""
    record_id: tuple[str, str] | None = None  # (code, identifier)
    call_number: str = ""
    summary_holdings: str = ""
    availability_note: str = ""


@dataclass
class RequestedDelivery:
    sort_order: int | None = None
    address: Address | None = None
    delivery_method: str = ""  # 2021-2
    courier_name: str = ""  # 2021-2


@dataclass
class RequestingAgencyInfo:
    name: str = ""
    contact_name: str = ""
    addresses: list[Address] = field(default_factory=list)


@dataclass
class PatronInfo:
    patron_id: str = ""
    surname: str = ""
    given_name: str = ""
    patron_type: str = ""
    send_to_patron: bool | None = None
    addresses: list[Address] = field(default_factory=list)


@dataclass
class BillingInfo:
    payment_method: str = ""
    maximum_costs: Costs | None = None
    billing_method: str = ""
    billing_name: str = ""
    address: Address | None = None


@dataclass
class DeliveryInfo:
    date_sent: datetime
    item_ids: list[str] = field(default_factory=list)  # 1.2 carries one
    url: str = ""  # 2021-2
    delivery_method: str = ""  # 1.2 sentVia
    sent_to_patron: bool | None = None
    loan_condition: str = ""  # 2021-2 allows several; the first is kept
    item_format: str = ""  # 1.2 deliveredFormat
    service_type: str = ""  # 2021-2
    delivery_costs: Costs | None = None
    payment_method: str = ""  # 2021-2


@dataclass
class ShippingInfo:  # 2021-2
    courier_name: str = ""
    tracking_ids: list[str] = field(default_factory=list)
    insurance: bool | None = None
    insurance_third_party: bool | None = None
    third_party_name: str = ""
    insurance_costs: Costs | None = None


@dataclass
class ReturnInfo:
    return_agency_id: AgencyId | None = None
    name: str = ""
    address: PhysicalAddress | None = None


@dataclass
class Request:
    kind: ClassVar[str] = "request"

    header: Header
    bibliographic: BibliographicInfo = field(default_factory=BibliographicInfo)
    publication: PublicationInfo = field(default_factory=PublicationInfo)
    service: ServiceInfo = field(default_factory=ServiceInfo)
    suppliers: list[SupplierInfo] = field(default_factory=list)
    requested_delivery: list[RequestedDelivery] = field(default_factory=list)
    requesting_agency_info: RequestingAgencyInfo | None = None
    patron: PatronInfo | None = None
    billing: BillingInfo | None = None


@dataclass
class SupplyingAgencyMessage:
    """A supplier's answer or news. ``offered_costs``, ``retry_after`` and ``retry_before``
    travel in messageInfo in 1.2 and in retryInfo in 2021-2."""

    kind: ClassVar[str] = "supplyingAgencyMessage"

    header: Header
    reason_for_message: str
    status: str
    last_change: datetime
    answer_yes_no: bool | None = None
    note: str = ""
    reason_unfilled: str = ""
    reason_retry: str = ""
    offered_costs: Costs | None = None
    retry_after: datetime | None = None
    retry_before: datetime | None = None
    expected_delivery_date: datetime | None = None
    due_date: datetime | None = None
    delivery: DeliveryInfo | None = None
    shipping: ShippingInfo | None = None  # 2021-2
    return_info: ReturnInfo | None = None


@dataclass
class RequestingAgencyMessage:
    kind: ClassVar[str] = "requestingAgencyMessage"

    header: Header
    action: str
    note: str = ""


Message = Request | SupplyingAgencyMessage | RequestingAgencyMessage


@dataclass
class Confirmation:
    """The synchronous answer to a message. ``timestamp`` is when the answer was made and
    ``timestamp_received`` the timestamp of the message it confirms (echoed, as ReShare
    and crosslink do, so the sender can match the two)."""

    kind: str  # requestConfirmation | supplyingAgencyMessageConfirmation | requestingAgencyMessageConfirmation
    timestamp: datetime
    timestamp_received: datetime
    message_status: str  # OK | ERROR
    supplying_agency: AgencyId | None = None
    requesting_agency: AgencyId | None = None
    requesting_agency_request_id: str = ""
    multiple_item_request_id: str = ""  # 1.2
    error_type: str = ""
    error_value: str = ""
    reason_for_message: str = ""  # supplyingAgencyMessageConfirmation
    action: str = ""  # requestingAgencyMessageConfirmation

    @property
    def ok(self) -> bool:
        return self.message_status == "OK"


def confirmation_kind(kind: str | None) -> str:
    """The confirmation that answers a message kind; a message too broken to tell its kind
    gets a requestConfirmation, the one with nothing beyond the header and the error."""
    return CONFIRMATION_KINDS.get(kind or "", "requestConfirmation")
