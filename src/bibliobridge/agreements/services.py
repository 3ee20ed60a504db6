"""Every write to agreements. Each takes the acting user (None for a system task) and
logs an ActivityLog row on the agreement in the same transaction.

Changes to parties, conditions and documents are logged on the agreement, so its page
shows one history. A signed or in-effect agreement is not edited but amended: the
previous version is kept as an AgreementVersion snapshot.
"""

import calendar
import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from bibliobridge.core.enums import Action
from bibliobridge.core.files import NotPdf, inspect_pdf
from bibliobridge.core.models import User
from bibliobridge.core.services import changes_between, log_activity, snapshot, update_fields

from .enums import AgreementStatus, Unit
from .models import Agreement, AgreementDocument, AgreementParty, AgreementVersion, Condition
from .workflow import AMENDABLE_STATES, EDITABLE_STATES, TRANSITIONS

AGREEMENT_FIELDS = (
    "type", "title", "owner", "effective_date", "expiry_date", "auto_renew",
    "renewal_months", "notice_days", "summary",
)  # fmt: skip
PARTY_FIELDS = (
    "institution",
    "role",
    "reference",
    "signatory_name",
    "signatory_title",
    "signed_on",
)
# Party fields that record the signing itself; they may be filled in after signature.
PARTY_RECORD_FIELDS = ("reference", "signatory_name", "signatory_title", "signed_on")
CONDITION_FIELDS = (
    "kind", "quantity", "unit", "per_quantity", "per_unit", "currency", "period", "direction",
    "note",
)  # fmt: skip


class TransitionNotAllowed(ValidationError):
    """The workflow does not allow this action now (wrong status, or a condition unmet)."""


class TransitionNotPermitted(PermissionDenied):
    """The user lacks the permission the workflow names for this action."""


class AgreementNotEditable(ValidationError):
    """A signed or closed agreement changes only through an amendment (or not at all)."""


class DuplicateParty(ValidationError):
    """The institution is already a party to the agreement."""


class InvalidDocument(ValidationError):
    """The upload is not a PDF, or is too large."""


def _pick(values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in names}


def _party_label(party: AgreementParty) -> str:
    return f"{party.institution} ({party.get_role_display()})"


def _check_editable(agreement: Agreement) -> None:
    if agreement.status not in EDITABLE_STATES:
        if agreement.status in AMENDABLE_STATES:
            message = _("This agreement is signed; change it by an amendment.")
        else:
            message = _("This agreement is closed (%(status)s) and can no longer be changed.") % {
                "status": agreement.get_status_display()
            }
        raise AgreementNotEditable(message)


def _check_duplicate_parties(parties: list[dict[str, Any]]) -> None:
    seen: set[int] = set()
    for data in parties:
        institution = data.get("institution")
        if institution is None:
            continue
        if institution.pk in seen:
            raise DuplicateParty(
                {
                    "institution": _("%(institution)s is listed twice as a party.")
                    % {"institution": institution}
                }
            )
        seen.add(institution.pk)


def _new_party(agreement: Agreement, data: dict[str, Any]) -> AgreementParty:
    institution = data.get("institution")
    if institution is not None and agreement.parties.filter(institution=institution).exists():
        raise DuplicateParty(
            {
                "institution": _("%(institution)s is already a party to this agreement.")
                % {"institution": institution}
            }
        )
    party = AgreementParty(agreement=agreement, **_pick(data, PARTY_FIELDS))
    party.full_clean()
    party.save()
    return party


def _clean_condition(condition: Condition) -> None:
    condition.full_clean()
    if condition.unit == Unit.MONEY and not condition.currency:
        raise ValidationError({"currency": _("Give the currency of an amount of money.")})
    if condition.per_quantity is not None and not condition.per_unit:
        raise ValidationError({"per_unit": _("Give the unit of the second quantity.")})


def _new_condition(agreement: Agreement, data: dict[str, Any]) -> Condition:
    values = _pick(data, CONDITION_FIELDS)
    if values.get("currency"):
        values["currency"] = values["currency"].upper()
    condition = Condition(agreement=agreement, **values)
    _clean_condition(condition)
    condition.save()
    return condition


