"""From a request and a step of the state model to the ISO 18626 message it sends.

The partner's directory entry says where (its ISO 18626 endpoint) and in which version;
our library (the institution marked ``is_home``) and the partner are named by ISIL where
they have one, else by OCLC symbol, else by local code.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from bibliobridge.partners.enums import EndpointKind, IdentifierScheme, PaymentMethod
from bibliobridge.partners.models import Institution

from . import copyright
from . import iso18626 as proto
from .enums import Role, Service
from .models import IllRequest
from .states import Step

AGENCY_SCHEMES = (
    (IdentifierScheme.ISIL, "ISIL"),
    (IdentifierScheme.OCLC, "OCLC"),
    (IdentifierScheme.LOCAL, "LOCAL"),
)


# Our payment methods (the directory's) as ISO 18626 paymentMethod codes; free has none.
PAYMENT_CODES = {
    PaymentMethod.INVOICE: "BankTransfer",
    PaymentMethod.IFLA_VOUCHER: "IFLAVoucher",
    PaymentMethod.OCLC_IFM: "IFM",
}
PAYMENT_OF_CODE = {code: method for method, code in PAYMENT_CODES.items()}


class NoAgencyId(ValueError):
    """An institution without an identifier ISO 18626 can name it by."""


class NotSendable(ValueError):
    """The message a step would send breaks ISO 18626 in the partner's version."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def agency_id(institution: Institution | None) -> proto.AgencyId:
    if institution is not None:
        by_scheme = {i.scheme: i.value for i in institution.identifiers.all()}
        for scheme, name in AGENCY_SCHEMES:
            if by_scheme.get(scheme):
                return proto.AgencyId(type=name, value=by_scheme[scheme])
    raise NoAgencyId(str(institution))


def agency_of(institution: Institution | None) -> str:
    """The agency as messages name it, "ISIL:DE-1"; empty when it has no identifier."""
    try:
        agency = agency_id(institution)
    except NoAgencyId:
        return ""
    return f"{agency.type}:{agency.value}"


def home() -> Institution:
    return Institution.objects.prefetch_related("identifiers").get(is_home=True)


def endpoint(institution: Institution | None) -> tuple[str, str]:
    """(URL, version) of the institution's ISO 18626 service; empty URL when it has none."""
    if institution is None:
        return "", settings.ILL_DEFAULT_VERSION
    found = institution.endpoints.filter(kind=EndpointKind.ISO18626).first()
    if found is None:
        return "", settings.ILL_DEFAULT_VERSION
    return found.url, found.version or settings.ILL_DEFAULT_VERSION


def build(request: IllRequest, step: Step, details: Mapping[str, Any]) -> tuple[str, str, bytes]:
    """(kind, version, XML) of the message the step sends for this request."""
    _url, version = endpoint(request.partner)
    message: proto.Message
    if request.role == Role.REQUESTER:
        header = _header(request, supplier=request.partner, requester=None)
        if step.action in ("Request", "Retry"):
            message = _request(request, header, retry=step.action == "Retry")
        else:
            message = proto.RequestingAgencyMessage(
                header=header, action=step.action, note=str(details.get("note", ""))
            )
    else:
        header = _header(request, supplier=None, requester=request.partner)
        message = _supplying_message(request, step, header, details, version)
    problems = proto.check(message, version)
    body = proto.write(message, version)
    if not problems and settings.ILL_XSD_DIR:
        problems = proto.validate(body, version, Path(settings.ILL_XSD_DIR))
    if problems:
        raise NotSendable(problems)
    return message.kind, version, body


def _header(
    request: IllRequest, supplier: Institution | None, requester: Institution | None
) -> proto.Header:
    us = agency_id(home())
    if request.role == Role.REQUESTER:
        return proto.Header(
            supplying_agency=agency_id(supplier),
            requesting_agency=us,
            timestamp=timezone.now(),
            requesting_agency_request_id=request.our_id,
            supplying_agency_request_id=request.their_id,
        )
    return proto.Header(
        supplying_agency=us,
        requesting_agency=agency_id(requester),
        timestamp=timezone.now(),
        requesting_agency_request_id=request.their_id,
        supplying_agency_request_id=request.our_id,
    )


