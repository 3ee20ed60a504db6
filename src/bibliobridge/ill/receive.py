"""Receiving an ISO 18626 message: who sent it, is it theirs to send, what it does.

``receive`` is what the /iso18626 endpoint calls. It always answers with a confirmation
(messageStatus OK or ERROR with its errorType), never raises for what a partner sent,
and keeps every message. A message is applied in one transaction with its record and
the state change it causes; the same message received twice is applied once and
answered as the first time.
"""

import hashlib
import hmac
import ipaddress
import json
import re
import time
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bibliobridge.core import kept, sql
from bibliobridge.partners.models import Identifier, Institution

from . import iso18626 as proto
from . import services
from .enums import Direction, Role
from .models import IllMessage, IllPeer, IllRequest
from .outgoing import AGENCY_SCHEMES, PAYMENT_OF_CODE
from .states import NEEDS_STAFF, RECORDED_ONLY, repeats, step_for

URL_IN_TEXT = re.compile(r"https?://\S+")
SCHEME_OF = {name: scheme for scheme, name in AGENCY_SCHEMES}

# Every message asks who sent it. These lookups are plain SQL: the ORM would spend
# several times longer building each query than the database takes to answer it.
IDENTIFIER, INSTITUTION, PEER = (
    model._meta.db_table for model in (Identifier, Institution, IllPeer)
)
PEER_SQL = (
    f"SELECT p.institution_id, p.secret_sha256, p.allowed_ips FROM {PEER} p "  # noqa: S608
    f"JOIN {INSTITUTION} i ON i.id = p.institution_id "
    f"JOIN {IDENTIFIER} d ON d.institution_id = p.institution_id "
    "WHERE d.scheme = %s AND d.value = %s AND NOT i.is_home AND p.secret_sha256 <> '' LIMIT 1"
)
OUR_IDS_SECONDS = 60
_OURS: tuple[float, frozenset[tuple[str, str]]] | None = None  # (until, our ids)
# A partner's access, as every message asks for it, is kept by each process this long
# (a change made in another process, such as a new secret, counts within it) and at
# most for this many agencies.
PEER_SECONDS = 10
PEERS_KEPT = 10_000
KNOWN_SQL = (
    f"SELECT institution_id FROM {IDENTIFIER} "  # noqa: S608
    "WHERE scheme = %s AND value = %s LIMIT 1"
)


@dataclass(frozen=True)
class Peer:
    """A partner's ISO 18626 access, as a message is checked against it."""

    institution_id: int
    secret_sha256: str
    allowed_ips: list[str]


@dataclass
class Caller:
    """What the HTTP request tells about its sender."""

    address: str
    bearer: str = ""


class ReadAgain(Exception):
    """What the message does depends on more than the state read before the transaction."""


class Refused(Exception):
    """The message is read but cannot be accepted; answered with ERROR."""

    def __init__(self, error_type: str, detail: str, flag: IllRequest | None = None) -> None:
        super().__init__(detail)
        self.error_type, self.detail = error_type, detail
        self.flag = flag  # a request to mark as needing attention (after the rollback)


def receive(body: bytes, caller: Caller) -> bytes:
    """Apply one message and return the confirmation to answer it with."""
    received_at = kept.now()
    digest = hashlib.sha256(body).hexdigest()
    try:
        version, message = proto.parse(body)
    except proto.ProtocolError as error:
        answer = proto.answer(error, received_at)
        _keep(body, digest, error.kind or "", "", None, "", answer, error.error_type, error.detail)
        return answer
    kind = message.kind
    sender_id = (
        message.header.supplying_agency
        if isinstance(message, proto.SupplyingAgencyMessage)
        else message.header.requesting_agency
    )
    agency = f"{sender_id.type}:{sender_id.value}" if sender_id else ""
    try:
        # Read and written before the transaction: on SQLite it is the one writer at a time.
        partner = _authenticate(message, sender_id, caller)
        reason, action = _echo(message)
        answer = proto.confirm(
            kind, message.header, version, received_at, reason_for_message=reason, action=action
        )

        def apply_and_keep(read: IllRequest | None) -> None:
            event, request = _apply(message, partner, read)
            # Kept last: the unique (agency, digest) refuses a resend here, rolling back all.
            _keep(body, digest, kind, version, partner, agency, answer, "", "", request, event)

        # The request is read before the transaction, and on SQLite the writes are made
        # ready before it too (sql.planned): there one transaction writes at a time, and
        # its turn is best spent writing. The state changes only if it is still the one
        # read; if not, the request is read again inside the transaction, locked.
        read = _request_named(message, partner)
        try:
            if read is not None and sql.can_plan():
                with sql.planned() as plan:
                    apply_and_keep(read)
                sql.run(plan)
            else:
                # The audit entry and the message are written in one round trip (PostgreSQL).
                with transaction.atomic(), sql.together():
                    apply_and_keep(read)
        except (services.Conflict, ReadAgain, sql.Stale, sql.NotPlanned):
            with transaction.atomic(), sql.together():
                apply_and_keep(None)
        return answer
    except IntegrityError:
        # The same message again (a resend, or twice at once): applied once, answered alike.
        earlier = _earlier(agency, digest)
        if earlier is not None:
            return earlier
        raise
    except Refused as refusal:
        # A resend the state has moved past (a new request again, an Unfilled after the
        # next lender was asked) is answered as the first time, not refused.
        earlier = _earlier(agency, digest)
        if earlier is not None:
            return earlier
        refused: proto.ProtocolError = getattr(proto, refusal.error_type)(
            refusal.detail, kind=kind, header=message.header, version=version
        )
        reason, action = _echo(message)
        answer = proto.confirm(
            kind, message.header, version, received_at, refused,
            reason_for_message=reason, action=action,
        )  # fmt: skip
        if refusal.flag is not None:
            services.flag(refusal.flag, f"{message.kind} {refusal.detail}")
        sender = _known(sender_id)
        _keep(body, digest, kind, version, sender, agency, answer, refusal.error_type,
              refusal.detail, request=_request_named(message, sender))  # fmt: skip
        return answer