def agreement_content(agreement: Agreement) -> dict[str, Any]:
    """The agreement's fields, parties and conditions in JSON-safe form: a version's snapshot."""
    fields = snapshot(agreement, [*AGREEMENT_FIELDS, "status", "version"])
    fields["owner_id"] = agreement.owner_id
    return {
        "fields": fields,
        "parties": [
            {
                "institution_id": p.institution_id,
                "institution": str(p.institution),
                **snapshot(p, [f for f in PARTY_FIELDS if f != "institution"]),
            }
            for p in agreement.parties.select_related("institution").order_by("id")
        ],
        "conditions": [snapshot(c, CONDITION_FIELDS) for c in agreement.conditions.order_by("id")],
    }


@transaction.atomic
def create_agreement(
    actor: User | None,
    fields: dict[str, Any],
    parties: list[dict[str, Any]],
    conditions: Iterable[dict[str, Any]] = (),
) -> Agreement:
    """A new draft agreement with its parties and conditions. Raises ValidationError
    naming the field at fault; nothing is saved then."""
    parties = list(parties)
    if not parties:
        raise ValidationError({"parties": _("An agreement needs at least one party.")})
    _check_duplicate_parties(parties)
    agreement = Agreement(**_pick(fields, AGREEMENT_FIELDS))
    agreement.full_clean()
    agreement.save()
    for data in parties:
        _new_party(agreement, data)
    for data in conditions:
        _new_condition(agreement, data)
    content = agreement_content(agreement)
    log_activity(
        actor,
        Action.CREATED,
        agreement,
        {
            **{
                k: v
                for k, v in content["fields"].items()
                if v not in (None, "", False) and k != "owner_id"
            },
            "parties": [_party_label(p) for p in agreement.parties.select_related("institution")],
            "conditions": [str(c) for c in agreement.conditions.all()],
        },
    )
    return agreement


@transaction.atomic
def update_agreement(actor: User | None, agreement: Agreement, fields: dict[str, Any]) -> dict:
    """Edit a draft or an agreement under negotiation; returns the changes made."""
    _check_editable(agreement)
    return update_fields(agreement, actor, _pick(fields, AGREEMENT_FIELDS))


def _check_transition_guards(agreement: Agreement, action: str) -> None:
    if action == "sign":
        count = agreement.parties.count()
        if count < 2:
            raise TransitionNotAllowed(
                _(
                    "An agreement needs at least two parties before it can be signed; "
                    "this one has %(count)d."
                )
                % {"count": count}
            )
    if action == "bring_into_effect" and agreement.effective_date is None:
        raise TransitionNotAllowed(
            _("Enter the effective date before bringing the agreement into effect.")
        )


