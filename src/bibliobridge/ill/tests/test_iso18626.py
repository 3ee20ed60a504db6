"""The ISO 18626 protocol layer: every shared sample answered as it deserves, both versions
written valid and read back unchanged, leniency where peers deviate, refusals where it
matters, and nothing dangerous expanded."""

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from lxml import etree

from bibliobridge.ill import iso18626
from bibliobridge.ill.iso18626 import (
    NAMESPACE,
    VERSIONS,
    AgencyId,
    BibliographicInfo,
    BillingInfo,
    Costs,
    DeliveryInfo,
    ElectronicAddress,
    Header,
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
)

from .shared import SAMPLES, shared_path, xsd_dir

NOW = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
OK = "OK"
NO_REQID = ("UnrecognisedDataValue", "requestingAgencyRequestId: cannot be empty")

# What each shared sample deserves. The crosslink broker's handler tests answer its test
# messages the same way (broker/test/handler/iso18626-handler_test.go). The illmock and
# misc requests with an empty requestingAgencyRequestId are inputs for crosslink's mock,
# which fills the id in itself; a peer receiving them must refuse them like request-no-reqid.
EXPECTED = {
    "broker__test__catalog__request-1.xml": OK,
    "broker__test__catalog__request-2.xml": OK,
    "broker__test__catalog__request-3.xml": OK,
    "broker__test__catalog__request-4.xml": OK,
    "broker__test__catalog__request-5.xml": OK,
    "broker__test__testdata__msg-invalid.xml": (
        "BadlyFormedMessage",
        "ISO18626Message: no message in it",
    ),
    "broker__test__testdata__reqmsg-invalid-action.xml": (
        "UnsupportedActionType",
        "action: unknown value 'WeCancelThisMessage'",
    ),
    "broker__test__testdata__reqmsg-no-reqid.xml": NO_REQID,
    "broker__test__testdata__reqmsg-notification.xml": OK,
    "broker__test__testdata__reqmsg-ok.xml": OK,
    "broker__test__testdata__request-loaned-overdue-renew.xml": OK,
    "broker__test__testdata__request-loaned-overdue.xml": OK,
    "broker__test__testdata__request-loaned.xml": OK,
    "broker__test__testdata__request-locally-available.xml": OK,
    "broker__test__testdata__request-no-reqid.xml": NO_REQID,
    "broker__test__testdata__request-reminder.xml": OK,
    "broker__test__testdata__request-retry-1.xml": OK,
    "broker__test__testdata__request-retry-after-unfilled.xml": OK,
    "broker__test__testdata__request-retry-changed-bibinfo.xml": OK,
    "broker__test__testdata__request-retry-cost-loaned.xml": OK,
    "broker__test__testdata__request-retry-non-existing.xml": OK,
    "broker__test__testdata__request-retry-onloan-loaned.xml": OK,
    "broker__test__testdata__request-unfilled-2.xml": OK,
    "broker__test__testdata__request-unfilled-willsupply.xml": OK,
    "broker__test__testdata__request-unfilled.xml": OK,
    "broker__test__testdata__request-willsupply-loaned-cancel.xml": OK,
    "broker__test__testdata__request-willsupply-loaned.xml": OK,
    "broker__test__testdata__request-willsupply-unfilled-willsupply-loaned.xml": OK,
    "broker__test__testdata__supmsg-invalid-reason.xml": (
        "UnsupportedReasonForMessageType",
        "reasonForMessage: unknown value 'NoGoodReason'",
    ),
    "broker__test__testdata__supmsg-invalid-status.xml": (
        "UnrecognisedDataValue",
        "status: unknown value 'WeCouldLoan'",
    ),
    "broker__test__testdata__supmsg-no-reqid.xml": NO_REQID,
    "broker__test__testdata__supmsg-notification-2.xml": OK,
    "broker__test__testdata__supmsg-notification.xml": OK,
    "broker__test__testdata__supmsg-ok.xml": OK,
    "illmock__examples__cancel-req.xml": OK,
    "illmock__examples__error-req.xml": OK,
    "illmock__examples__renew-req.xml": OK,
    "illmock__examples__req.xml": OK,
    "illmock__reqform__example.xml": NO_REQID,
    "misc__request-mock-error.xml": NO_REQID,
    "misc__request-mock-multiple.xml": NO_REQID,
    "misc__request-mock-unfilled.xml": NO_REQID,
}


def sample(name: str) -> bytes:
    return shared_path(f"iso18626/samples/crosslink/{name}").read_bytes()


def assert_valid(data: bytes, *versions: str) -> None:
    for version in versions:
        assert iso18626.validate(data, version, xsd_dir()) == [], (version, data.decode())


def answer_to(data: bytes) -> tuple[bytes, str | None]:
    """What the /iso18626 endpoint would answer, and the version it answers in."""
    try:
        version, message = iso18626.parse(data)
    except ProtocolError as error:
        return iso18626.answer(error, NOW), error.version
    return iso18626.confirm(
        message.kind,
        message.header,
        version,
        NOW,
        reason_for_message=getattr(message, "reason_for_message", ""),
        action=getattr(message, "action", ""),
    ), version