def _earlier(agency: str, digest: str) -> bytes | None:
    """The confirmation given to the same bytes from the same agency, if they were applied."""
    earlier = (
        IllMessage.objects.filter(direction=Direction.INCOMING, agency=agency, digest=digest)
        .exclude(confirmation="")
        .first()
    )
    return earlier.confirmation.encode("utf-8") if earlier is not None else None


def _echo(message: proto.Message) -> tuple[str, str]:
    """What a confirmation repeats of the message it confirms: (reason, action)."""
    if isinstance(message, proto.SupplyingAgencyMessage):
        return message.reason_for_message, ""
    if isinstance(message, proto.RequestingAgencyMessage):
        return "", message.action
    return "", ""


def _keep(
    body: bytes,
    digest: str,
    kind: str,
    version: str,
    partner: int | None,
    agency: str,
    answer: bytes,
    error_type: str,
    detail: str,
    request: IllRequest | None = None,
    event: str = "",
) -> None:
    sql.insert(
        IllMessage,
        request=request,
        event=event,
        direction=Direction.INCOMING,
        partner_id=partner,
        agency=agency[:120],
        kind=kind,
        version=version,
        # An oversized body is kept in part: enough to see what it was.
        body=body[: proto.MAX_BYTES if len(body) <= proto.MAX_BYTES else 4096].decode(
            "utf-8", errors="replace"
        ),
        # A refused message is not applied, so its resend may be tried again.
        digest=digest if not error_type else "",
        message_status="ERROR" if error_type else "OK",
        error_type=error_type,
        error_value=detail,
        confirmation=answer.decode("utf-8"),
    )


# --- who is it --------------------------------------------------------------------------


def _known(agency: proto.AgencyId | None) -> int | None:
    """The institution the agency id names, if any."""
    scheme = SCHEME_OF.get(agency.type.upper()) if agency is not None else None
    if agency is None or scheme is None:
        return None
    with sql.cursor() as cursor:
        cursor.execute(KNOWN_SQL, [scheme, agency.value])
        row = cursor.fetchone()
    return row[0] if row else None


def _authenticate(message: proto.Message, sender_id: proto.AgencyId | None, caller: Caller) -> int:
    """The partner that sent the message (its id), if it is known, addressed to us, and
    proves it."""
    recipient = (
        message.header.requesting_agency
        if isinstance(message, proto.SupplyingAgencyMessage)
        else message.header.supplying_agency
    )
    if recipient is not None and not _is_us(recipient):
        raise Refused("UnrecognisedDataValue", f"agency {recipient} is not this library")
    peer = _peer(sender_id)
    if peer is None:
        if _known(sender_id) is None:
            raise Refused("UnrecognisedDataValue", f"unknown agency {sender_id or '(none)'}")
        raise Refused("UnrecognisedDataValue", f"agency {sender_id} has no ISO 18626 access")
    offered = caller.bearer or message.header.security_code
    digest = hashlib.sha256(offered.encode("utf-8")).hexdigest()
    if not offered or not hmac.compare_digest(digest, peer.secret_sha256):
        raise Refused("UnrecognisedDataValue", f"agency {sender_id} did not authenticate")
    if peer.allowed_ips and not _allowed(caller.address, peer.allowed_ips):
        raise Refused(
            "UnrecognisedDataValue", f"agency {sender_id} may not send from {caller.address}"
        )
    return peer.institution_id


def _is_us(agency: proto.AgencyId) -> bool:
    scheme = SCHEME_OF.get(agency.type.upper())
    return scheme is not None and (scheme, agency.value) in _our_ids()


