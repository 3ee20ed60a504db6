"""An ILL network in miniature: our library, two lenders that speak ISO 18626, a secret each."""

import datetime as dt
import hashlib
from dataclasses import dataclass

import pytest

from bibliobridge.ill import iso18626 as proto
from bibliobridge.ill.models import IllPeer
from bibliobridge.partners.enums import EndpointKind, IdentifierScheme
from bibliobridge.partners.models import Endpoint, Identifier, Institution
from bibliobridge.partners.tests.factories import InstitutionFactory

HOME_ISIL = "CN-100000-1"
SECRETS = {"DE-1": "secret-of-de-1-" + "x" * 20, "FR-2": "secret-of-fr-2-" + "y" * 20}


@dataclass
class Network:
    home: Institution
    lenders: list[Institution]

    def secret(self, partner: Institution) -> str:
        return SECRETS[partner.identifiers.get(scheme=IdentifierScheme.ISIL).value]


def _library(isil: str, home: bool = False, version: str = "1.2") -> Institution:
    institution = InstitutionFactory(is_home=home)
    Identifier.objects.create(institution=institution, scheme=IdentifierScheme.ISIL, value=isil)
    if not home:
        Endpoint.objects.create(
            institution=institution,
            kind=EndpointKind.ISO18626,
            url=f"http://127.0.0.1:9/{isil}/iso18626",
            version=version,
        )
        IllPeer.objects.create(
            institution=institution,
            secret_sha256=hashlib.sha256(SECRETS[isil].encode()).hexdigest(),
        )
    return institution


@pytest.fixture
def network(db) -> Network:
    return Network(
        home=_library(HOME_ISIL, home=True),
        lenders=[_library("DE-1"), _library("FR-2", version="2021-2")],
    )


def supplier_says(
    request_id: str,
    lender: str,
    status: str,
    reason: str = "StatusChange",
    answer: bool | None = None,
    **fields,
) -> proto.SupplyingAgencyMessage:
    """A lender's message about our request ``request_id``."""
    now = dt.datetime.now(dt.UTC)
    return proto.SupplyingAgencyMessage(
        header=proto.Header(
            supplying_agency=proto.AgencyId("ISIL", lender),
            requesting_agency=proto.AgencyId("ISIL", HOME_ISIL),
            timestamp=now,
            requesting_agency_request_id=request_id,
            supplying_agency_request_id=f"{lender}-{request_id}",
        ),
        reason_for_message=reason,
        status=status,
        last_change=now,
        answer_yes_no=answer,
        **fields,
    )


def requester_says(their_id: str, requester: str, action: str) -> proto.RequestingAgencyMessage:
    """A borrowing library's action on its request ``their_id`` to us."""
    return proto.RequestingAgencyMessage(
        header=proto.Header(
            supplying_agency=proto.AgencyId("ISIL", HOME_ISIL),
            requesting_agency=proto.AgencyId("ISIL", requester),
            timestamp=dt.datetime.now(dt.UTC),
            requesting_agency_request_id=their_id,
        ),
        action=action,
    )


def partner_request(their_id: str, requester: str, service: str = "Loan") -> proto.Request:
    return proto.Request(
        header=proto.Header(
            supplying_agency=proto.AgencyId("ISIL", HOME_ISIL),
            requesting_agency=proto.AgencyId("ISIL", requester),
            timestamp=dt.datetime.now(dt.UTC),
            requesting_agency_request_id=their_id,
        ),
        bibliographic=proto.BibliographicInfo(
            title="Der Zauberberg", author="Mann, Thomas", item_ids=[("ISBN", "9783100482280")]
        ),
        service=proto.ServiceInfo(request_type="New", service_type=service),
    )


@pytest.fixture(autouse=True)
def _strict_validation(settings):
    """Every message the flows write is validated against the official XSDs, when present."""
    from .shared import SHARED_DATA

    xsd = SHARED_DATA / "iso18626" / "xsd"
    settings.ILL_XSD_DIR = str(xsd) if xsd.is_dir() else ""