# The shared samples ------------------------------------------------------------------


def test_every_shared_sample_has_an_expected_answer():
    if not SAMPLES.is_dir():
        pytest.skip(f"shared test data not present: {SAMPLES}")
    assert sorted(p.name for p in SAMPLES.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_sample_gets_the_answer_it_deserves(name):
    data = sample(name)
    expected = EXPECTED[name]

    answer, version = answer_to(data)

    assert version == "1.2"
    confirmation = iso18626.parse_confirmation(answer)
    if expected == OK:
        assert (confirmation.message_status, confirmation.error_type) == ("OK", "")
    else:
        assert confirmation.message_status == "ERROR"
        assert (confirmation.error_type, confirmation.error_value) == expected
    # Confirmations carry nothing that differs between the versions' schemas.
    assert_valid(answer, *VERSIONS)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e == OK))
def test_shared_sample_is_written_valid_in_both_versions_and_reads_back_the_same(name):
    version, message = iso18626.parse(sample(name))

    for target in VERSIONS:
        written = iso18626.write(message, target)
        assert_valid(written, target)
        assert iso18626.parse(written) == (target, message)


def test_a_sample_request_reads_into_the_fields_it_carries():
    version, message = iso18626.parse(sample("broker__test__catalog__request-1.xml"))

    assert version == "1.2"
    assert message == Request(
        header=Header(
            requesting_agency=AgencyId("ISIL", "REQ"),
            timestamp=datetime(2024, 11, 28, 10, 25, 11, 136000, tzinfo=UTC),
            requesting_agency_request_id="eacf8b17-e89a-4d70-8576-e49077f8c4e1",
            supplying_agency=AgencyId("ISIL", "BROKER"),
        ),
        bibliographic=BibliographicInfo(
            supplier_unique_record_id="(DE-627)1795329181",
            title="Lord of the Rings",
            author="JRR Tolkien",
            item_ids=[("ISBN", "1983")],
        ),
        publication=PublicationInfo(publication_date="1954"),
        service=ServiceInfo(
            request_type="New", request_sub_type=["PatronRequest"], service_type="Loan"
        ),
        requested_delivery=[
            RequestedDelivery(address=PhysicalAddress(line1="The Prancing Pony Inn, Bree"))
        ],
        patron=PatronInfo(patron_id="123"),
    )
    assert str(message.header.requesting_agency) == "ISIL:REQ"


def test_a_sample_supplying_agency_message_keeps_go_nanoseconds_to_the_microsecond():
    _, message = iso18626.parse(sample("broker__test__testdata__supmsg-ok.xml"))

    assert message.header.timestamp == datetime(2024, 12, 12, 20, 12, 0, 629597, tzinfo=UTC)
    assert (message.reason_for_message, message.status) == ("StatusChange", "Loaned")
    assert message.delivery == DeliveryInfo(
        date_sent=datetime(2024, 12, 12, 20, 12, 0, 629725, tzinfo=UTC), item_ids=["12345"]
    )


def test_an_error_answer_echoes_the_header_it_could_read():
    answer, _ = answer_to(sample("broker__test__testdata__supmsg-invalid-status.xml"))

    confirmation = iso18626.parse_confirmation(answer)
    assert confirmation.kind == "supplyingAgencyMessageConfirmation"
    assert confirmation.supplying_agency == AgencyId("ISIL", "SUP")
    assert confirmation.requesting_agency == AgencyId("ISIL", "BROKER")
    assert confirmation.requesting_agency_request_id == "reqid"
    assert confirmation.timestamp == NOW
    assert confirmation.timestamp_received == datetime(2024, 12, 12, 20, 12, 0, 629597, tzinfo=UTC)
    # The reason was valid and is echoed; the unknown action of another sample is not,
    # which would make the answer itself invalid.
    assert confirmation.reason_for_message == "StatusChange"
    answer, _ = answer_to(sample("broker__test__testdata__reqmsg-invalid-action.xml"))
    assert iso18626.parse_confirmation(answer).action == ""


def test_a_message_too_broken_to_know_gets_a_bare_request_confirmation():
    answer, _ = answer_to(sample("broker__test__testdata__msg-invalid.xml"))

    confirmation = iso18626.parse_confirmation(answer)
    assert confirmation.kind == "requestConfirmation"
    assert (confirmation.supplying_agency, confirmation.requesting_agency) == (None, None)
    assert confirmation.timestamp == confirmation.timestamp_received == NOW


# Messages we write -------------------------------------------------------------------

HEADER = Header(
    requesting_agency=AgencyId("ISIL", "CN-100000-0"),
    timestamp=NOW,
    requesting_agency_request_id="BB-2025-000042",
    supplying_agency=AgencyId("ISIL", "DE-7"),
    supplying_agency_request_id="",
    account_id="bibliobridge",
    security_code="s3cret",
)


