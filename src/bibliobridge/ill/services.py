"""Every write to ILL requests. ``transition`` is the one function that changes a state."""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bibliobridge.core import kept, sql
from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import log_activity
from bibliobridge.partners.models import Institution

from . import copyright, notify, outgoing
from .enums import Delivery, Direction, Role, Service, State
from .models import IllMessage, IllRequest, RotaEntry
from .states import (
    ATTENTION,
    PARTNER,
    PERMISSION,
    STAFF,
    SUPPLIED,
    SUPPLIER_STATUS,
    TERMINAL,
    Step,
    step_for,
)

# What an event may write on the request besides its state: the lender's answer (due
# date, cost, conditions, reason for no) or what staff typed with the action. A note sent
# with a message, by the partner or by our staff, stays with that message (shown in the
# request's list of messages): the request's own note is the reader's.
DETAIL_FIELDS = frozenset(
    {
        "due_date",
        "cost",
        "cost_currency",
        "conditions",
        "reason_unfilled",
        "their_id",
        "delivery_url",
        "courier",
        "tracking_number",
        "payment_method",
    }
)
# The lender's answers that end its turn in the rota, and what the rota says of them.
ROTA_OUTCOMES = {
    "no_answer": RotaEntry.Outcome.NO_ANSWER,
    "Unfilled": RotaEntry.Outcome.UNFILLED,
    "RetryPossible": RotaEntry.Outcome.CONDITIONS,
    "Loaned": RotaEntry.Outcome.SUPPLIED,
    "CopyCompleted": RotaEntry.Outcome.SUPPLIED,
}


class TransitionRefused(Exception):
    """The event is not allowed now; the text says why, in the user's language."""


class Conflict(TransitionRefused):
    """The request changed between being read and being written: read it again."""


def new_id() -> str:
    """A request id no other agency will have used: ours, for ISO 18626 headers."""
    return f"BB-{uuid.uuid4().hex[:20]}"


def create_request(actor: User | None, role: Role | str, **fields: Any) -> IllRequest:
    """A new request in state "new": a reader's or librarian's, or a partner's to us."""
    with transaction.atomic():
        fields.setdefault("our_id", new_id())
        request = IllRequest.objects.create(
            role=role,
            state=State.NEW,
            attention=State.NEW in ATTENTION[role],
            created_by=actor if actor is not None and actor.pk else None,
            **fields,
        )
        log_activity(actor, Action.CREATED, request)
        if role == Role.SUPPLIER:  # a partner's request: staff must answer it
            transaction.on_commit(lambda: notify.task_ill_mail.enqueue(request.pk, "attention"))
    return request


def ask(
    actor: User | None,
    fields: dict[str, Any],
    declared: bool = False,
    lenders: Sequence[Institution] = (),
) -> IllRequest:
    """A borrowing request as a reader or librarian asks for it (the form, the API): with
    the copyright record its profile wants (``declared``: the reader's declaration) and,
    when given, its lenders in this order."""
    with transaction.atomic():
        request = create_request(actor, Role.REQUESTER, **fields)
        kept = copyright.record(request, declared)
        if kept is not None and copyright.beyond_rule_of_five(kept):
            flag(
                request,
                _(
                    "Copy %(number)s of this journal this year: beyond CONTU's rule "
                    "of five, copyright fees are due."
                )
                % {"number": kept.number_this_year},
            )
            request.refresh_from_db()
        if lenders:
            set_rota(actor, request, [(lender, _("chosen when asked")) for lender in lenders])
    return request


def set_rota(
    actor: User | None, request: IllRequest, lenders: list[tuple[Institution, str]]
) -> None:
    """Replace the lenders not asked yet by these, in this order, each with its reason."""
    with transaction.atomic():
        locked = IllRequest.objects.select_for_update().get(pk=request.pk)
        kept = list(locked.rota.exclude(outcome=RotaEntry.Outcome.WAITING).order_by("position"))
        locked.rota.filter(outcome=RotaEntry.Outcome.WAITING).delete()
        start = max((entry.position for entry in kept), default=0)
        RotaEntry.objects.bulk_create(
            RotaEntry(request=locked, position=start + i, institution=lender, reason=reason[:500])
            for i, (lender, reason) in enumerate(lenders, start=1)
        )
        log_activity(
            actor, Action.UPDATED, locked, {"rota": [str(lender.pk) for lender, _r in lenders]}
        )


