"""Every write to shipments, receipts, claims and letter templates. Each takes the acting
user, runs in one transaction and is audited; each change of status is its own function,
and all of them move the status through `_move`, which reads the tables of `workflow`.

Boxes and lines are parts of their shipment: their changes are logged on the shipment,
so its page shows one history.

Mail to a partner (an acknowledgement, a claim) is queued after commit
(`tasks.task_exchange_letter_mail`), never sent inside the transaction.
"""

import datetime as dt
from collections.abc import Iterable
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bibliobridge.core.enums import Action
from bibliobridge.core.models import User
from bibliobridge.core.services import changes_between, log_activity, snapshot, update_fields
from bibliobridge.partners.models import Institution

from . import letters
from .enums import CheckResult, ClaimStatus, Direction, ItemStatus, ListKind, ShipmentStatus
from .identifiers import normalise_isbn
from .models import Box, Claim, LetterTemplate, ListItem, Shipment, ShipmentItem
from .workflow import CLAIM_MOVES, SHIPMENT_MOVES, Move

SHIPMENT_FIELDS = (
    "partner_reference", "courier", "tracking_number", "postage", "postage_currency", "notes",
)  # fmt: skip
INCOMING_FIELDS = (*SHIPMENT_FIELDS, "shipped_on", "received_on")
BOX_FIELDS = ("weight_kg", "note")
BIB_FIELDS = (
    "title", "author", "publisher", "place", "year", "edition", "isbn", "issn", "issue",
    "language",
)  # fmt: skip
LINE_FIELDS = ("box", "quantity", "value", "currency")
CHECK_FIELDS = ("check_result", "quantity_received", "check_note")
CLAIM_FIELDS = ("title", "issn", "issue", "quantity", "note")

M = TypeVar("M", Shipment, Claim)


class MoveNotAllowed(ValidationError):
    """The workflow does not allow this change of status now."""


class ShipmentNotEditable(ValidationError):
    """Boxes and lines change only while ours is prepared or a partner's is unchecked."""


class NotShippable(ValidationError):
    """Something on the shipment stops it from leaving; the message says what."""


def _pick(values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in names}


def _today() -> dt.date:
    return timezone.localdate()


def _part(label: Any, before: Any, after: Any) -> dict[str, list[Any]]:
    return {str(label): [before, after]}


# ---------------------------------------------------------------- the one move


def _move(
    actor: User | None, obj: M, table: dict[str, Move], action: str, on: dt.date | None = None
) -> M:
    """Move obj's status by one action of its table; to be called inside the service's
    transaction. Raises MoveNotAllowed with a message for the user."""
    model = type(obj)
    move = table[action]
    if on is not None and on > _today():
        raise ValidationError({"on": _("A date in the future cannot be recorded.")})
    current = model.objects.select_for_update().get(pk=obj.pk)
    old = current.status
    if (move.direction and getattr(current, "direction", "") != move.direction) or (
        old not in move.sources
    ):
        raise MoveNotAllowed(
            _("%(object)s is “%(status)s”, so “%(action)s” is not possible.")
            % {"object": current, "status": current.status_label(), "action": move.label}
        )
    now = timezone.now()
    fields: dict[str, Any] = {"status": move.target, "updated_at": now}
    if model is Shipment:
        fields["status_changed_at"] = now
    changes: dict[str, list[Any]] = {"status": [old, move.target]}
    if move.date_field:
        day = on or _today()
        fields[move.date_field] = day
        changes[move.date_field] = [_iso(getattr(current, move.date_field)), day.isoformat()]
    # Compare-and-set as well as the lock: SQLite has no row locks.
    if model.objects.filter(pk=obj.pk, status=old).update(**fields) != 1:
        raise MoveNotAllowed(
            _("Someone else changed the status just now; reload the page and try again.")
        )
    for name, value in fields.items():
        setattr(obj, name, value)
    log_activity(actor, Action.TRANSITIONED, obj, changes)
    return obj


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _not_before(day: dt.date, earlier: dt.date | None, field: str, message: str) -> None:
    if earlier is not None and day < earlier:
        raise ValidationError({field: message % {"date": earlier.isoformat()}})


# ---------------------------------------------------------------- numbers