def full_request(version: str) -> Request:
    """A request using every field the version can carry."""
    new = version == "2021-2"
    return Request(
        header=dataclasses.replace(
            HEADER,
            multiple_item_request_id="M-1",
            consortial_id=AgencyId("ISIL", "CN-CASHL") if new else None,
        ),
        bibliographic=BibliographicInfo(
            supplier_unique_record_id="(DE-601)123",
            title="Journal of Chinese Linguistics",
            author="王力",
            author_id="0000000121032683" if new else "",
            subtitle="A subtitle",
            series="Monographs",
            edition="2nd",
            title_of_component="On tones",
            author_of_component="Chao, Yuen Ren",
            volume="12",
            issue="3",
            pages_requested="101-120",
            estimated_no_pages="20",
            item_ids=[("ISSN", "0091-3723"), ("DOI", "10.1000/182")],
            sponsor="CASHL",
            information_source="WorldCat",
            record_ids=[("OCLC", "1234567")],
        ),
        publication=PublicationInfo(
            publisher="Project on Linguistic Analysis",
            publisher_id="0000000404040404" if new else "",
            publication_type="Journal",
            publication_date="1984",
            place_of_publication="Berkeley",
        ),
        service=ServiceInfo(
            request_type="New",
            request_sub_type=["PatronRequest"],
            requesting_agency_previous_request_id="BB-2025-000041",
            service_type="Copy",
            service_level="Normal",
            preferred_format="PDF",
            need_before_date=NOW + timedelta(days=14),
            copyright_compliance="CN-Research",
            any_edition=False,
            preferred_edition="ThisEdition" if new else "",
            loan_conditions=["NoReproduction"] if new else [],
            start_date=NOW,
            end_date=NOW + timedelta(days=30),
            note="For research use only",
        ),
        suppliers=[
            SupplierInfo(
                sort_order=1,
                supplier_code=AgencyId("ISIL", "DE-7"),
                supplier_description="SUB Göttingen",
                record_id=("DE-601", "123"),
                call_number="4 LING 123",
                summary_holdings="1.1973-",
                availability_note="on shelf",
            )
        ],
        requested_delivery=[
            RequestedDelivery(
                sort_order=1,
                address=ElectronicAddress("Email", "ill@lib.example.cn"),
                delivery_method="Email" if new else "",
            ),
            RequestedDelivery(
                sort_order=2,
                address=PhysicalAddress(
                    line1="5 Yiheyuan Road",
                    line2="Haidian",
                    locality="Beijing",
                    postal_code="100871",
                    region="CN-BJ",
                    country="CN",
                ),
                courier_name="DHL" if new else "",
            ),
        ],
        requesting_agency_info=RequestingAgencyInfo(
            name="Peking University Library",
            contact_name="ILL desk",
            addresses=[ElectronicAddress("Email", "ill@lib.example.cn")],
        ),
        patron=PatronInfo(
            patron_id="2025001",
            surname="Li",
            given_name="Hua",
            patron_type="Faculty",
            send_to_patron=True,
            addresses=[ElectronicAddress("Email", "li.hua@example.cn")],
        ),
        billing=BillingInfo(
            payment_method="IFLAVoucher",
            maximum_costs=Costs(Decimal("25.50"), "EUR"),
            billing_method="Invoice",
            billing_name="PKU Library",
            address=PhysicalAddress(line1="5 Yiheyuan Road", country="CN"),
        ),
    )


def full_supplying_agency_message(version: str) -> SupplyingAgencyMessage:
    new = version == "2021-2"
    header = Header(
        requesting_agency=HEADER.requesting_agency,
        timestamp=NOW,
        requesting_agency_request_id="BB-2025-000042",
        supplying_agency=HEADER.supplying_agency,
        supplying_agency_request_id="DE7-991",
    )
    return SupplyingAgencyMessage(
        header=header,
        reason_for_message="RequestResponse",
        status="HoldReturn" if new else "Loaned",
        last_change=NOW - timedelta(minutes=5),
        answer_yes_no=True,
        note="Handle with care",
        reason_unfilled="",
        reason_retry="CostExceedsMaxCost",
        offered_costs=Costs(Decimal("12.00"), "EUR"),
        retry_after=NOW + timedelta(days=1),
        retry_before=NOW + timedelta(days=10),
        expected_delivery_date=NOW + timedelta(days=3),
        due_date=NOW + timedelta(days=40),
        delivery=DeliveryInfo(
            date_sent=NOW,
            item_ids=["39015012345678", "39015012345679"] if new else ["39015012345678"],
            url="https://bibliobridge.example/d/abc" if new else "",
            delivery_method="Courier",
            sent_to_patron=False,
            loan_condition="LibraryUseOnly",
            item_format="Printed",
            service_type="Loan" if new else "",
            delivery_costs=Costs(Decimal("7.5"), "CNY"),
            payment_method="IFM" if new else "",
        ),
        shipping=ShippingInfo(
            courier_name="DHL",
            tracking_ids=["JD014600003828"],
            insurance=True,
            insurance_third_party=False,
            third_party_name="Allianz",
            insurance_costs=Costs(Decimal("3"), "EUR"),
        )
        if new
        else None,
        return_info=ReturnInfo(
            return_agency_id=AgencyId("ISIL", "DE-7"),
            name="SUB Göttingen, Fernleihe",
            address=PhysicalAddress(line1="Platz der Göttinger Sieben 1", country="DE"),
        ),
    )