def _request(request: IllRequest, header: proto.Header, retry: bool) -> proto.Request:
    item_ids = [
        (code, value)
        for code, value in (("ISBN", request.isbn), ("ISSN", request.issn), ("DOI", request.doi))
        if value
    ]
    record_ids = [("OCLC", request.oclc_number)] if request.oclc_number else []
    return proto.Request(
        header=header,
        bibliographic=proto.BibliographicInfo(
            title=request.title,
            author=request.author,
            edition=request.edition,
            title_of_component=request.article_title,
            author_of_component=request.article_author,
            volume=request.volume,
            issue=request.issue,
            pages_requested=request.pages,
            item_ids=item_ids,
            record_ids=record_ids,
        ),
        publication=proto.PublicationInfo(
            publisher=request.publisher,
            place_of_publication=request.place,
            publication_date=request.date,
        ),
        service=proto.ServiceInfo(
            request_type="Retry" if retry else "New",
            service_type="Copy" if request.service == Service.COPY else "Loan",
            need_before_date=_midnight(request.need_before),
            copyright_compliance=copyright.compliance(request),
            note=request.note,
        ),
        billing=(
            proto.BillingInfo(
                maximum_costs=proto.Costs(request.max_cost, request.max_cost_currency)
            )
            if request.max_cost is not None and request.max_cost_currency
            else None
        ),
    )


def _supplying_message(
    request: IllRequest, step: Step, header: proto.Header, details: Mapping[str, Any], version: str
) -> proto.SupplyingAgencyMessage:
    reason = step.reason or (
        "StatusChange" if request.messages.filter(direction="out").exists() else "RequestResponse"
    )
    cost = details.get("cost")
    currency = details.get("cost_currency", "")
    note = str(details.get("note", ""))
    delivery = None
    url = str(details.get("url", ""))
    if url:
        # 1.2 has no URL element: there the link travels in the note.
        delivery = proto.DeliveryInfo(
            date_sent=timezone.now(), url=url if version != "1.2" else "",
            delivery_method="URL", item_format="PDF",
        )  # fmt: skip
        if version == "1.2":
            note = f"{note}\n{url}".strip()
    method = PAYMENT_CODES.get(str(details.get("payment_method", "")), "")
    if method and step.status in ("Loaned", "CopyCompleted"):
        if version == "1.2":  # no paymentMethod in a 1.2 supplier's message: the note says it
            note = f"{note}\nPayment: {method}".strip()  # to the partner: in English
        elif delivery is not None:
            delivery.payment_method = method
        else:
            delivery = proto.DeliveryInfo(date_sent=timezone.now(), payment_method=method)
    shipping = None
    courier, tracking = str(details.get("courier", "")), str(details.get("tracking_number", ""))
    if step.status == "Loaned" and (courier or tracking):
        if version == "1.2":  # no shippingInfo in 1.2: the note carries it
            note = f"{note}\n{courier} {tracking}".strip()
        else:
            shipping = proto.ShippingInfo(
                courier_name=courier, tracking_ids=[tracking] if tracking else []
            )
    return proto.SupplyingAgencyMessage(
        header=header,
        reason_for_message=reason,
        answer_yes_no=step.answer,
        note=note,
        delivery=delivery,
        shipping=shipping,
        reason_unfilled=str(details.get("reason_unfilled", ""))
        if step.status == "Unfilled"
        else "",
        offered_costs=proto.Costs(Decimal(cost), currency)
        if cost is not None and currency
        else None,
        status=step.status,
        due_date=_midnight(details.get("due_date") or request.due_date),
        last_change=timezone.now(),
    )


def _midnight(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
