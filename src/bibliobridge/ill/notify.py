"""Mail about ILL requests, in each recipient's language, sent by the worker after commit.

Readers hear when their item has arrived, their copy is ready, the item is recalled or
overdue, or nobody could supply it. Staff who act on ILL requests hear when a request
comes to need a decision (a partner's new request, no lender left, conditions offered, a
partner asking to cancel or renew, a recall or overdue notice) or when something failed.
"""

from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from bibliobridge.core.models import User

from .enums import Role, State
from .models import IllRequest
from .states import PERMISSION, Step

# (role, event) → what the reader is told.
READER: dict[tuple[str, str], str] = {
    (Role.REQUESTER, "receive"): "arrived",
    (Role.REQUESTER, "CopyCompleted"): "copy_ready",
    (Role.REQUESTER, "Recalled"): "recalled",
    (Role.REQUESTER, "Overdue"): "overdue",
}
# States a partner (or the system) can put a request in that call for a decision by staff:
# they are mailed. Routine ones (an item shipped, a return to check in) only show in the
# worklists.
DECISIONS: dict[str, set[str]] = {
    Role.REQUESTER: {State.RETRY_POSSIBLE, State.END_OF_ROTA, State.RECALLED, State.OVERDUE},
    Role.SUPPLIER: {State.NEW, State.CANCEL_REQUESTED, State.RENEW_REQUESTED},
}
# Closing a request no lender could fill tells the reader so.
UNFILLED_STATES = {State.UNFILLED, State.RETRY_POSSIBLE, State.END_OF_ROTA}
# Signs the reader's link to a request (views_reader.status).
READER_SALT = "bibliobridge.ill.reader"


def reader_token(request: IllRequest) -> str:
    return signing.dumps(request.pk, salt=READER_SALT)


def request_for_token(token: str) -> IllRequest | None:
    """The request a reader's link names, if the link is ours and the request is there."""
    try:
        pk = signing.loads(token, salt=READER_SALT)
    except signing.BadSignature:
        return None
    return IllRequest.objects.filter(pk=pk, role=Role.REQUESTER).first()


def asked_by_reader(request: IllRequest) -> None:
    """A reader asked on our page: they get their link, staff get a request to check."""
    for kind in ("asked", "attention"):
        transaction.on_commit(partial(task_ill_mail.enqueue, request.pk, kind))


def after(request: IllRequest, step: Step, old_state: str) -> None:
    """Queue the mail a transition calls for (inside its transaction: sent after commit)."""
    kinds = []
    reader = READER.get((request.role, step.event))
    if step.event == "close" and old_state in UNFILLED_STATES:
        reader = "not_available"
    if reader and request.patron_email:
        kinds.append(reader)
    if step.target in DECISIONS[request.role] and step.target != old_state and step.by != "staff":
        kinds.append("attention")
    for kind in kinds:
        transaction.on_commit(partial(task_ill_mail.enqueue, request.pk, kind))


@task()
def task_ill_mail(request_id: int, kind: str) -> int:
    """Send one notice about a request; returns how many mails went out."""
    request = IllRequest.objects.select_related("partner").filter(pk=request_id).first()
    if request is None:
        return 0
    url = settings.SITE_URL.rstrip("/") + reverse("ill:detail", args=[request.pk])
    if kind == "attention":
        staff = User.objects.with_perm(PERMISSION).filter(is_active=True).exclude(email="")
        for user in staff:
            _send(
                user.language, "staff", {"request": request, "user": user, "url": url}, [user.email]
            )
        return len(staff)
    if not request.patron_email:
        return 0
    status_url = settings.SITE_URL.rstrip("/") + reverse(
        "ill_reader_status", args=[reader_token(request)]
    )
    _send(request.patron_language, "reader",
          {"request": request, "kind": kind, "status_url": status_url}, [request.patron_email])  # fmt: skip
    return 1


def _send(language: str, audience: str, context: dict, recipients: list[str]) -> None:
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"ill/mail/{audience}_subject.txt", context).split())
        body = render_to_string(f"ill/mail/{audience}_body.txt", context)
    send_mail(subject, body, None, recipients)