def add_lender(
    actor: User | None, request: IllRequest, lender: Institution, reason: str
) -> RotaEntry:
    """Put a lender at the end of the rota."""
    with transaction.atomic():
        locked = IllRequest.objects.select_for_update().get(pk=request.pk)
        last = max((entry.position for entry in locked.rota.all()), default=0)
        entry = RotaEntry.objects.create(
            request=locked, position=last + 1, institution=lender, reason=reason[:500]
        )
        log_activity(actor, Action.UPDATED, locked, {"rota": ["", str(lender)]}, "add lender")
    return entry


def remove_lender(actor: User | None, request: IllRequest, entry: RotaEntry) -> None:
    """Take a lender not asked yet out of the rota."""
    with transaction.atomic():
        RotaEntry.objects.filter(pk=entry.pk, outcome=RotaEntry.Outcome.WAITING).delete()
        log_activity(actor, Action.UPDATED, request, {"rota": [str(entry.institution), ""]},
                     "remove lender")  # fmt: skip


class _InCallersTransaction:
    """What ``atomic(savepoint=False)`` does inside the caller's transaction: nothing, but
    mark it to be rolled back when the block raises; without the two lookups of the
    thread's connection that atomic makes (each raises and catches two exceptions in
    asgiref: on every partner's message). A class: a generator's would raise and catch a
    StopIteration at every exit."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not None:
            transaction.set_rollback(True)


_IN_CALLERS_TRANSACTION = _InCallersTransaction()


def transition(
    request: IllRequest,
    event: str,
    actor: User | None = None,
    details: Mapping[str, Any] | None = None,
    locked: bool = False,
) -> Step:
    """Apply one event of the state model to the request, in one transaction.

    Writes the new state, the details the event carries, the message it sends to the
    partner (into the outbox) and the audit entry. ``actor`` None is the system or the
    partner. Raises TransitionRefused when the table has no such step from the current
    state, PermissionDenied when a user without the permission tries a staff action.
    ``locked``: the caller read the request in its own open transaction (with
    select_for_update, or before the transaction, counting on Conflict when the state
    has moved since), so it is not read again, and a refusal rolls back the caller's
    whole transaction (there is no savepoint of its own to roll back to).
    """
    with _IN_CALLERS_TRANSACTION if locked else transaction.atomic():
        current = request if locked else IllRequest.objects.select_for_update().get(pk=request.pk)
        step = step_for(current.role, current.state, event, current.service)
        if step is None:
            raise TransitionRefused(
                _("This request is “%(state)s”: “%(event)s” is not possible now.")
                % {"state": current.get_state_display(), "event": event}
            )
        if step.by == STAFF and actor is not None and not actor.has_perm(PERMISSION):
            raise PermissionDenied(_("You may not act on ILL requests."))
        lender = _next_lender(current) if step.action == "Request" else None
        if step.action == "Request" and lender is None:
            raise TransitionRefused(_("There is no lender left in the rota to ask."))
        old = current.state
        changes: dict[str, Any] = {"state": [old, step.target]}
        values = {k: v for k, v in (details or {}).items() if k in DETAIL_FIELDS}
        now = kept.now()
        if lender is not None:
            values["partner"] = lender.institution
            values["their_id"] = ""
            RotaEntry.objects.filter(pk=lender.pk).update(
                outcome=RotaEntry.Outcome.ASKED, asked_at=now
            )
        if event in SUPPLIED and current.supplied_at is None:
            values["supplied_at"] = now
        if step.target == State.RECEIVED and current.received_at is None:
            values["received_at"] = now
        if step.target in TERMINAL[current.role]:
            values["closed_at"] = now
        if event == "fill_locally":
            values["filled_locally"] = True
        if event in ROTA_OUTCOMES and current.role == Role.REQUESTER:  # the lender's turn ends
            asked = {"request": current.pk, "outcome": RotaEntry.Outcome.ASKED}
            sql.update(RotaEntry, asked, outcome=ROTA_OUTCOMES[event])
        # A new state sets the flag anew; written only when it changes, as most steps
        # leave it (an index entry fewer to move on every message).
        flag = {"attention": step.target in ATTENTION[current.role], "attention_note": ""}
        flag = {name: value for name, value in flag.items() if getattr(current, name) != value}
        # Compare-and-set besides the row lock: SQLite has no row locks. Plain SQL: every
        # message a partner sends comes here.
        updated = sql.update(
            IllRequest,
            {"id": current.pk, "state": old},
            expect=1,
            state=step.target,
            state_changed_at=now,
            updated_at=now,
            **flag,
            **values,
        )
        if updated != 1:
            raise Conflict(_("Someone else changed this request just now; try again."))
        for name, value in values.items():
            changes[name] = [str(getattr(current, name)), str(value)]
            setattr(current, name, value)
        for name, value in flag.items():
            setattr(current, name, value)
        current.state, current.state_changed_at = step.target, now
        if step.action or step.status:
            try:
                _queue(current, step, details or {})
            except outgoing.NotSendable as error:
                raise TransitionRefused(
                    _("The message to the partner would not be valid ISO 18626: %(problems)s")
                    % {"problems": error}
                ) from error
            except outgoing.NoAgencyId as error:
                raise TransitionRefused(
                    _("%(name)s has no ISIL, OCLC symbol or local code to name it by in ISO 18626.")
                    % {"name": error}
                ) from error
        log_activity(actor, Action.TRANSITIONED, current, changes, message=event)
        notify.after(current, step, old)
    if current is not request:
        request.__dict__.update(
            {k: v for k, v in current.__dict__.items() if not k.startswith("_")}
        )
    return step


def advance_rota(request: IllRequest, actor: User | None = None) -> Step:
    """Ask the next lender of the rota, or say none is left (a lender said no, or was
    silent too long)."""
    event = "next_lender" if _next_lender(request) is not None else "rota_exhausted"
    return transition(request, event, actor)


def pass_silent_lenders(now: dt.datetime | None = None) -> int:
    """Borrowing requests a lender has left unanswered for ILL_ANSWER_DAYS go to the next
    lender (or to staff when none is left); returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.ILL_ANSWER_DAYS)
    silent = IllRequest.objects.filter(
        role=Role.REQUESTER, state=State.SENT, state_changed_at__lt=cutoff
    )
    moved = 0
    for request in silent:
        try:
            transition(request, "no_answer")
            advance_rota(request)
        except TransitionRefused:
            continue  # changed meanwhile (the lender answered): nothing to do
        moved += 1
    return moved