def full_requesting_agency_message(version: str) -> RequestingAgencyMessage:
    return RequestingAgencyMessage(
        header=Header(
            requesting_agency=HEADER.requesting_agency,
            timestamp=NOW,
            requesting_agency_request_id="BB-2025-000042",
            supplying_agency=HEADER.supplying_agency,
            supplying_agency_request_id="DE7-991",
            account_id="bibliobridge",
            security_code="s3cret",
        ),
        action="HoldReturn" if version == "2021-2" else "ShippedReturn",
        note="Returned by registered mail",
    )


FULL = [full_request, full_supplying_agency_message, full_requesting_agency_message]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("build", FULL, ids=lambda b: b.__name__)
def test_each_kind_is_written_valid_checks_clean_and_reads_back_the_same(build, version):
    message = build(version)

    written = iso18626.write(message, version)

    assert iso18626.check(message, version) == []
    assert written.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert_valid(written, version)
    assert iso18626.parse(written) == (version, message)


def test_2021_bibliographic_item_id_is_written_code_first_and_1_2_identifier_first():
    message = full_request("1.2")

    def first_item_id_children(version):
        root = etree.fromstring(iso18626.write(message, version))
        item = root.find(f".//{{{NAMESPACE}}}bibliographicItemId")
        return [etree.QName(child).localname for child in item]

    assert first_item_id_children("1.2") == [
        "bibliographicItemIdentifier",
        "bibliographicItemIdentifierCode",
    ]
    assert first_item_id_children("2021-2") == [
        "bibliographicItemIdentifierCode",
        "bibliographicItemIdentifier",
    ]


def test_retry_offer_travels_in_message_info_in_1_2_and_retry_info_in_2021():
    message = full_supplying_agency_message("1.2")

    old = iso18626.write(message, "1.2").decode()
    new = iso18626.write(message, "2021-2").decode()

    assert "<retryInfo>" not in old and "<sentVia>Courier</sentVia>" in old
    assert "<retryInfo><offeredCosts><currencyCode>EUR</currencyCode>" in new
    assert "<deliveryMethod>Courier</deliveryMethod>" in new
    assert "<monetaryValue>12.00</monetaryValue>" in new