def _our_ids() -> frozenset[tuple[str, str]]:
    """Our library's own identifiers, (scheme, value), as partners address us: read at
    most once a minute by each process, since every message asks and they all but never
    change; read again at once after any identifier is saved or deleted here
    (forget_agencies). None yet is not kept: the library is still being set up."""
    kept = _OURS
    if kept is not None and time.monotonic() < kept[0]:
        return kept[1]
    home = Identifier.objects.filter(institution__is_home=True)
    ours = frozenset(home.values_list("scheme", "value"))
    _keep_our_ids((time.monotonic() + OUR_IDS_SECONDS, ours) if ours else None)
    return ours


def _keep_our_ids(kept: tuple[float, frozenset[tuple[str, str]]] | None) -> None:
    global _OURS  # noqa: PLW0603 (the process's copy: a plain read on every message)
    _OURS = kept


def forget_agencies(**kwargs: object) -> None:
    """What the process keeps of our ids and the partners' access, forgotten: receiver of
    the saves and deletes of identifiers, institutions and peers (IllConfig.ready)."""
    _keep_our_ids(None)
    _PEERS.clear()


_PEERS: dict[tuple[str, str], tuple[float, Peer]] = {}  # (scheme, value): (until, access)


def _peer(agency: proto.AgencyId | None) -> Peer | None:
    """The partner's ISO 18626 access, found by the agency id it sends (one query, at most
    every PEER_SECONDS per agency)."""
    scheme = SCHEME_OF.get(agency.type.upper()) if agency is not None else None
    if agency is None or scheme is None:
        return None
    key = (scheme, agency.value)
    kept = _PEERS.get(key)
    now = time.monotonic()
    if kept is not None and now < kept[0]:
        return kept[1]
    with sql.cursor() as cursor:
        cursor.execute(PEER_SQL, [scheme, agency.value])
        row = cursor.fetchone()
    if row is None:
        return None  # not kept: unknown agencies are refused, and need not fill memory
    institution_id, secret_sha256, allowed_ips = row
    # JSON comes back as text from both databases (Django's JSONField decodes it itself).
    ips = json.loads(allowed_ips) if isinstance(allowed_ips, str) else allowed_ips
    peer = Peer(institution_id, secret_sha256, ips or [])
    if len(_PEERS) >= PEERS_KEPT:
        _PEERS.clear()
    _PEERS[key] = (now + PEER_SECONDS, peer)
    return peer