def _next_number(direction: str, year: int) -> str:
    prefix = f"{'OUT' if direction == Direction.OUTGOING else 'IN'}-{year}-"
    last = (
        Shipment.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


def _save_numbered(shipment: Shipment) -> None:
    """Save a new shipment under the next free number (another may take one meanwhile)."""
    for _attempt in range(5):
        shipment.number = _next_number(shipment.direction, _today().year)
        try:
            with transaction.atomic():
                shipment.save()
            return
        except IntegrityError:
            continue
    raise ValidationError(_("No shipment number could be given; please try again."))


# ---------------------------------------------------------------- ours: prepared


def _locked_reserved(partner: Institution, items: Iterable[ListItem]) -> list[ListItem]:
    """Our offered items, locked, each reserved for partner and in no prepared shipment.
    Raises ValidationError on "items" naming those that are not."""
    pks = [item.pk for item in items]
    locked = list(
        ListItem.objects.select_for_update()
        .filter(pk__in=pks)
        .select_related("exchange_list")
        .order_by("id")
    )
    taken = set(
        ShipmentItem.objects.filter(
            list_item_id__in=pks, shipment__status=ShipmentStatus.PREPARED
        ).values_list("list_item_id", flat=True)
    )
    wrong = [
        item.title
        for item in locked
        if item.exchange_list.partner_id is not None
        or item.exchange_list.kind != ListKind.OFFER
        or item.status != ItemStatus.RESERVED
        or item.reserved_for_id != partner.pk
        or item.pk in taken
    ]
    if wrong:
        raise ValidationError(
            {
                "items": _(
                    "Not reserved for this partner, or already in a prepared shipment: %(titles)s."
                )
                % {"titles": "; ".join(wrong)}
            }
        )
    if not locked:
        raise ValidationError({"items": _("Choose at least one item.")})
    return locked


def _line_from(item: ListItem, shipment: Shipment, box: Box | None) -> ShipmentItem:
    value = item.price * item.quantity if item.price is not None else None
    return ShipmentItem(
        shipment=shipment, box=box, list_item=item, quantity=item.quantity, value=value,
        currency=item.currency if value is not None else "",
        **{name: getattr(item, name) for name in BIB_FIELDS if name != "issue"},
    )  # fmt: skip


@transaction.atomic
def create_outgoing(
    actor: User, partner: Institution, items: Iterable[ListItem], values: dict[str, Any]
) -> Shipment:
    """A prepared shipment of our items reserved for partner, in `boxes` boxes (all items
    in the first; staff move them). Raises ValidationError by field."""
    boxes = values.get("boxes")
    boxes = 1 if boxes is None else boxes
    if not isinstance(boxes, int) or not 1 <= boxes <= 500:
        raise ValidationError({"boxes": _("Give a number of boxes from 1 to 500.")})
    shipment = Shipment(
        partner=partner, direction=Direction.OUTGOING, status=ShipmentStatus.PREPARED,
        **_pick(values, SHIPMENT_FIELDS),
    )  # fmt: skip
    shipment.full_clean(exclude=["number"])
    locked = _locked_reserved(partner, items)
    _save_numbered(shipment)
    made = Box.objects.bulk_create([Box(shipment=shipment, number=n + 1) for n in range(boxes)])
    ShipmentItem.objects.bulk_create([_line_from(item, shipment, made[0]) for item in locked])
    log_activity(
        actor, Action.CREATED, shipment,
        {**snapshot(shipment, ["partner", "direction", "status", *SHIPMENT_FIELDS]),
         "boxes": boxes, "items": len(locked)},
    )  # fmt: skip
    return shipment


def _editable(shipment: Shipment, also: tuple[str, ...] = ()) -> Shipment:
    current = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if not current.is_editable and current.status not in also:
        raise ShipmentNotEditable(
            _("Shipment %(number)s is “%(status)s”: its boxes and items can no longer change.")
            % {"number": current.number, "status": current.status_label()}
        )
    return current


@transaction.atomic
def add_reserved_items(actor: User, shipment: Shipment, items: Iterable[ListItem]) -> int:
    shipment = _editable(shipment)
    if not shipment.is_outgoing:
        raise ShipmentNotEditable(_("Only our own shipments carry our reserved items."))
    locked = _locked_reserved(shipment.partner, items)
    box = shipment.boxes.first()
    ShipmentItem.objects.bulk_create([_line_from(item, shipment, box) for item in locked])
    log_activity(
        actor, Action.UPDATED, shipment,
        _part(ShipmentItem._meta.verbose_name, None, [item.title for item in locked]),
    )  # fmt: skip
    return len(locked)


@transaction.atomic
def update_shipment(actor: User, shipment: Shipment, values: dict[str, Any]) -> dict:
    """Courier, tracking, postage and notes (a partner's: its dates too), in any status
    but cancelled: a tracking number is often known only once the parcel has left."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if shipment.status == ShipmentStatus.CANCELLED:
        raise ShipmentNotEditable(_("A cancelled shipment does not change."))
    names = SHIPMENT_FIELDS if shipment.is_outgoing else INCOMING_FIELDS
    return update_fields(shipment, actor, _pick(values, names))


@transaction.atomic
def add_box(actor: User, shipment: Shipment, values: dict[str, Any]) -> Box:
    shipment = _editable(shipment)
    last = shipment.boxes.order_by("-number").values_list("number", flat=True).first() or 0
    box = Box(shipment=shipment, number=last + 1, **_pick(values, BOX_FIELDS))
    box.full_clean()
    box.save()
    log_activity(
        actor, Action.UPDATED, shipment,
        _part(Box._meta.verbose_name, None, f"{box.number} {box.weight_kg or ''}".strip()),
    )  # fmt: skip
    return box


@transaction.atomic
def update_box(actor: User, box: Box, values: dict[str, Any]) -> dict:
    shipment = _editable(box.shipment)
    before = snapshot(box, BOX_FIELDS)
    for name, value in _pick(values, BOX_FIELDS).items():
        setattr(box, name, value)
    box.full_clean()
    changes = changes_between(before, snapshot(box, BOX_FIELDS))
    if changes:
        box.save(update_fields=list(changes))
        label = f"{Box._meta.verbose_name} {box.number}"
        log_activity(
            actor, Action.UPDATED, shipment, {f"{label}.{k}": v for k, v in changes.items()}
        )
    return changes


@transaction.atomic
def delete_box(actor: User, box: Box) -> None:
    """The box goes; what was in it is left out of any box until staff place it."""
    shipment = _editable(box.shipment)
    box.items.update(box=None)
    log_activity(actor, Action.UPDATED, shipment, _part(Box._meta.verbose_name, box.number, None))
    box.delete()


def _clean_line(shipment: Shipment, values: dict[str, Any]) -> dict[str, Any]:
    # Our own lines describe our items as listed; only their packing changes.
    names = LINE_FIELDS if shipment.is_outgoing else (*LINE_FIELDS, *BIB_FIELDS)
    fields = _pick(values, names)
    if "isbn" in fields:
        fields["isbn"] = normalise_isbn(fields["isbn"])[0]
    return fields


@transaction.atomic
def add_line(actor: User, shipment: Shipment, values: dict[str, Any]) -> ShipmentItem:
    """A line of a partner's packing list, as typed in; extra=True for an item that came
    without being on it (found even after the check: it is checked by being extra).
    Raises ValidationError by field."""
    shipment = _editable(shipment, (ShipmentStatus.CHECKED,) if values.get("extra") else ())
    if shipment.is_outgoing:
        raise ShipmentNotEditable(_("Our own shipments carry our reserved items only."))
    line = ShipmentItem(shipment=shipment, **_clean_line(shipment, values))
    if values.get("extra"):
        line.check_result = CheckResult.EXTRA
        line.quantity_received = line.quantity
    line.full_clean()
    line.save()
    log_activity(
        actor, Action.UPDATED, shipment, _part(ShipmentItem._meta.verbose_name, None, str(line))
    )
    return line


@transaction.atomic
def add_lines_from_list(actor: User, shipment: Shipment, items: Iterable[ListItem]) -> int:
    """Lines of a partner's packing list taken from its own offer list (what we asked for)."""
    shipment = _editable(shipment)
    chosen = list(
        ListItem.objects.filter(
            pk__in=[item.pk for item in items],
            exchange_list__partner=shipment.partner,
            exchange_list__kind=ListKind.OFFER,
        ).order_by("id")
    )
    if shipment.is_outgoing or not chosen:
        raise ValidationError({"items": _("Choose at least one item of the partner's offers.")})
    ShipmentItem.objects.bulk_create([_line_from(item, shipment, None) for item in chosen])
    log_activity(
        actor, Action.UPDATED, shipment,
        _part(ShipmentItem._meta.verbose_name, None, [item.title for item in chosen]),
    )  # fmt: skip
    return len(chosen)


@transaction.atomic
def update_line(actor: User, line: ShipmentItem, values: dict[str, Any]) -> dict:
    shipment = _editable(line.shipment)
    line = ShipmentItem.objects.select_for_update().get(pk=line.pk)
    fields = _clean_line(shipment, values)
    item = line.list_item if shipment.is_outgoing else None
    if item is not None and "quantity" in fields:
        _check_copies(item, fields)
    before = snapshot(line, fields.keys())
    for name, value in fields.items():
        setattr(line, name, value)
    line.full_clean()
    changes = changes_between(before, snapshot(line, fields.keys()))
    if changes:
        line.save(update_fields=list(changes))
        label = f"{ShipmentItem._meta.verbose_name} {line.pk}"
        log_activity(
            actor, Action.UPDATED, shipment, {f"{label}.{k}": v for k, v in changes.items()}
        )
    return changes


def _check_copies(item: ListItem, fields: dict[str, Any]) -> None:
    """Our line sends some or all of the copies our item lists, and is worth its share
    of the item's price unless a value is given."""
    quantity = fields["quantity"]
    if isinstance(quantity, int) and quantity > item.quantity:
        raise ValidationError(
            {
                "quantity": ngettext(
                    "“%(title)s” lists %(count)d copy; send at most that many.",
                    "“%(title)s” lists %(count)d copies; send at most that many.",
                    item.quantity,
                )
                % {"title": item.title, "count": item.quantity}
            }
        )
    if isinstance(quantity, int) and item.price is not None and "value" not in fields:
        fields["value"] = item.price * quantity


@transaction.atomic
def remove_line(actor: User, line: ShipmentItem) -> None:
    """The line leaves the shipment; our item stays reserved for the partner."""
    shipment = _editable(line.shipment)
    log_activity(
        actor, Action.UPDATED, shipment, _part(ShipmentItem._meta.verbose_name, str(line), None)
    )
    line.delete()


# ---------------------------------------------------------------- ours: moves


def shipping_problems(shipment: Shipment) -> list[str]:
    """Why the shipment cannot leave yet, in words for the user (empty when it can)."""
    problems = []
    lines = list(shipment.items.select_related("list_item", "box"))
    if not lines:
        problems.append(_("The shipment has no items."))
    unboxed = [line.title for line in lines if line.box_id is None]
    if unboxed:
        problems.append(_("Not in a box: %(titles)s.") % {"titles": "; ".join(unboxed)})
    used = {line.box_id for line in lines}
    empty = [str(box.number) for box in shipment.boxes.all() if box.pk not in used]
    if empty:
        problems.append(_("Empty boxes: %(numbers)s.") % {"numbers": ", ".join(empty)})
    gone = [
        line.title
        for line in lines
        if line.list_item is not None
        and (
            line.list_item.status != ItemStatus.RESERVED
            or line.list_item.reserved_for_id != shipment.partner_id
        )
    ]
    if gone:
        problems.append(
            _("No longer reserved for the partner: %(titles)s.") % {"titles": "; ".join(gone)}
        )
    return problems


@transaction.atomic
def ship(actor: User, shipment: Shipment, on: dt.date | None = None) -> Shipment:
    """Record our shipment as sent on the day: its items become `sent`. Refused, with
    every reason, when it has no items, an item outside a box, an empty box, or an item
    no longer reserved for the partner."""
    day = on or _today()
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
    # Lock our items too: the portal may be releasing one of them this very moment.
    list(
        ListItem.objects.select_for_update(of=("self",))
        .filter(shipment_items__shipment=locked)
        .values_list("pk", flat=True)
    )
    if locked.status == ShipmentStatus.PREPARED:
        problems = shipping_problems(locked)
        if problems:
            raise NotShippable(" ".join(problems))
    _move(actor, shipment, SHIPMENT_MOVES, "ship", day)
    for line in shipment.items.select_related("list_item").filter(list_item__isnull=False):
        if line.quantity < line.list_item.quantity:
            _keep_unsent_copies(actor, line.list_item, line.quantity)
    sent = ListItem.objects.filter(shipment_items__shipment=shipment)
    sent.update(status=ItemStatus.SENT, updated_at=timezone.now())
    return shipment


def _keep_unsent_copies(actor: User, item: ListItem, sent: int) -> ListItem:
    """The copies of our item that stay behind go back on offer, as an item of their own
    on the same list; the item shipped keeps its history and the copies sent."""
    rest = ListItem.objects.get(pk=item.pk)
    rest.pk = None
    rest.quantity = item.quantity - sent
    rest.status, rest.reserved_for, rest.reserved_at = ItemStatus.AVAILABLE, None, None
    rest.created_at = timezone.now()
    rest.save()
    ListItem.objects.filter(pk=item.pk).update(quantity=sent)
    label = str(ListItem._meta.verbose_name)
    log_activity(
        actor, Action.UPDATED, item.exchange_list,
        {f"{label} {item.pk}.quantity": [item.quantity, sent], label: [None, str(rest)]},
    )  # fmt: skip
    return rest


def move_shipment(
    actor: User, shipment: Shipment, action: str, on: dt.date | None = None, mail: bool = False
) -> Shipment:
    """The status move ``action`` by the service of that move; the page and the API both
    come here. KeyError for an action no service makes (the check has a page of its own)."""
    return _MOVE_SERVICES[action](actor, shipment, on, mail)


# Each move of SHIPMENT_MOVES but the check: (actor, shipment, day, mail the letter).
_MOVE_SERVICES: dict[str, Any] = {
    "ship": lambda actor, shipment, on, mail: ship(actor, shipment, on),
    "deliver": lambda actor, shipment, on, mail: record_delivery(actor, shipment, on),
    "acknowledge": lambda actor, shipment, on, mail: record_acknowledgement(actor, shipment, on),
    "cancel": lambda actor, shipment, on, mail: cancel_shipment(actor, shipment),
    "thank": lambda actor, shipment, on, mail: send_acknowledgement(actor, shipment, on, mail),
    "discard": lambda actor, shipment, on, mail: discard_incoming(actor, shipment),
}
SHIPMENT_MOVE_ACTIONS = tuple(_MOVE_SERVICES)


@transaction.atomic
def record_delivery(actor: User, shipment: Shipment, on: dt.date | None = None) -> Shipment:
    day = on or _today()
    _not_before(day, shipment.shipped_on, "delivered_on",
                _("It cannot arrive before it was shipped (%(date)s)."))  # fmt: skip
    return _move(actor, shipment, SHIPMENT_MOVES, "deliver", day)


@transaction.atomic
def record_acknowledgement(actor: User, shipment: Shipment, on: dt.date | None = None) -> Shipment:
    """The partner has thanked us for our shipment."""
    day = on or _today()
    _not_before(day, shipment.delivered_on, "acknowledged_on",
                _("It cannot be acknowledged before it arrived (%(date)s)."))  # fmt: skip
    return _move(actor, shipment, SHIPMENT_MOVES, "acknowledge", day)


@transaction.atomic
def cancel_shipment(actor: User, shipment: Shipment) -> Shipment:
    """A prepared shipment is called off: its items are free for another, still reserved
    for the partner."""
    _move(actor, shipment, SHIPMENT_MOVES, "cancel")
    # They stay reserved while prepared; one the partner let go of meanwhile stays free.
    ListItem.objects.filter(
        shipment_items__shipment=shipment, reserved_for_id=shipment.partner_id
    ).exclude(status=ItemStatus.RESERVED).update(
        status=ItemStatus.RESERVED, updated_at=timezone.now()
    )
    return shipment


# ---------------------------------------------------------------- the partner's


@transaction.atomic
def create_incoming(actor: User, partner: Institution, values: dict[str, Any]) -> Shipment:
    """A partner's shipment as it arrives, its packing list to be entered and checked."""
    shipment = Shipment(
        partner=partner, direction=Direction.INCOMING, status=ShipmentStatus.RECEIVED,
        **_pick(values, INCOMING_FIELDS),
    )  # fmt: skip
    shipment.received_on = shipment.received_on or _today()
    shipment.full_clean(exclude=["number"])
    _save_numbered(shipment)
    log_activity(
        actor, Action.CREATED, shipment,
        snapshot(shipment, ["partner", "direction", "status", *INCOMING_FIELDS]),
    )  # fmt: skip
    return shipment


@transaction.atomic
def record_check(actor: User, shipment: Shipment, rows: dict[int, dict[str, Any]]) -> Shipment:
    """What the check found for every line (line id → check_result, quantity_received,
    check_note); the shipment is then checked. All lines or nothing: raises
    ValidationError naming the line at fault."""
    current = Shipment.objects.select_for_update().get(pk=shipment.pk)
    lines = {line.pk: line for line in current.items.all()}
    errors = []
    changes: dict[str, list[Any]] = {}
    for pk, line in lines.items():
        if line.check_result == CheckResult.EXTRA:
            continue
        row = rows.get(pk)
        if row is None:
            errors.append(_("“%(title)s” has not been checked.") % {"title": line.title})
            continue
        result = row.get("check_result")
        received = row.get("quantity_received")
        if result == CheckResult.MISSING:
            received = 0
        elif received is None:
            received = line.quantity
        if result not in (CheckResult.RECEIVED, CheckResult.MISSING, CheckResult.DAMAGED):
            errors.append(_("“%(title)s”: choose what was found.") % {"title": line.title})
        elif received > line.quantity:
            errors.append(
                _("“%(title)s”: %(received)d received of %(quantity)d listed; enter the "
                  "others as an extra item.")
                % {"title": line.title, "received": received, "quantity": line.quantity}
            )  # fmt: skip
        before = snapshot(line, CHECK_FIELDS)
        line.check_result, line.quantity_received = result or "", received
        line.check_note = (row.get("check_note") or "").strip()
        for name, pair in changes_between(before, snapshot(line, CHECK_FIELDS)).items():
            changes[f"{ShipmentItem._meta.verbose_name} {pk}.{name}"] = pair
    if errors:
        raise ValidationError(errors)
    ShipmentItem.objects.bulk_update(list(lines.values()), list(CHECK_FIELDS))
    if changes:
        log_activity(actor, Action.UPDATED, shipment, changes)
    if current.status != ShipmentStatus.CHECKED:
        _move(actor, shipment, SHIPMENT_MOVES, "check")
    return shipment


def _queue_mail(kind: str, pk: int, recipient: str) -> None:
    from .tasks import task_exchange_letter_mail

    transaction.on_commit(partial(task_exchange_letter_mail.enqueue, kind, pk, recipient))


def exchange_contact_email(partner: Institution) -> str:
    terms = getattr(partner, "exchange_terms", None)
    return terms.contact.email if terms is not None and terms.contact else ""


@transaction.atomic
def send_acknowledgement(
    actor: User, shipment: Shipment, on: dt.date | None = None, mail: bool = False
) -> Shipment:
    """Thank the partner for a checked shipment; with mail, the letter goes to its exchange
    contact after commit. Raises ValidationError on "mail" when there is nobody to mail."""
    recipient = exchange_contact_email(shipment.partner) if mail else ""
    if mail and not recipient:
        raise ValidationError(
            {"mail": _("The partner's exchange terms name no contact with an e-mail address.")}
        )
    _move(actor, shipment, SHIPMENT_MOVES, "thank", on)
    if recipient:
        log_activity(
            actor, Action.UPDATED, shipment, message=_("Mailed to %(to)s") % {"to": recipient}
        )
        _queue_mail("acknowledgement", shipment.pk, recipient)
    return shipment


@transaction.atomic
def discard_incoming(actor: User, shipment: Shipment) -> Shipment:
    return _move(actor, shipment, SHIPMENT_MOVES, "discard")


# ---------------------------------------------------------------- claims


def _claim(actor: User, claim: Claim) -> Claim:
    claim.full_clean()
    claim.save()
    log_activity(actor, Action.CREATED, claim, snapshot(claim, ["partner", *CLAIM_FIELDS]))
    return claim


@transaction.atomic
def create_claim(actor: User, partner: Institution, values: dict[str, Any]) -> Claim:
    return _claim(actor, Claim(partner=partner, **_pick(values, CLAIM_FIELDS)))


@transaction.atomic
def claim_missing(actor: User, shipment: Shipment) -> list[Claim]:
    """A claim for every serial issue the check found missing (or short) in a partner's
    shipment, unless one was claimed already."""
    current = Shipment.objects.select_for_update().get(pk=shipment.pk)
    if current.is_outgoing or current.status not in (
        ShipmentStatus.CHECKED, ShipmentStatus.ACKNOWLEDGED
    ):  # fmt: skip
        raise MoveNotAllowed(_("Missing issues are claimed once the shipment is checked."))
    claimed = set(
        Claim.objects.filter(shipment_item__shipment=current).values_list(
            "shipment_item_id", flat=True
        )
    )
    made = []
    for line in current.items.all():
        if line.is_serial and line.missing_quantity and line.pk not in claimed:
            made.append(
                _claim(actor, Claim(
                    partner=current.partner, shipment_item=line, title=line.title,
                    issn=line.issn, issue=line.issue or "—", quantity=line.missing_quantity,
                ))
            )  # fmt: skip
    if not made:
        raise ValidationError(_("No missing serial issue is left to claim in this shipment."))
    log_activity(
        actor, Action.UPDATED, current,
        _part(Claim._meta.verbose_name_plural, None, [str(c) for c in made]),
    )  # fmt: skip
    return made


@transaction.atomic
def update_claim(actor: User, claim: Claim, values: dict[str, Any]) -> dict:
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.OPEN:
        raise MoveNotAllowed(_("A claim changes only while it is open."))
    return update_fields(claim, actor, _pick(values, CLAIM_FIELDS))


@transaction.atomic
def send_claim(actor: User, claim: Claim, on: dt.date | None = None, mail: bool = False) -> Claim:
    recipient = exchange_contact_email(claim.partner) if mail else ""
    if mail and not recipient:
        raise ValidationError(
            {"mail": _("The partner's exchange terms name no contact with an e-mail address.")}
        )
    _move(actor, claim, CLAIM_MOVES, "send", on)
    if recipient:
        log_activity(
            actor, Action.UPDATED, claim, message=_("Mailed to %(to)s") % {"to": recipient}
        )
        _queue_mail("claim", claim.pk, recipient)
    return claim


@transaction.atomic
def record_claim_received(actor: User, claim: Claim, on: dt.date | None = None) -> Claim:
    day = on or _today()
    _not_before(day, claim.sent_on, "closed_on",
                _("It cannot arrive before the claim was sent (%(date)s)."))  # fmt: skip
    return _move(actor, claim, CLAIM_MOVES, "fulfil", day)


@transaction.atomic
def cancel_claim(actor: User, claim: Claim) -> Claim:
    return _move(actor, claim, CLAIM_MOVES, "withdraw")


# ---------------------------------------------------------------- letter templates


@transaction.atomic
def save_letter_template(
    actor: User, kind: str, language: str, values: dict[str, Any]
) -> LetterTemplate:
    """Staff's wording of a letter in a language, created or changed. Raises
    ValidationError on the field with an unknown placeholder."""
    fields = _pick(values, ("subject", "body"))
    letters.check_placeholders(kind, fields)
    template = (
        LetterTemplate.objects.select_for_update().filter(kind=kind, language=language).first()
    )
    if template is not None:
        update_fields(template, actor, fields)
        return template
    template = LetterTemplate(kind=kind, language=language, **fields)
    template.full_clean()
    template.save()
    log_activity(actor, Action.CREATED, template, snapshot(template, ["kind", "language", *fields]))
    return template


@transaction.atomic
def reset_letter_template(actor: User, template: LetterTemplate) -> None:
    """Back to the default wording (for a language without one, the letter is gone)."""
    log_activity(actor, Action.DELETED, template, snapshot(template, ["kind", "language"]))
    template.delete()