def test_times_are_written_in_utc_with_z():
    beijing = timezone(timedelta(hours=8))

    assert iso18626.format_datetime(datetime(2025, 1, 1, 8, 0, tzinfo=beijing)) == (
        "2025-01-01T00:00:00Z"
    )
    assert iso18626.format_datetime(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert iso18626.format_datetime(NOW) == "2025-03-14T09:26:53.589793Z"
    with pytest.raises(ValueError, match="naive"):
        iso18626.format_datetime(datetime(2025, 1, 1))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", [*iso18626.MESSAGE_KINDS, None])
def test_every_confirmation_we_write_validates_in_both_versions(kind, version):
    ok = iso18626.confirm(
        kind,
        HEADER,
        version,
        NOW,
        reason_for_message="StatusChange",
        action="Received",
    )
    error = iso18626.confirm(
        kind, None, version, NOW, iso18626.BadlyFormedMessage("not well-formed XML")
    )

    assert_valid(ok, *VERSIONS)
    assert_valid(error, *VERSIONS)
    confirmation = iso18626.parse_confirmation(ok)
    assert confirmation.kind == iso18626.confirmation_kind(kind)
    assert confirmation.ok
    assert confirmation.requesting_agency_request_id == "BB-2025-000042"
    assert confirmation.supplying_agency == AgencyId("ISIL", "DE-7")
    failed = iso18626.parse_confirmation(error)
    assert (failed.message_status, failed.error_type, failed.error_value) == (
        "ERROR",
        "BadlyFormedMessage",
        "not well-formed XML",
    )


def test_a_confirmation_does_not_echo_an_action_its_version_lacks():
    answer = iso18626.confirm("requestingAgencyMessage", HEADER, "1.2", NOW, action="HoldReturn")

    assert iso18626.parse_confirmation(answer).action == ""
    assert_valid(answer, "1.2")


def test_a_confirmation_escapes_what_it_echoes_and_drops_what_xml_cannot_carry():
    header = dataclasses.replace(HEADER, requesting_agency_request_id="A&B <r-1> 紅樓夢")
    detail = "value 'x\x01y' of <note> & more\r"
    answer = iso18626.confirm(
        "request", header, "2021-2", NOW, iso18626.UnrecognisedDataValue(detail)
    )

    assert_valid(answer, "2021-2")
    confirmation = iso18626.parse_confirmation(answer)
    assert confirmation.requesting_agency_request_id == "A&B <r-1> 紅樓夢"
    assert confirmation.error_value == "value 'xy' of <note> & more"


@pytest.mark.parametrize("value", ["plain-1", "R&D-1", "r<1", "r>1", "line\rbreak", "tab\tin"])
def test_a_confirmation_echoes_an_ascii_id_as_it_was_sent(value):
    header = dataclasses.replace(HEADER, requesting_agency_request_id=value)
    answer = iso18626.confirm("request", header, "2021-2", NOW)

    assert_valid(answer, "2021-2")
    assert iso18626.parse_confirmation(answer).requesting_agency_request_id == value


# Leniency ----------------------------------------------------------------------------


def envelope(body: str, version: str = "1.2", attribute: str = "ill:version") -> bytes:
    return (
        f'<ISO18626Message xmlns="{NAMESPACE}" xmlns:ill="{NAMESPACE}" {attribute}="{version}">'
        f"{body}</ISO18626Message>"
    ).encode()


def supplying_message(
    header_extra: str = "",
    timestamp: str = "2024-12-12T20:12:00Z",
    message_info: str = "<reasonForMessage>StatusChange</reasonForMessage>",
    status: str = "Loaned",
    extra: str = "",
) -> str:
    return (
        "<supplyingAgencyMessage>"
        "<statusInfo><lastChange>2024-12-12T20:12:00Z</lastChange>"
        f"<status>{status}</status></statusInfo>"
        f"<messageInfo>{message_info}</messageInfo>"
        f"{extra}"
        "<header>"
        f"<timestamp>{timestamp}</timestamp>"
        "<requestingAgencyRequestId>r1</requestingAgencyRequestId>"
        "<requestingAgencyId><agencyIdValue>REQ</agencyIdValue>"
        "<agencyIdType>ISIL</agencyIdType></requestingAgencyId>"
        "<supplyingAgencyId><agencyIdType>ISIL</agencyIdType>"
        "<agencyIdValue>SUP</agencyIdValue></supplyingAgencyId>"
        f"{header_extra}"
        "</header>"
        "</supplyingAgencyMessage>"
    )


def test_elements_in_any_order_are_read():
    version, message = iso18626.parse(envelope(supplying_message()))

    assert version == "1.2"
    assert message.header.requesting_agency == AgencyId("ISIL", "REQ")
    assert (message.reason_for_message, message.status) == ("StatusChange", "Loaned")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-12-12T20:12:00Z", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        ("2024-12-12T20:12:00+00:00", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        ("2024-12-12T20:12:00+0000", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        ("2024-12-12T22:12:00+0200", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        ("2024-12-13T04:12:00+08:00", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        ("2024-12-12T15:12:00-05:00", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        ("2024-12-12T20:12:00", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
        (
            "2024-12-12T20:12:00.629710681Z",
            datetime(2024, 12, 12, 20, 12, 0, 629710, tzinfo=UTC),
        ),
        ("2024-12-12T20:12:00.6Z", datetime(2024, 12, 12, 20, 12, 0, 600000, tzinfo=UTC)),
        ("2024-12-12", datetime(2024, 12, 12, tzinfo=UTC)),
        ("2024-12-12T24:00:00Z", datetime(2024, 12, 13, tzinfo=UTC)),
        ("0001-01-01T00:00:00.000Z", datetime(1, 1, 1, tzinfo=UTC)),
        (" 2024-12-12T20:12:00Z\n", datetime(2024, 12, 12, 20, 12, tzinfo=UTC)),
    ],
)
def test_timestamps_as_peers_write_them(text, expected):
    _, message = iso18626.parse(envelope(supplying_message(timestamp=text)))

    assert message.header.timestamp == expected
    assert message.header.timestamp.tzinfo is UTC


def test_empty_optional_elements_are_absent():
    header_extra = (
        "<multipleItemRequestId></multipleItemRequestId>"
        "<supplyingAgencyRequestId> </supplyingAgencyRequestId>"
        "<requestingAgencyAuthentication/>"
    )
    extra = "<deliveryInfo></deliveryInfo><returnInfo>\n</returnInfo>"
    info = (
        "<reasonForMessage>StatusChange</reasonForMessage>"
        "<answerYesNo/><offeredCosts></offeredCosts><retryAfter></retryAfter>"
    )

    _, message = iso18626.parse(
        envelope(supplying_message(header_extra, message_info=info, extra=extra))
    )

    assert message.header.multiple_item_request_id == ""
    assert message.header.supplying_agency_request_id == ""
    assert message.answer_yes_no is None
    assert (message.offered_costs, message.retry_after) == (None, None)
    assert (message.delivery, message.return_info) == (None, None)