def transition_agreement(
    actor: User | None, agreement: Agreement, action: str, note: str = ""
) -> Agreement:
    """Change the agreement's status by one action of the workflow table.

    The one function for every status change. actor None is a system task, which is
    not checked against permissions. Raises TransitionNotAllowed (with a message for
    the user) or TransitionNotPermitted.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(
            _("“%(action)s” is not a step of the agreement workflow.") % {"action": action}
        )
    if actor is not None and not actor.has_perm(transition.permission):
        raise TransitionNotPermitted(_("You may not change the status of agreements."))
    with transaction.atomic():
        current = Agreement.objects.select_for_update().get(pk=agreement.pk)
        old = current.status
        if old not in transition.sources:
            raise TransitionNotAllowed(
                _("This agreement is “%(status)s”, so “%(action)s” is not possible.")
                % {"status": current.get_status_display(), "action": transition.label}
            )
        _check_transition_guards(current, action)
        now = timezone.now()
        # Compare-and-set as well as the lock: SQLite has no row locks.
        updated = Agreement.objects.filter(pk=current.pk, status=old).update(
            status=transition.target, status_changed_at=now, updated_at=now
        )
        if updated != 1:
            raise TransitionNotAllowed(
                _(
                    "Someone else changed this agreement's status just now; "
                    "reload the page and try again."
                )
            )
        agreement.status = transition.target
        agreement.status_changed_at = now
        agreement.updated_at = now
        log_activity(
            actor, Action.TRANSITIONED, agreement, {"status": [old, transition.target]}, note
        )
    return agreement


def _replace_parties(agreement: Agreement, parties: list[dict[str, Any]]) -> None:
    _check_duplicate_parties(parties)
    if not parties:
        raise ValidationError({"parties": _("An agreement needs at least one party.")})
    agreement.parties.all().delete()
    for data in parties:
        _new_party(agreement, data)


def _replace_conditions(agreement: Agreement, conditions: list[dict[str, Any]]) -> None:
    agreement.conditions.all().delete()
    for data in conditions:
        _new_condition(agreement, data)


@transaction.atomic
def amend_agreement(
    actor: User | None,
    agreement: Agreement,
    fields: dict[str, Any],
    reason: str,
    parties: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
) -> Agreement:
    """Amend a signed or in-effect agreement: the current version is kept as an
    AgreementVersion, the changes are applied and the version number goes up."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the agreement is amended.")})
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status not in AMENDABLE_STATES:
        if locked.status in EDITABLE_STATES:
            raise AgreementNotEditable(_("This agreement is not signed yet; edit it directly."))
        raise AgreementNotEditable(
            _("This agreement is closed (%(status)s) and can no longer be changed.")
            % {"status": locked.get_status_display()}
        )
    before = agreement_content(locked)
    AgreementVersion.objects.create(
        agreement=locked,
        number=locked.version,
        content=before,
        reason=reason.strip(),
        created_by=actor if actor is not None and actor.pk else None,
    )
    values = _pick(fields, AGREEMENT_FIELDS)
    for name, value in values.items():
        setattr(agreement, name, value)
    agreement.status = locked.status
    agreement.version = locked.version + 1
    agreement.full_clean()
    agreement.save(update_fields=[*values, "version", "updated_at"])
    if parties is not None:
        _replace_parties(agreement, parties)
    if conditions is not None:
        _replace_conditions(agreement, conditions)
    after = agreement_content(agreement)
    changes = {
        k: v
        for k, v in changes_between(before["fields"], after["fields"]).items()
        if k != "owner_id"
    }
    if before["parties"] != after["parties"]:
        changes["parties"] = [
            [p["institution"] for p in before["parties"]],
            [p["institution"] for p in after["parties"]],
        ]
    if before["conditions"] != after["conditions"]:
        changes["conditions"] = [len(before["conditions"]), len(after["conditions"])]
    log_activity(actor, Action.AMENDED, agreement, changes, reason.strip())
    return agreement


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day months later, or the month's last day if it has fewer days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def renew_agreement(actor: User | None, agreement: Agreement) -> Agreement:
    """Extend the expiry date by the renewal term, as an amendment."""
    if agreement.expiry_date is None or not agreement.renewal_months:
        raise ValidationError(
            {
                "renewal_months": _(
                    "Only an agreement with an expiry date and a renewal term can be renewed."
                )
            }
        )
    new_expiry = add_months(agreement.expiry_date, agreement.renewal_months)
    reason = _("Renewed for %(months)d months, until %(date)s.") % {
        "months": agreement.renewal_months,
        "date": new_expiry.isoformat(),
    }
    return amend_agreement(actor, agreement, {"expiry_date": new_expiry}, reason)


@transaction.atomic
def add_party(actor: User | None, agreement: Agreement, data: dict[str, Any]) -> AgreementParty:
    _check_editable(agreement)
    party = _new_party(agreement, data)
    log_activity(actor, Action.UPDATED, agreement, {"parties": [None, _party_label(party)]})
    return party


