"""``check()``: what is wrong with a message we are about to send, before a peer says so.

Each problem is one line naming the element, in the XML names a peer's staff would see in
their logs. An empty list means the message will validate against the version's schema
and carries everything ISO 18626 needs to act on it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime

import pycountry

from . import codes
from .codes import V1_2, V2021_2
from .messages import (
    Address,
    AgencyId,
    Costs,
    ElectronicAddress,
    Header,
    Message,
    Request,
    RequestingAgencyMessage,
    SupplyingAgencyMessage,
)


def _other(version: str) -> str:
    return V2021_2 if version == V1_2 else V1_2


def _code(
    problems: list[str], name: str, value: str, code_list: codes.CodeList, version: str
) -> None:
    if not value or value in code_list[version]:
        return
    if value in code_list[_other(version)]:
        problems.append(f"{name}: {value!r} exists only in version {_other(version)}")
    else:
        allowed = ", ".join(code_list[version])
        problems.append(f"{name}: {value!r} is not one of {allowed}")


def _agency(problems: list[str], name: str, agency: AgencyId | None, required: bool) -> None:
    if agency is None:
        if required:
            problems.append(f"{name}: missing")
        return
    if not agency.type:
        problems.append(f"{name}/agencyIdType: empty")
    if not agency.value:
        problems.append(f"{name}/agencyIdValue: empty")


def _costs(problems: list[str], name: str, costs: Costs | None) -> None:
    if costs is None:
        return
    if not costs.amount.is_finite() or costs.amount < 0:
        problems.append(f"{name}/monetaryValue: {costs.amount} is not an amount")
    if (
        pycountry.currencies.get(alpha_3=costs.currency) is None
        or costs.currency != costs.currency.upper()
    ):
        problems.append(f"{name}/currencyCode: {costs.currency!r} is not an ISO 4217 code")


def _address(problems: list[str], name: str, address: Address | None) -> None:
    if isinstance(address, ElectronicAddress) and not (address.type and address.data):
        problems.append(f"{name}/electronicAddress: type and data are both needed")


def _only_2021(problems: list[str], version: str, name: str, present: object) -> None:
    if version == V1_2 and present:
        problems.append(f"{name}: exists only in version {V2021_2}, would be left out")


def _datetimes(value: object, path: str) -> Iterator[tuple[str, datetime]]:
    if isinstance(value, datetime):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _datetimes(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)
    elif isinstance(value, list):
        for item in value:
            yield from _datetimes(item, path)


def _header(problems: list[str], header: Header, kind: str, version: str) -> None:
    old = version == V1_2
    _agency(problems, "header/requestingAgencyId", header.requesting_agency, required=True)
    _agency(
        problems,
        "header/supplyingAgencyId",
        header.supplying_agency,
        required=old or kind != "request",
    )
    if not header.requesting_agency_request_id:
        problems.append("header/requestingAgencyRequestId: empty")
    if header.consortial_id is not None:
        if old:
            problems.append(
                f"header/consortialId: exists only in version {V2021_2}, would be left out"
            )
        elif kind == "supplyingAgencyMessage":
            problems.append(
                "header/consortialId: a 2021-2 supplyingAgencyMessage has no place for it"
            )
        else:
            _agency(problems, "header/consortialId", header.consortial_id, required=True)
    if not old:
        if header.multiple_item_request_id and kind != "request":
            problems.append(f"header/multipleItemRequestId: a 2021-2 {kind} has no place for it")
        if header.supplying_agency_request_id and kind == "request":
            problems.append("header/supplyingAgencyRequestId: a 2021-2 request has no place for it")
        if (header.account_id or header.security_code) and kind == "supplyingAgencyMessage":
            problems.append(
                "header/requestingAgencyAuthentication: a 2021-2 supplyingAgencyMessage has no place for it"
            )


def _request(problems: list[str], message: Request, version: str) -> None:
    old = version == V1_2
    bib, service = message.bibliographic, message.service
    _only_2021(problems, version, "bibliographicInfo/authorId", bib.author_id)
    _only_2021(problems, version, "publicationInfo/publisherId", message.publication.publisher_id)
    for code, identifier in bib.item_ids:
        if not code or not identifier:
            problems.append(
                f"bibliographicInfo/bibliographicItemId: ({code!r}, {identifier!r}) needs a code and an identifier"
            )
    for code, identifier in bib.record_ids:
        if not code or not identifier:
            problems.append(
                f"bibliographicInfo/bibliographicRecordId: ({code!r}, {identifier!r}) needs a code and an identifier"
            )
    if not (
        bib.title
        or bib.title_of_component
        or bib.item_ids
        or bib.record_ids
        or bib.supplier_unique_record_id
    ):
        problems.append("bibliographicInfo: no title, identifier or record id to find the item by")

    if not service.service_type:
        problems.append("serviceInfo/serviceType: missing")
    _code(problems, "serviceInfo/serviceType", service.service_type, codes.SERVICE_TYPE, version)
    _code(problems, "serviceInfo/requestType", service.request_type, codes.REQUEST_TYPE, version)
    for sub_type in service.request_sub_type:
        _code(problems, "serviceInfo/requestSubType", sub_type, codes.REQUEST_SUB_TYPE, version)
    limit = codes.MAX_REQUEST_SUB_TYPES[version]
    if limit is not None and len(service.request_sub_type) > limit:
        problems.append(
            f"serviceInfo/requestSubType: {version} allows {limit}, the rest would be left out"
        )
    if old:
        _only_2021(problems, version, "serviceInfo/preferredEdition", service.preferred_edition)
    else:
        _code(
            problems,
            "serviceInfo/preferredEdition",
            service.preferred_edition,
            codes.PREFERRED_EDITION,
            version,
        )
    _only_2021(problems, version, "serviceInfo/loanCondition", service.loan_conditions)

    for supplier in message.suppliers:
        _agency(problems, "supplierInfo/supplierCode", supplier.supplier_code, required=False)
        if supplier.sort_order is not None and supplier.sort_order < 0 and not old:
            problems.append("supplierInfo/sortOrder: negative")
    for delivery in message.requested_delivery:
        if delivery.sort_order is not None and delivery.sort_order < 0 and not old:
            problems.append("requestedDeliveryInfo/sortOrder: negative")
        _address(problems, "requestedDeliveryInfo/address", delivery.address)
        _only_2021(
            problems, version, "requestedDeliveryInfo/deliveryMethod", delivery.delivery_method
        )
        _only_2021(problems, version, "requestedDeliveryInfo/courierName", delivery.courier_name)
    if message.requesting_agency_info is not None:
        for address in message.requesting_agency_info.addresses:
            _address(problems, "requestingAgencyInfo/address", address)
    if message.patron is not None:
        for address in message.patron.addresses:
            _address(problems, "patronInfo/address", address)
    if message.billing is not None:
        _costs(problems, "billingInfo/maximumCosts", message.billing.maximum_costs)
        _address(problems, "billingInfo/address", message.billing.address)


def _supplying_agency_message(
    problems: list[str], message: SupplyingAgencyMessage, version: str
) -> None:
    if not message.reason_for_message:
        problems.append("messageInfo/reasonForMessage: missing")
    _code(
        problems,
        "messageInfo/reasonForMessage",
        message.reason_for_message,
        codes.REASON_FOR_MESSAGE,
        version,
    )
    if not message.status:
        problems.append("statusInfo/status: missing")
    _code(problems, "statusInfo/status", message.status, codes.STATUS, version)
    if message.status == "Unfilled" and not message.reason_unfilled:
        problems.append("messageInfo/reasonUnfilled: an Unfilled answer should say why")
    if message.status == "RetryPossible" and not message.reason_retry:
        problems.append("messageInfo/reasonRetry: a RetryPossible answer should say why")
    _costs(problems, "offeredCosts", message.offered_costs)
    delivery = message.delivery
    if delivery is not None:
        if version == V1_2 and len(delivery.item_ids) > 1:
            problems.append("deliveryInfo/itemId: 1.2 carries one, the rest would be left out")
        _only_2021(problems, version, "deliveryInfo/URL", delivery.url)
        _only_2021(problems, version, "deliveryInfo/serviceType", delivery.service_type)
        _only_2021(problems, version, "deliveryInfo/paymentMethod", delivery.payment_method)
        if version != V1_2:
            _code(
                problems,
                "deliveryInfo/serviceType",
                delivery.service_type,
                codes.SERVICE_TYPE,
                version,
            )
        _costs(problems, "deliveryInfo/deliveryCosts", delivery.delivery_costs)
    if message.shipping is not None:
        _only_2021(problems, version, "shippingInfo", True)
        _costs(problems, "shippingInfo/insuranceCosts", message.shipping.insurance_costs)
    if message.return_info is not None:
        _agency(
            problems,
            "returnInfo/returnAgencyId",
            message.return_info.return_agency_id,
            required=False,
        )


def _requesting_agency_message(
    problems: list[str], message: RequestingAgencyMessage, version: str
) -> None:
    if not message.action:
        problems.append("action: missing")
    _code(problems, "action", message.action, codes.ACTION, version)


def check(message: Message, version: str) -> list[str]:
    """Problems that would make ``message`` invalid, or useless, in ``version``."""
    if version not in codes.VERSIONS:
        return [f"version: {version!r} is not one of {', '.join(codes.VERSIONS)}"]
    problems: list[str] = []
    _header(problems, message.header, message.kind, version)
    if isinstance(message, Request):
        _request(problems, message, version)
    elif isinstance(message, SupplyingAgencyMessage):
        _supplying_agency_message(problems, message, version)
    else:
        _requesting_agency_message(problems, message, version)
    for path, value in _datetimes(message, ""):
        if value.tzinfo is None or value.utcoffset() is None:
            problems.append(f"{path}: a naive datetime, times must be timezone-aware")
    return problems