def test_the_other_versions_names_and_places_are_read():
    extra = (
        "<retryInfo><retryBefore>2025-01-01T00:00:00Z</retryBefore>"
        "<offeredCosts><currencyCode>eur</currencyCode><monetaryValue>5.5</monetaryValue>"
        "</offeredCosts></retryInfo>"
        "<deliveryInfo><dateSent>2024-12-12T20:12:00Z</dateSent>"
        "<sentVia>Mail</sentVia><deliveredFormat>Printed</deliveredFormat></deliveryInfo>"
        "<returnInfo><physicalAddress><region ill:scheme='ISO3166-2'>CN-BJ</region>"
        "</physicalAddress></returnInfo>"
    )

    version, message = iso18626.parse(envelope(supplying_message(extra=extra), version="2021-2"))

    assert version == "2021-2"
    assert message.offered_costs == Costs(Decimal("5.5"), "EUR")
    assert message.retry_before == datetime(2025, 1, 1, tzinfo=UTC)
    assert (message.delivery.delivery_method, message.delivery.item_format) == (
        "Mail",
        "Printed",
    )
    assert message.return_info.address == PhysicalAddress(region="CN-BJ")


def test_a_2021_status_in_a_1_2_message_is_understood():
    _, message = iso18626.parse(envelope(supplying_message(status="HoldReturn")))

    assert message.status == "HoldReturn"


@pytest.mark.parametrize(
    ("attribute", "label", "version"),
    [
        ("version", "1.2", "1.2"),
        ("ill:version", "1.1", "1.2"),
        ("ill:version", "2021-1", "2021-2"),
        ("ill:version", " 2021-2 ", "2021-2"),
    ],
)
def test_version_labels_peers_use(attribute, label, version):
    assert iso18626.parse(envelope(supplying_message(), label, attribute))[0] == version


def test_unknown_elements_inside_known_structures_and_foreign_namespaces_are_ignored():
    header_extra = "<vendorRoutingHint>fast</vendorRoutingHint>"
    extra = '<x:trace xmlns:x="urn:example:vendor">abc</x:trace>'

    _, message = iso18626.parse(envelope(supplying_message(header_extra, extra=extra)))

    assert message.status == "Loaned"


# Refusals ----------------------------------------------------------------------------


def refused(data: bytes) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        iso18626.parse(data)
    return caught.value


@pytest.mark.parametrize(
    ("data", "error_type", "detail"),
    [
        (b"", "BadlyFormedMessage", None),
        (b"Invalid", "BadlyFormedMessage", None),
        (b"<ISO18626Message", "BadlyFormedMessage", None),
        (
            b'<ISO18626Message xmlns="urn:wrong"><request/></ISO18626Message>',
            "BadlyFormedMessage",
            "ISO18626Message: namespace 'urn:wrong' is not " + NAMESPACE,
        ),
        (
            b"<ISO18626Message><request/></ISO18626Message>",
            "BadlyFormedMessage",
            "ISO18626Message: namespace '(none)' is not " + NAMESPACE,
        ),
        (
            f'<message xmlns="{NAMESPACE}"/>'.encode(),
            "BadlyFormedMessage",
            "message: not an ISO18626Message",
        ),
        (
            envelope("<request/><request/>"),
            "BadlyFormedMessage",
            "ISO18626Message: more than one message in it",
        ),
        (
            envelope("<loanRequest/>"),
            "UnrecognisedDataElement",
            "ISO18626Message/loanRequest: not an ISO 18626 message",
        ),
        (
            envelope("<requestConfirmation/>"),
            "BadlyFormedMessage",
            "requestConfirmation: a confirmation, not a message",
        ),
        (
            envelope(supplying_message(), version="3.0"),
            "UnrecognisedDataValue",
            "version: '3.0' is not one of 1.2, 2021-2",
        ),
        (
            envelope("<request><bibliographicInfo/></request>"),
            "BadlyFormedMessage",
            "request/header: missing",
        ),
        (
            envelope(supplying_message(timestamp="yesterday")),
            "UnrecognisedDataValue",
            "timestamp: 'yesterday' is not a date and time",
        ),
        (
            envelope(supplying_message(timestamp="2024-02-30T10:00:00Z")),
            "UnrecognisedDataValue",
            "timestamp: '2024-02-30T10:00:00Z' is not a date and time",
        ),
        (
            envelope(supplying_message(timestamp="0001-01-01T00:00:00+01:00")),
            "UnrecognisedDataValue",
            "timestamp: '0001-01-01T00:00:00+01:00' is not a date and time",
        ),
        (
            envelope(supplying_message(timestamp="")),
            "UnrecognisedDataValue",
            "timestamp: cannot be empty",
        ),
        (
            envelope(supplying_message(status="")),
            "UnrecognisedDataValue",
            "status: cannot be empty",
        ),
        (
            envelope(supplying_message(message_info="")),
            "BadlyFormedMessage",
            "messageInfo/reasonForMessage: missing",
        ),
        (
            envelope(supplying_message(extra="<invoiceInfo><x>1</x></invoiceInfo>")),
            "UnrecognisedDataElement",
            "supplyingAgencyMessage/invoiceInfo: not an element of supplyingAgencyMessage",
        ),
        (
            envelope(
                supplying_message(
                    message_info="<reasonForMessage>StatusChange</reasonForMessage>"
                    "<answerYesNo>maybe</answerYesNo>"
                )
            ),
            "UnrecognisedDataValue",
            "answerYesNo: 'maybe' is not Y or N",
        ),
        (
            envelope(
                supplying_message(
                    message_info="<reasonForMessage>StatusChange</reasonForMessage>"
                    "<offeredCosts><currencyCode>EUR</currencyCode>"
                    "<monetaryValue>1e3</monetaryValue></offeredCosts>"
                )
            ),
            "UnrecognisedDataValue",
            "offeredCosts/monetaryValue: '1e3' is not a decimal",
        ),
    ],
)
def test_messages_refused_with_the_right_error_type(data, error_type, detail):
    error = refused(data)

    assert error.error_type == error_type
    if detail is not None:
        assert error.detail == detail
    # Whatever went wrong, the answer is a valid confirmation.
    assert_valid(iso18626.answer(error, NOW), *VERSIONS)