def _allowed(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


# --- what it does -----------------------------------------------------------------------


# What a plain change of state (``_plain``) reads of its request: the state model's keys,
# the values the message may change (their old values go to the audit log), the flag,
# the times set once, its name in the log and whether its reader is mailed. Any other
# field is read when first asked for (IllRequest.refresh_from_db: the rest at once). Half
# of the row's columns: each column read costs sqlite3 its name, type and value.
PLAIN_FIELDS = tuple(sorted({
    "role", "service", "state", "partner", "our_id", "title", "patron_email", "attention",
    "attention_note", "supplied_at", "received_at", "closed_at",
} | services.DETAIL_FIELDS))  # fmt: skip


def _request_named(
    message: proto.Message, partner: int | None, lock: bool = False
) -> IllRequest | None:
    """The transaction a status or action message is about, if it is this partner's
    (``lock``: read for update, inside the caller's transaction)."""
    if partner is None or isinstance(message, proto.Request):
        return None
    named = message.header.requesting_agency_request_id
    # A supplier's message names our request by our id, a requester's by its own.
    if isinstance(message, proto.SupplyingAgencyMessage):
        where = {"role": Role.REQUESTER, "our_id": named, "partner": partner}
    else:
        where = {"role": Role.SUPPLIER, "their_id": named, "partner": partner}
    # Read before the transaction, for a plain change of state: what that reads of it.
    return sql.fetch(IllRequest, where, lock=lock, only=() if lock else PLAIN_FIELDS)


def _apply(
    message: proto.Message, partner: int, read: IllRequest | None = None
) -> tuple[str, IllRequest]:
    """Change what the message changes; returns the event it was and its request.

    ``read``: the request as read before the transaction. Only a plain change of state is
    made on it (services.Conflict if the state has moved since); anything else raises
    ReadAgain, to be decided on the request read inside the transaction. Raises Refused."""
    if isinstance(message, proto.Request):
        return _new_request(message, partner)
    request = read or _request_named(message, partner, lock=True)
    if request is None:
        raise Refused(
            "UnrecognisedDataValue",
            f"no request {message.header.requesting_agency_request_id} from this agency",
        )
    if isinstance(message, proto.SupplyingAgencyMessage):
        event, details = _supplier_event(message)
        if not request.their_id and message.header.supplying_agency_request_id:
            details["their_id"] = message.header.supplying_agency_request_id
    else:
        event, details = message.action, {"note": message.note}
    if read is not None and not _plain(request, event):
        raise ReadAgain
    if event in RECORDED_ONLY[request.role] or repeats(request.role, request.state, event):
        if event == "StatusRequest":
            services.answer_status_request(request)
        elif event in NEEDS_STAFF[request.role]:
            why = f"{NEEDS_STAFF[request.role][event]} {details.get('note', '')}"
            services.flag(request, why.strip())
        return event, request
    step = step_for(request.role, request.state, event, request.service)
    if step is None:
        raise Refused(
            "UnrecognisedDataValue",
            f"{event} is not expected while the request is {request.state}",
            flag=request,
        )
    services.transition(request, event, details=details, locked=True)
    if event == "Unfilled":
        services.advance_rota(request)
    return event, request


def _plain(request: IllRequest, event: str) -> bool:
    """Whether the event is a change of state and nothing more (no message sent back)."""
    if (
        event in RECORDED_ONLY[request.role]
        or event == "Unfilled"  # and the next lender asked
        or repeats(request.role, request.state, event)
    ):
        return False
    step = step_for(request.role, request.state, event, request.service)
    return step is not None and not (step.action or step.status)


def _supplier_event(message: proto.SupplyingAgencyMessage) -> tuple[str, dict]:
    details: dict = {"note": message.note}
    if message.due_date:
        details["due_date"] = message.due_date.date()
    if message.reason_unfilled:
        details["reason_unfilled"] = message.reason_unfilled[:100]
    if message.offered_costs:
        details["cost"] = message.offered_costs.amount
        details["cost_currency"] = message.offered_costs.currency
        details["conditions"] = message.note
    if message.shipping is not None:
        details["courier"] = message.shipping.courier_name[:100]
        details["tracking_number"] = ", ".join(message.shipping.tracking_ids)[:100]
    if message.delivery is not None and message.delivery.payment_method in PAYMENT_OF_CODE:
        details["payment_method"] = PAYMENT_OF_CODE[message.delivery.payment_method]
    if message.delivery is not None and message.delivery.url:
        details["delivery_url"] = message.delivery.url[:1000]
    elif message.status == "CopyCompleted":
        found = URL_IN_TEXT.search(message.note)  # 1.2 has no URL element: the note has it
        if found:
            details["delivery_url"] = found.group(0)[:1000]
    reason, answer = message.reason_for_message, message.answer_yes_no
    if reason == "CancelResponse" and answer is False:
        return "CancelRefused", details
    if reason == "RenewResponse":
        return ("RenewAccepted" if answer else "RenewRefused"), details
    if reason == "Notification":
        return "Notification", details
    return message.status, details


def _new_request(message: proto.Request, partner: int) -> tuple[str, IllRequest]:
    header, bib, publication, service = (
        message.header, message.bibliographic, message.publication, message.service,
    )  # fmt: skip
    if service is not None and service.request_type == "Reminder":
        request = IllRequest.objects.filter(
            role=Role.SUPPLIER, partner_id=partner, their_id=header.requesting_agency_request_id
        ).first()
        if request is None:
            raise Refused("UnrecognisedDataValue", "a reminder for an unknown request")
        services.flag(request, _("The requester sent a reminder."))
        return "Reminder", request
    if IllRequest.objects.filter(
        role=Role.SUPPLIER, partner_id=partner, their_id=header.requesting_agency_request_id
    ).exists():
        raise Refused(
            "UnrecognisedDataValue",
            f"request {header.requesting_agency_request_id} was received before",
        )
    ids = {code.upper(): value for code, value in bib.item_ids}
    records = {code.upper(): value for code, value in bib.record_ids}
    copy = service is not None and service.service_type == "Copy"
    request = services.create_request(
        None,
        Role.SUPPLIER,
        service="copy" if copy else "loan",
        partner_id=partner,
        their_id=header.requesting_agency_request_id[:200],
        title=(bib.title or bib.title_of_component or "?")[:1000],
        author=bib.author[:500],
        article_title=bib.title_of_component[:1000],
        article_author=bib.author_of_component[:500],
        edition=bib.edition[:200],
        volume=bib.volume[:50],
        issue=bib.issue[:50],
        pages=bib.pages_requested[:50],
        isbn=ids.get("ISBN", "")[:32],
        issn=ids.get("ISSN", "")[:16],
        doi=ids.get("DOI", "")[:200],
        oclc_number=records.get("OCLC", "")[:32],
        publisher=(publication.publisher if publication else "")[:500],
        place=(publication.place_of_publication if publication else "")[:200],
        date=(publication.publication_date if publication else "")[:50],
        note=(service.note if service else ""),
        patron_id=(message.patron.patron_id if message.patron else "")[:100],
    )
    return "Request", request
