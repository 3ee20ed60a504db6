"""The two ILL state models as data: requester (we borrow) and supplier (we lend).

Each row says: in these states, this event leads to that state, and sends the partner
this ISO 18626 message. ``services.transition`` is the one function that reads the
table; the pages, the API, the /iso18626 endpoint and the background tasks all call it.

Events are of three kinds:

- the partner's ISO 18626 message: for the requester, the supplier's status (``Loaned``,
  ``Unfilled`` ...) and the answers to our cancel and renew (``CancelRefused``,
  ``RenewAccepted``, ``RenewRefused``); for the supplier, the requester's action
  (``Cancel``, ``Renew``, ``Received``, ``ShippedReturn`` ...);
- staff actions, lower case (``submit``, ``ship`` ...), each with its button label;
- system events, lower case too (``mark_overdue`` by the daily task, ``next_lender``
  when a lender says no or does not answer in time).

Every incoming status and action is in the table for the states where it can come.
``Notification`` and ``StatusRequest`` (and a status that merely repeats the state) are
recorded without a change of state. Anything else the partner sends is refused, the
message kept, and the request marked as needing attention. ``ATTENTION`` lists the states
in which our staff must act; ``TERMINAL`` the states nothing leaves.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .enums import Role, Service
from .enums import State as S

BOTH = (Service.LOAN, Service.COPY)
LOAN = (Service.LOAN,)
COPY = (Service.COPY,)

PARTNER, STAFF, SYSTEM = "partner", "staff", "system"
PERMISSION = "ill.transition_illrequest"


@dataclass(frozen=True)
class Step:
    role: str
    sources: tuple[str, ...]
    event: str
    target: str
    by: str  # PARTNER, STAFF or SYSTEM
    services: tuple[str, ...] = BOTH
    label: str | Promise = ""  # a staff action's button
    # What goes to the partner: the requester sends an action ("Request" for a request,
    # "Retry" for a request again on the supplier's conditions); the supplier a status,
    # with the reason for the message ("" = RequestResponse for its first answer to a
    # request, StatusChange after that) and, for answers, yes or no.
    action: str = ""
    status: str = ""
    reason: str = ""
    answer: bool | None = None


R, P = Role.REQUESTER, Role.SUPPLIER
# A requester's request is "out" while a lender has it and has not shipped it.
WAITING = (S.SENT, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY)
# The requester has the lender's item in hand.
HOLDING = (S.RECEIVED, S.OVERDUE, S.RECALLED, S.RENEW_PENDING, S.HOLD_RETURN)
# The supplier's item is away at the requester.
LENT = (S.SHIPPED, S.ON_LOAN, S.OVERDUE, S.RECALLED, S.RENEW_REQUESTED, S.HOLD_RETURN)

STEPS: tuple[Step, ...] = (
    # --- requester: staff ---------------------------------------------------------------
    Step(R, (S.NEW,), "submit", S.SENT, STAFF, label=_("Send to the lender"), action="Request"),
    Step(
        R,
        (S.UNFILLED, S.RETRY_POSSIBLE, S.END_OF_ROTA),
        "next_lender",
        S.SENT,
        SYSTEM,
        action="Request",
    ),  # fmt: skip
    Step(R, (S.UNFILLED, S.RETRY_POSSIBLE), "rota_exhausted", S.END_OF_ROTA, SYSTEM),
    # The lender has not answered in ILL_ANSWER_DAYS: its turn is over (then next_lender).
    Step(R, (S.SENT,), "no_answer", S.UNFILLED, SYSTEM),
    Step(
        R,
        (S.RETRY_POSSIBLE,),
        "retry",
        S.SENT,
        STAFF,
        label=_("Accept the conditions"),
        action="Retry",
    ),  # fmt: skip
    Step(
        R,
        (S.NEW, S.UNFILLED, S.RETRY_POSSIBLE, S.END_OF_ROTA),
        "close",
        S.CANCELLED,
        STAFF,
        label=_("Close the request"),
    ),  # fmt: skip
    Step(
        R, WAITING, "cancel", S.CANCEL_PENDING, STAFF, label=_("Ask to cancel"), action="Cancel"
    ),  # fmt: skip
    Step(
        R,
        (S.SHIPPED,),
        "receive",
        S.RECEIVED,
        STAFF,
        LOAN,
        _("Record as received"),
        action="Received",
    ),  # fmt: skip
    Step(
        R,
        (S.RECEIVED, S.OVERDUE),
        "renew",
        S.RENEW_PENDING,
        STAFF,
        LOAN,
        _("Ask to renew"),
        action="Renew",
    ),  # fmt: skip
    Step(
        R,
        HOLDING,
        "return",
        S.RETURN_SHIPPED,
        STAFF,
        LOAN,
        _("Record as returned"),
        action="ShippedReturn",
    ),  # fmt: skip
    # --- requester: the supplier's messages ---------------------------------------------
    Step(R, (S.SENT,), "ExpectToSupply", S.EXPECT_TO_SUPPLY, PARTNER),
    Step(R, (S.SENT, S.EXPECT_TO_SUPPLY), "WillSupply", S.WILL_SUPPLY, PARTNER),
    Step(R, (*WAITING, S.CANCEL_PENDING), "Loaned", S.SHIPPED, PARTNER, LOAN),
    Step(R, (*WAITING, S.CANCEL_PENDING), "CopyCompleted", S.COMPLETED, PARTNER, COPY),
    Step(R, WAITING, "Unfilled", S.UNFILLED, PARTNER),
    Step(R, WAITING, "RetryPossible", S.RETRY_POSSIBLE, PARTNER),
    Step(R, (*WAITING, S.CANCEL_PENDING), "Cancelled", S.CANCELLED, PARTNER),
    Step(R, (S.CANCEL_PENDING,), "CancelRefused", S.WILL_SUPPLY, PARTNER),
    Step(R, (S.RECEIVED, S.RENEW_PENDING, S.HOLD_RETURN), "Overdue", S.OVERDUE, PARTNER, LOAN),
    Step(
        R,
        (S.SHIPPED, S.RECEIVED, S.OVERDUE, S.RENEW_PENDING, S.HOLD_RETURN),
        "Recalled",
        S.RECALLED,
        PARTNER,
        LOAN,
    ),  # fmt: skip
    Step(R, (S.RENEW_PENDING,), "RenewAccepted", S.RECEIVED, PARTNER, LOAN),
    Step(R, (S.RENEW_PENDING,), "RenewRefused", S.RECEIVED, PARTNER, LOAN),
    Step(R, (S.RECEIVED, S.OVERDUE), "HoldReturn", S.HOLD_RETURN, PARTNER, LOAN),
    Step(R, (S.HOLD_RETURN,), "ReleaseHoldReturn", S.RECEIVED, PARTNER, LOAN),
    Step(R, (*HOLDING, S.RETURN_SHIPPED), "LoanCompleted", S.COMPLETED, PARTNER, LOAN),
    Step(R, (S.SHIPPED, *HOLDING), "CompletedWithoutReturn", S.COMPLETED, PARTNER, LOAN),
    # --- supplier: the requester's messages ---------------------------------------------
    Step(
        P,
        (S.NEW, S.EXPECT_TO_SUPPLY),
        "Cancel",
        S.CANCELLED,
        PARTNER,
        status="Cancelled",
        reason="CancelResponse",
        answer=True,
    ),  # fmt: skip
    Step(P, (S.WILL_SUPPLY,), "Cancel", S.CANCEL_REQUESTED, PARTNER),
    Step(P, (S.SHIPPED,), "Received", S.ON_LOAN, PARTNER, LOAN),
    Step(P, (S.SHIPPED, S.ON_LOAN, S.OVERDUE), "Renew", S.RENEW_REQUESTED, PARTNER, LOAN),
    Step(P, LENT, "ShippedReturn", S.RETURN_SHIPPED, PARTNER, LOAN),
    # --- supplier: staff and system -----------------------------------------------------
    Step(
        P,
        (S.NEW,),
        "expect_to_supply",
        S.EXPECT_TO_SUPPLY,
        STAFF,
        label=_("Expect to supply"),
        status="ExpectToSupply",
    ),  # fmt: skip
    Step(
        P,
        (S.NEW, S.EXPECT_TO_SUPPLY),
        "will_supply",
        S.WILL_SUPPLY,
        STAFF,
        label=_("Will supply"),
        status="WillSupply",
    ),  # fmt: skip
    Step(
        P,
        (S.NEW, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY),
        "unfilled",
        S.UNFILLED,
        STAFF,
        label=_("Cannot supply"),
        status="Unfilled",
    ),  # fmt: skip
    Step(
        P,
        (S.NEW, S.EXPECT_TO_SUPPLY),
        "offer_conditions",
        S.CONDITIONS_OFFERED,
        STAFF,
        label=_("Offer on conditions"),
        status="RetryPossible",
    ),  # fmt: skip
    Step(
        P,
        (S.NEW, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY),
        "ship",
        S.SHIPPED,
        STAFF,
        LOAN,
        _("Record as shipped"),
        status="Loaned",
    ),  # fmt: skip
    Step(
        P,
        (S.NEW, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY),
        "deliver_copy",
        S.COMPLETED,
        STAFF,
        COPY,
        _("Deliver the copy"),
        status="CopyCompleted",
    ),  # fmt: skip
    Step(
        P,
        (S.CANCEL_REQUESTED,),
        "accept_cancel",
        S.CANCELLED,
        STAFF,
        label=_("Agree to cancel"),
        status="Cancelled",
        reason="CancelResponse",
        answer=True,
    ),  # fmt: skip
    Step(
        P,
        (S.CANCEL_REQUESTED,),
        "refuse_cancel",
        S.WILL_SUPPLY,
        STAFF,
        label=_("Refuse to cancel"),
        status="WillSupply",
        reason="CancelResponse",
        answer=False,
    ),  # fmt: skip
    Step(
        P,
        (S.RENEW_REQUESTED,),
        "approve_renew",
        S.ON_LOAN,
        STAFF,
        LOAN,
        _("Agree to renew"),
        status="Loaned",
        reason="RenewResponse",
        answer=True,
    ),  # fmt: skip
    Step(
        P,
        (S.RENEW_REQUESTED,),
        "refuse_renew",
        S.ON_LOAN,
        STAFF,
        LOAN,
        _("Refuse to renew"),
        status="Loaned",
        reason="RenewResponse",
        answer=False,
    ),  # fmt: skip
    Step(P, (S.SHIPPED, S.ON_LOAN), "mark_overdue", S.OVERDUE, SYSTEM, LOAN, status="Overdue"),
    Step(
        P,
        (S.SHIPPED, S.ON_LOAN, S.OVERDUE, S.RENEW_REQUESTED),
        "recall",
        S.RECALLED,
        STAFF,
        LOAN,
        _("Recall"),
        status="Recalled",
    ),  # fmt: skip
    Step(
        P,
        (S.ON_LOAN, S.OVERDUE),
        "hold_return",
        S.HOLD_RETURN,
        STAFF,
        LOAN,
        _("Ask to hold the return"),
        status="HoldReturn",
    ),  # fmt: skip
    Step(
        P,
        (S.HOLD_RETURN,),
        "release_hold_return",
        S.ON_LOAN,
        STAFF,
        LOAN,
        _("Release the hold"),
        status="ReleaseHoldReturn",
    ),  # fmt: skip
    Step(
        P,
        (S.RETURN_SHIPPED,),
        "check_in",
        S.COMPLETED,
        STAFF,
        LOAN,
        _("Check the return in"),
        status="LoanCompleted",
    ),  # fmt: skip
    Step(
        P,
        LENT,
        "complete_without_return",
        S.COMPLETED,
        STAFF,
        LOAN,
        _("Complete without return"),
        status="CompletedWithoutReturn",
    ),  # fmt: skip
)

# States in which our staff must act (the "needs attention" and "awaiting my action" lists).
ATTENTION: dict[str, frozenset[str]] = {
    R: frozenset({S.NEW, S.RETRY_POSSIBLE, S.END_OF_ROTA, S.SHIPPED, S.OVERDUE, S.RECALLED}),
    P: frozenset(
        {
            S.NEW,
            S.EXPECT_TO_SUPPLY,
            S.WILL_SUPPLY,
            S.CANCEL_REQUESTED,
            S.RENEW_REQUESTED,
            S.RETURN_SHIPPED,
        }
    ),  # fmt: skip
}
TERMINAL: dict[str, frozenset[str]] = {
    R: frozenset({S.COMPLETED, S.CANCELLED}),
    P: frozenset({S.COMPLETED, S.CANCELLED, S.UNFILLED, S.CONDITIONS_OFFERED}),
}
# Partner messages that never change a state: recorded (a StatusRequest is answered with
# the current status). The requester's 2021 HoldReturn action has no step of its own in
# the standard's flow: it is kept for staff to read.
RECORDED_ONLY: dict[str, frozenset[str]] = {
    R: frozenset({"Notification", "RequestReceived"}),
    P: frozenset({"Notification", "StatusRequest", "HoldReturn", "ShippedForward", "Lost"}),
}
# Of those, what staff must act on: the request is marked as needing attention, with why.
# A borrower's Lost (2021): our item will not come back, so a replacement is charged and
# the loan completed without return. Its ShippedForward: the item went on to another
# library, not back to us.
NEEDS_STAFF: dict[str, dict[str, Promise]] = {
    R: {},
    P: {
        "Lost": _("The borrower reports the item lost."),
        "ShippedForward": _("The borrower sent the item on to another library."),
    },
}

# ISO 18626 codes the partner may send each side; every one of them appears above.
SUPPLIER_STATUSES = (
    "RequestReceived", "ExpectToSupply", "WillSupply", "Loaned", "Overdue", "Recalled",
    "RetryPossible", "Unfilled", "CopyCompleted", "LoanCompleted", "CompletedWithoutReturn",
    "Cancelled", "HoldReturn", "ReleaseHoldReturn",
)  # fmt: skip
REQUESTER_ACTIONS = (
    "StatusRequest", "Received", "Cancel", "Renew", "ShippedReturn", "ShippedForward",
    "Notification", "HoldReturn", "Lost",
)  # fmt: skip

# The ISO 18626 status that tells a requester where our lending request stands (the
# answer to its StatusRequest).
SUPPLIER_STATUS: dict[str, str] = {
    S.NEW: "RequestReceived", S.EXPECT_TO_SUPPLY: "ExpectToSupply",
    S.WILL_SUPPLY: "WillSupply", S.CANCEL_REQUESTED: "WillSupply", S.SHIPPED: "Loaned",
    S.ON_LOAN: "Loaned", S.RENEW_REQUESTED: "Loaned", S.RETURN_SHIPPED: "Loaned",
    S.HOLD_RETURN: "HoldReturn", S.OVERDUE: "Overdue", S.RECALLED: "Recalled",
    S.UNFILLED: "Unfilled", S.CONDITIONS_OFFERED: "RetryPossible", S.CANCELLED: "Cancelled",
    S.COMPLETED: "LoanCompleted",
}  # fmt: skip

# Events after which the item is on its way (or the copy delivered): "supplied".
SUPPLIED = frozenset({"Loaned", "CopyCompleted", "ship", "deliver_copy"})

_BY_KEY: dict[tuple[str, str, str], list[Step]] = {}
for _step in STEPS:
    for _source in _step.sources:
        _BY_KEY.setdefault((_step.role, _source, _step.event), []).append(_step)
# (role, target, event): asked for every partner message (``repeats``).
_REPEATS = frozenset((_step.role, _step.target, _step.event) for _step in STEPS)


def step_for(role: str, state: str, event: str, service: str) -> Step | None:
    """The row that applies, or None when the event is not allowed in this state."""
    for step in _BY_KEY.get((role, state, event), ()):
        if service in step.services:
            return step
    return None


def repeats(role: str, state: str, event: str) -> bool:
    """Whether the event says what the state already says (a resend, a status answer)."""
    return (role, state, event) in _REPEATS


def staff_steps(role: str, state: str, service: str) -> list[Step]:
    """The staff actions open in this state, in table order (the request page's buttons)."""
    return [
        s
        for s in STEPS
        if s.role == role and s.by == STAFF and state in s.sources and service in s.services
    ]


def states_of(role: str) -> list[str]:
    """Every state the role's model can be in, in order of first appearance."""
    seen: dict[str, None] = {"new": None}
    for step in STEPS:
        if step.role == role:
            seen.update(dict.fromkeys(step.sources))
            seen[step.target] = None
    return list(seen)
