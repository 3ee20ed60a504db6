"""ILL in the demo: a mock lender to try a request live, and requests in every state.

The mock lender (``ill_mockpeer``, which ``make demo`` starts on port MOCK_PORT) is a
partner like the others, with an ISO 18626 endpoint on loopback: add it to a request's
rota and send, and it answers as its scenario word says (a title with "unfilled" is
refused, any other is lent). The other requests are written through the same services
and transitions as real ones; their messages to partners' (invented) servers are marked
delivered, so the worker does not try them.
"""

import datetime as dt
import hashlib
import random
from typing import Any

from django.utils import timezone

from bibliobridge.core.models import User
from bibliobridge.ill import services
from bibliobridge.ill.enums import Delivery, Direction, Role, Service
from bibliobridge.ill.models import IllMessage, IllPeer, IllRequest
from bibliobridge.partners import services as partner_services
from bibliobridge.partners.enums import EndpointKind, IdentifierScheme, InstitutionKind
from bibliobridge.partners.models import Endpoint, Institution

MOCK_PORT = 8626
MOCK_ISIL = "DE-MOCK1"
# The demo's mock peer proves itself with this; a demo, not a secret.
MOCK_SECRET = "demo-mock-lender-credential-not-for-production"  # noqa: S105

# (title, author, language, ISBN or ISSN, service, article title)
ITEMS = [
    ("ノルウェイの森", "村上春樹", "jpn", "9784062748681", Service.LOAN, ""),
    ("Война и мир", "Толстой, Лев", "rus", "9785170906307", Service.LOAN, ""),
    ("Der Zauberberg", "Mann, Thomas", "ger", "9783596294336", Service.LOAN, ""),
    ("Les Misérables", "Hugo, Victor", "fre", "9782253096337", Service.LOAN, ""),
    ("토지", "박경리", "kor", "9788934972136", Service.LOAN, ""),
    ("Cien años de soledad", "García Márquez, Gabriel", "spa", "9780307474728", Service.LOAN, ""),
    ("Nature", "", "eng", "0028-0836", Service.COPY, "Molecular structure of nucleic acids"),
    ("Journal of Documentation", "", "eng", "0022-0418", Service.COPY, "The open access advantage"),
    ("Bibliothek: Forschung und Praxis", "", "ger", "0341-4183", Service.COPY, "Fernleihe heute"),
    ("Вопросы истории", "", "rus", "0042-8779", Service.COPY, "Библиотеки Петербурга"),
]
# The partner's events and our steps that take a borrowing request to each demo state.
BORROWING_PATHS = [
    [],
    ["submit"],
    ["submit", "WillSupply"],
    ["submit", "WillSupply", "Loaned"],
    ["submit", "Loaned", "receive"],
    ["submit", "Loaned", "receive", "return", "LoanCompleted"],
    ["submit", "RetryPossible"],
    ["submit", "Unfilled"],
]
COPY_PATHS = [["submit"], ["submit", "CopyCompleted"], ["submit", "Unfilled"]]
LENDING_PATHS = [[], ["will_supply"], ["ship"], ["ship", "Received"], ["ship", "Received", "Renew"]]


def write(actor: User, seed: int = 18626) -> dict[str, Any]:
    rng = random.Random(seed)
    mock = _mock_lender(actor)
    partners = list(
        Institution.objects.filter(
            is_home=False,
            endpoints__kind=EndpointKind.ISO18626,
            identifiers__scheme=IdentifierScheme.ISIL,
        )
        .exclude(pk=mock.pk)
        .distinct()
        .order_by("pk")[:12]
    )
    made = []
    for index, (title, author, language, number, service, article) in enumerate(ITEMS * 3):
        fields = {
            "service": service, "title": title, "author": author, "language": language,
            "article_title": article, "patron_name": rng.choice(["王小明", "李华", "张伟", "Chen Jing"]),
            "isbn" if service == Service.LOAN else "issn": number,
        }  # fmt: skip
        request = services.create_request(actor, Role.REQUESTER, **fields)
        lenders = rng.sample(partners, k=min(2, len(partners)))
        services.set_rota(actor, request, [(p, "demo") for p in lenders])
        paths = COPY_PATHS if service == Service.COPY else BORROWING_PATHS
        for event in paths[index % len(paths)]:
            _step(request, event, actor)
            if event == "Unfilled":
                services.advance_rota(request)  # as a lender's real Unfilled does
        made.append(request)
    for index, partner in enumerate(partners[:10]):
        title, author, language, number, service, article = ITEMS[index % len(ITEMS)]
        lending = services.create_request(
            None, Role.SUPPLIER, service=service, title=title, author=author, language=language,
            article_title=article, partner=partner, their_id=f"{partner.pk}-{index + 1}",
        )  # fmt: skip
        paths = LENDING_PATHS if service == Service.LOAN else [[], ["will_supply"]]
        for event in paths[index % len(paths)]:
            _step(lending, event, actor)
    # Their servers are invented: what we "sent" them is marked delivered.
    IllMessage.objects.filter(direction=Direction.OUTGOING).exclude(partner=mock).update(
        delivery=Delivery.SENT, message_status="OK", sent_at=timezone.now()
    )
    return {"mock": mock, "requests": IllRequest.objects.count()}


def _step(request: IllRequest, event: str, actor: User) -> None:
    """A partner's event (capitalised, as ISO 18626 names it) or a staff step."""
    details = {"due_date": timezone.localdate() + dt.timedelta(days=28)}
    services.transition(request, event, None if event[0].isupper() else actor, details)


def _mock_lender(actor: User) -> Institution:
    mock = partner_services.create_institution(
        actor,
        {"kind": InstitutionKind.OTHER, "name": "Demo-Leihbibliothek (ISO 18626 mock)",
         "name_en": "Demo lender (ISO 18626 mock peer)", "name_zh": "演示出借馆（ISO 18626 模拟对端）",
         "country": "DE", "time_zone": "Europe/Berlin", "languages": ["de", "en"],
         "currencies": ["EUR"]},
        identifiers=[(IdentifierScheme.ISIL, MOCK_ISIL)],
    )  # fmt: skip
    partner_services.save_part(actor, Endpoint(
        institution=mock, kind=EndpointKind.ISO18626,
        url=f"http://127.0.0.1:{MOCK_PORT}/iso18626", version="1.2",
    ))  # fmt: skip
    IllPeer.objects.create(
        institution=mock, secret_sha256=hashlib.sha256(MOCK_SECRET.encode()).hexdigest()
    )
    return mock
