"""The shipment and claim workflows as tables: action → (direction, from-states, to-state,
date field, label).

Each state change has its own service (`services.ship`, `services.record_delivery` ...),
and every one of them moves the status through `services._move`, the one function that
reads these tables; the pages and any later API call the services.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .enums import ClaimStatus as C
from .enums import Direction as D
from .enums import ShipmentStatus as S

CHANGE_SHIPMENT = "exchange.change_shipment"
CHANGE_CLAIM = "exchange.change_claim"


@dataclass(frozen=True)
class Move:
    action: str
    direction: str  # a Direction, or "" for claims
    sources: tuple[str, ...]
    target: str
    date_field: str  # set to the day of the move ("" for none)
    label: str | Promise


SHIPMENT_MOVES: dict[str, Move] = {
    m.action: m
    for m in (
        # Ours.
        Move("ship", D.OUTGOING, (S.PREPARED,), S.SHIPPED, "shipped_on", _("Record as shipped")),
        Move(
            "deliver", D.OUTGOING, (S.SHIPPED,), S.DELIVERED, "delivered_on",
            _("Record as delivered"),
        ),
        Move(
            "acknowledge", D.OUTGOING, (S.DELIVERED,), S.ACKNOWLEDGED, "acknowledged_on",
            _("Record the partner's acknowledgement"),
        ),
        Move("cancel", D.OUTGOING, (S.PREPARED,), S.CANCELLED, "", _("Cancel the shipment")),
        # The partner's.
        Move("check", D.INCOMING, (S.RECEIVED, S.CHECKED), S.CHECKED, "", _("Check the items")),
        Move(
            "thank", D.INCOMING, (S.CHECKED,), S.ACKNOWLEDGED, "acknowledged_on",
            _("Send the acknowledgement"),
        ),
        Move("discard", D.INCOMING, (S.RECEIVED,), S.CANCELLED, "", _("Cancel the record")),
    )
}  # fmt: skip

CLAIM_MOVES: dict[str, Move] = {
    m.action: m
    for m in (
        Move("send", "", (C.OPEN,), C.SENT, "sent_on", _("Send the claim")),
        Move("fulfil", "", (C.SENT,), C.RECEIVED, "closed_on", _("Record the issue as received")),
        Move("withdraw", "", (C.OPEN, C.SENT), C.CANCELLED, "closed_on", _("Cancel the claim")),
    )
}


def shipment_actions(direction: str, status: str) -> list[Move]:
    """The moves the table allows for a shipment now, in table order."""
    return [m for m in SHIPMENT_MOVES.values() if m.direction == direction and status in m.sources]


def claim_actions(status: str) -> list[Move]:
    return [m for m in CLAIM_MOVES.values() if status in m.sources]