REQUEST_HEADER = (
    "<header>{supplying}{requesting}{timestamp}{reqid}</header>"
    "<bibliographicInfo><title>T</title></bibliographicInfo>"
    "<serviceInfo><serviceType>{service}</serviceType></serviceInfo>"
)
PARTS = {
    "supplying": "<supplyingAgencyId><agencyIdType>ISIL</agencyIdType>"
    "<agencyIdValue>SUP</agencyIdValue></supplyingAgencyId>",
    "requesting": "<requestingAgencyId><agencyIdType>ISIL</agencyIdType>"
    "<agencyIdValue>REQ</agencyIdValue></requestingAgencyId>",
    "timestamp": "<timestamp>2024-11-28T10:25:11.136Z</timestamp>",
    "reqid": "<requestingAgencyRequestId>r1</requestingAgencyRequestId>",
    "service": "Loan",
}


def request_with(**changes: str) -> bytes:
    return envelope("<request>" + REQUEST_HEADER.format(**{**PARTS, **changes}) + "</request>")


@pytest.mark.parametrize(
    ("changes", "error_type", "detail", "header_echoed"),
    [
        (
            {"requesting": ""},
            "BadlyFormedMessage",
            "header/requestingAgencyId: missing",
            False,
        ),
        (
            {"requesting": "<requestingAgencyId/>"},
            "UnrecognisedDataValue",
            "requestingAgencyId: cannot be empty",
            False,
        ),
        (
            {
                "requesting": "<requestingAgencyId><agencyIdValue>REQ</agencyIdValue></requestingAgencyId>"
            },
            "UnrecognisedDataValue",
            "requestingAgencyId/agencyIdType: cannot be empty",
            False,
        ),
        ({"timestamp": ""}, "BadlyFormedMessage", "header/timestamp: missing", False),
        (
            {"reqid": ""},
            "BadlyFormedMessage",
            "header/requestingAgencyRequestId: missing",
            True,
        ),
        (
            {"reqid": "<requestingAgencyRequestId/>"},
            "UnrecognisedDataValue",
            "requestingAgencyRequestId: cannot be empty",
            True,
        ),
        (
            {"service": "Lend"},
            "UnrecognisedDataValue",
            "serviceType: unknown value 'Lend'",
            True,
        ),
    ],
)
def test_a_request_missing_what_identifies_it_is_refused(
    changes, error_type, detail, header_echoed
):
    error = refused(request_with(**changes))

    assert (error.error_type, error.detail, error.kind) == (error_type, detail, "request")
    assert (error.header is not None) == header_echoed
    assert_valid(iso18626.answer(error, NOW), *VERSIONS)


def test_a_request_without_a_supplier_is_read_but_other_messages_need_one():
    _, message = iso18626.parse(request_with(supplying=""))
    assert message.header.supplying_agency is None

    error = refused(envelope(supplying_message().replace("SUP<", "<")))
    assert (error.error_type, error.detail) == (
        "UnrecognisedDataValue",
        "supplyingAgencyId/agencyIdValue: cannot be empty",
    )


def test_an_unknown_action_is_an_unsupported_action_type():
    body = (
        "<requestingAgencyMessage><action>Burn</action>"
        + supplying_message().split("</messageInfo>")[1].split("</supplyingAgencyMessage>")[0]
        + "</requestingAgencyMessage>"
    )

    error = refused(envelope(body))

    assert (error.error_type, error.detail) == (
        "UnsupportedActionType",
        "action: unknown value 'Burn'",
    )