def mark_overdue(today: dt.date | None = None) -> int:
    """Our loans past their due date: Overdue, told to the borrower; returns how many."""
    day = today or timezone.localdate()
    late = IllRequest.objects.filter(
        role=Role.SUPPLIER, state__in=(State.SHIPPED, State.ON_LOAN), due_date__lt=day
    )
    marked = 0
    for request in late:
        try:
            transition(request, "mark_overdue")
        except TransitionRefused:
            continue
        marked += 1
    return marked


def answer_status_request(request: IllRequest) -> IllMessage:
    """Tell the requester where its request stands (we lend): no change of state."""
    status = SUPPLIER_STATUS[request.state]
    if status == "LoanCompleted" and request.service == Service.COPY:
        status = "CopyCompleted"
    step = Step(Role.SUPPLIER, (), "StatusRequest", request.state, PARTNER, status=status,
                reason="StatusRequestResponse")  # fmt: skip
    return _queue(request, step, {})


def flag(request: IllRequest, note: str) -> None:
    """Mark a request as needing attention, with why (a refused message, a failed send).

    Staff are mailed when it comes to need attention, not again for each further problem
    (a partner repeating a wrong status) while it still does: the note says the latest."""
    already = IllRequest.objects.filter(pk=request.pk, attention=True).exists()
    IllRequest.objects.filter(pk=request.pk).update(
        attention=True, attention_note=note[:500], updated_at=timezone.now()
    )
    if not already:
        transaction.on_commit(lambda: notify.task_ill_mail.enqueue(request.pk, "attention"))


def _next_lender(request: IllRequest) -> RotaEntry | None:
    return (
        request.rota.filter(outcome=RotaEntry.Outcome.WAITING)
        .select_related("institution")
        .order_by("position")
        .first()
    )


def _queue(request: IllRequest, step: Step, details: Mapping[str, Any]) -> IllMessage:
    """The message a step sends, in the outbox, in the caller's transaction."""
    kind, version, body = outgoing.build(request, step, details)
    from .tasks import task_ill_outbox  # tasks imports outbox, which imports this module

    transaction.on_commit(task_ill_outbox.enqueue)
    return IllMessage.objects.create(
        request=request,
        direction=Direction.OUTGOING,
        partner=request.partner,
        agency=outgoing.agency_of(request.partner),
        kind=kind,
        version=version,
        event=step.action or step.status,
        body=body.decode("utf-8"),
        delivery=Delivery.PENDING,
        next_attempt_at=timezone.now(),
    )