@transaction.atomic
def update_party(actor: User | None, party: AgreementParty, data: dict[str, Any]) -> dict:
    """Change a party. Once signed, only the signing record (reference, signatory,
    date) may still be filled in; the institution or role change by amendment."""
    agreement = party.agreement
    allowed = PARTY_FIELDS if agreement.status in EDITABLE_STATES else PARTY_RECORD_FIELDS
    if agreement.status in AgreementStatus.closed_states:
        _check_editable(agreement)
    values = _pick(data, PARTY_FIELDS)
    refused = [k for k, v in values.items() if k not in allowed and getattr(party, k) != v]
    if refused:
        _check_editable(agreement)
    institution = values.get("institution")
    if (
        institution is not None
        and institution.pk != party.institution_id
        and agreement.parties.filter(institution=institution).exists()
    ):
        raise DuplicateParty(
            {
                "institution": _("%(institution)s is already a party to this agreement.")
                % {"institution": institution}
            }
        )
    before = snapshot(party, values.keys())
    for name, value in values.items():
        setattr(party, name, value)
    changes = changes_between(before, snapshot(party, values.keys()))
    if changes:
        party.full_clean()
        party.save(update_fields=list(changes))
        log_activity(
            actor,
            Action.UPDATED,
            agreement,
            {f"{party.institution}.{k}": v for k, v in changes.items()},
        )
    return changes


@transaction.atomic
def remove_party(actor: User | None, party: AgreementParty) -> None:
    agreement = party.agreement
    _check_editable(agreement)
    log_activity(actor, Action.UPDATED, agreement, {"parties": [_party_label(party), None]})
    party.delete()


@transaction.atomic
def add_condition(actor: User | None, agreement: Agreement, data: dict[str, Any]) -> Condition:
    _check_editable(agreement)
    condition = _new_condition(agreement, data)
    log_activity(actor, Action.UPDATED, agreement, {"conditions": [None, str(condition)]})
    return condition


@transaction.atomic
def remove_condition(actor: User | None, condition: Condition) -> None:
    agreement = condition.agreement
    _check_editable(agreement)
    log_activity(actor, Action.UPDATED, agreement, {"conditions": [str(condition), None]})
    condition.delete()


def _inspect_pdf(uploaded_file: UploadedFile) -> tuple[str, int]:
    """SHA-256 and size of the upload, after checking it looks like a whole PDF."""
    try:
        return inspect_pdf(uploaded_file)
    except NotPdf as error:
        raise InvalidDocument(
            {
                "file": _(
                    "“%(name)s” is not a PDF file (or is incomplete). Upload the agreement as PDF."
                )
                % {"name": uploaded_file.name}
            }
        ) from error


@transaction.atomic
def upload_document(
    actor: User | None,
    agreement: Agreement,
    uploaded_file: UploadedFile,
    kind: str,
    title: str = "",
) -> AgreementDocument:
    """Store a PDF for the agreement's current version, named by its SHA-256."""
    limit = settings.MAX_DOCUMENT_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise InvalidDocument(
            {
                "file": _("“%(name)s” is %(size)s; documents may be at most %(limit)s.")
                % {
                    "name": uploaded_file.name,
                    "size": filesizeformat(uploaded_file.size),
                    "limit": filesizeformat(limit),
                }
            }
        )
    sha256, size = _inspect_pdf(uploaded_file)
    if size > limit:
        raise InvalidDocument(
            {
                "file": _("“%(name)s” is %(size)s; documents may be at most %(limit)s.")
                % {
                    "name": uploaded_file.name,
                    "size": filesizeformat(size),
                    "limit": filesizeformat(limit),
                }
            }
        )
    original_name = os.path.basename(uploaded_file.name or "document.pdf")[:255]
    document = AgreementDocument(
        agreement=agreement,
        version=agreement.version,
        kind=kind,
        title=title,
        original_name=original_name,
        size=size,
        sha256=sha256,
        uploaded_by=actor if actor is not None and actor.pk else None,
    )
    document.full_clean(exclude=["file"])
    document.file.save(original_name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            document.save()
            log_activity(
                actor,
                Action.UPLOADED,
                agreement,
                {"document": [None, original_name], "sha256": [None, sha256]},
                str(document.get_kind_display()),
            )
    except Exception:
        # The row was not saved, so the stored file would be referenced by nothing.
        document.file.delete(save=False)
        raise
    return document