# Hostile input -----------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ISO18626Message [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ISO18626Message xmlns="http://illtransactions.org/2013/iso18626" version="1.2">
<requestingAgencyMessage><note>&secret;</note></requestingAgencyMessage></ISO18626Message>"""

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<lolz>&lol9;</lolz>"
)


@pytest.mark.parametrize(
    "data",
    [XXE, BILLION_LAUGHS, BILLION_LAUGHS.decode().encode("utf-16")],
    ids=["external-entity", "billion-laughs", "billion-laughs-utf16"],
)
def test_entities_are_refused_never_expanded(data):
    # Refused for the declaration itself, before any entity is read or expanded.
    error = refused(data)

    assert error.error_type == "BadlyFormedMessage"
    assert error.detail == "a DOCTYPE or entity declaration is not accepted"
    assert b"root:" not in iso18626.answer(error, NOW)


def test_an_oversized_body_is_refused_before_parsing():
    padding = "x" * iso18626.MAX_BYTES
    data = envelope(supplying_message(message_info=f"<note>{padding}</note>"))

    error = refused(data)

    assert error.error_type == "BadlyFormedMessage"
    assert error.detail == f"message of {len(data)} bytes is larger than the 1048576 bytes accepted"


def test_validate_reads_the_document_as_safely_as_parse():
    assert iso18626.validate(XXE, "1.2", xsd_dir()) == [
        "a DOCTYPE or entity declaration is not accepted"
    ]


def test_validate_reports_schema_errors_and_loads_each_schema_once():
    errors = iso18626.validate(sample("broker__test__testdata__reqmsg-ok.xml"), "2021-2", xsd_dir())

    assert len(errors) == 1
    assert "multipleItemRequestId" in errors[0]
    assert iso18626.schema("1.2", xsd_dir()) is iso18626.schema("1.2", xsd_dir())


# check() -----------------------------------------------------------------------------


def test_check_catches_missing_required_elements():
    message = Request(
        header=Header(
            requesting_agency=AgencyId("ISIL", ""),
            timestamp=NOW,
            requesting_agency_request_id="",
        ),
        bibliographic=BibliographicInfo(item_ids=[("ISBN", "")]),
    )

    assert iso18626.check(message, "1.2") == [
        "header/requestingAgencyId/agencyIdValue: empty",
        "header/supplyingAgencyId: missing",
        "header/requestingAgencyRequestId: empty",
        "bibliographicInfo/bibliographicItemId: ('ISBN', '') needs a code and an identifier",
        "serviceInfo/serviceType: missing",
    ]
    # 2021-2 lets a request go without a supplier (a transfer request).
    assert "header/supplyingAgencyId: missing" not in iso18626.check(message, "2021-2")


def test_check_catches_values_only_the_other_version_has():
    message = full_supplying_agency_message("2021-2")
    message.header.consortial_id = AgencyId("ISIL", "CN-CASHL")

    assert iso18626.check(message, "1.2") == [
        "header/consortialId: exists only in version 2021-2, would be left out",
        "statusInfo/status: 'HoldReturn' exists only in version 2021-2",
        "deliveryInfo/itemId: 1.2 carries one, the rest would be left out",
        "deliveryInfo/URL: exists only in version 2021-2, would be left out",
        "deliveryInfo/serviceType: exists only in version 2021-2, would be left out",
        "deliveryInfo/paymentMethod: exists only in version 2021-2, would be left out",
        "shippingInfo: exists only in version 2021-2, would be left out",
    ]
    assert iso18626.check(full_requesting_agency_message("2021-2"), "1.2") == [
        "action: 'HoldReturn' exists only in version 2021-2"
    ]


def test_check_catches_codes_money_and_naive_times():
    message = full_supplying_agency_message("1.2")
    message.reason_for_message = "Because"
    message.status = "Unfilled"
    message.offered_costs = Costs(Decimal("-1"), "RMB")
    message.due_date = datetime(2025, 1, 1)

    assert iso18626.check(message, "1.2") == [
        "messageInfo/reasonForMessage: 'Because' is not one of RequestResponse, "
        "StatusRequestResponse, RenewResponse, CancelResponse, StatusChange, Notification",
        "messageInfo/reasonUnfilled: an Unfilled answer should say why",
        "offeredCosts/monetaryValue: -1 is not an amount",
        "offeredCosts/currencyCode: 'RMB' is not an ISO 4217 code",
        "due_date: a naive datetime, times must be timezone-aware",
    ]


def test_what_a_version_cannot_carry_is_left_out_so_the_message_stays_valid():
    message = full_supplying_agency_message("2021-2")
    message.status = "Loaned"

    written = iso18626.write(message, "1.2")

    assert_valid(written, "1.2")
    _, read = iso18626.parse(written)
    assert read.shipping is None
    assert read.delivery.item_ids == ["39015012345678"]


def test_a_utf16_body_is_read_like_utf8():
    data = sample("broker__test__catalog__request-1.xml")

    assert iso18626.parse(data.decode().encode("utf-16")) == iso18626.parse(data)


def test_the_request_form_example_reads_its_deliveries_and_scheme_region_once_it_has_an_id():
    data = sample("illmock__reqform__example.xml").replace(
        b"<requestingAgencyRequestId></requestingAgencyRequestId>",
        b"<requestingAgencyRequestId>r-1</requestingAgencyRequestId>",
    )

    _, message = iso18626.parse(data)

    assert message.header.timestamp == datetime(1, 1, 1, tzinfo=UTC)
    assert message.requested_delivery == [
        RequestedDelivery(sort_order=1, address=ElectronicAddress("Email", "library.ill@xyz.edu")),
        RequestedDelivery(
            sort_order=2,
            address=PhysicalAddress(
                line1="123 Main St",
                locality="Chicago",
                postal_code="60601",
                region="IL",
                country="USA",
            ),
        ),
    ]
    assert message.suppliers == []
    assert_valid(iso18626.write(message, "2021-2"), "2021-2")
