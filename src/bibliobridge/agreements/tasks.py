"""Daily work on agreements: reminders before deadlines, expiry and automatic renewal."""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task
from django_tasks.base import TaskResultStatus

from bibliobridge.core.enums import Action
from bibliobridge.core.services import log_activity
from bibliobridge.core.tasks import queue_once

from .enums import AgreementStatus, DeadlineKind
from .models import Agreement, Reminder
from .services import renew_agreement, transition_agreement

logger = logging.getLogger(__name__)

# The daily run happens at this local hour.
DAILY_HOUR = 6
# A lapsed auto-renewing agreement is renewed term by term, at most this many at once.
MAX_RENEWALS_PER_RUN = 20


def reminder_lead(deadline: dt.date, today: dt.date) -> int | None:
    """The lead time (days) whose reminder is due today for deadline, if any.

    Only the shortest lead time reached counts: if the 90-day reminder was missed
    (agreement entered late, worker down), the 30-day one is sent, not both.
    """
    if today > deadline:
        return None
    reached = [
        lead
        for lead in settings.AGREEMENT_REMINDER_DAYS
        if deadline - dt.timedelta(days=lead) <= today
    ]
    return min(reached) if reached else None


def send_reminder_mail(reminder_id: int, today: dt.date) -> None:
    reminder = Reminder.objects.select_related("agreement", "agreement__owner").get(pk=reminder_id)
    owner = reminder.agreement.owner
    if owner is None or not reminder.recipient:
        return
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        context = {
            "agreement": reminder.agreement,
            "owner": owner,
            "kind": DeadlineKind(reminder.kind).label,
            "is_notice": reminder.kind == DeadlineKind.NOTICE,
            "deadline": reminder.deadline,
            "days_left": (reminder.deadline - today).days,
            "url": settings.SITE_URL.rstrip("/")
            + reverse("agreements:detail", args=[reminder.agreement_id]),
        }
        subject = " ".join(
            render_to_string("agreements/mail/reminder_subject.txt", context).split()
        )
        body = render_to_string("agreements/mail/reminder_body.txt", context)
    send_mail(subject, body, None, [reminder.recipient])


def remind(agreement: Agreement, kind: str, deadline: dt.date, lead: int, today: dt.date) -> bool:
    """Record the reminder and mail the owner after commit; False if it was sent before."""
    recipient = agreement.owner.email if agreement.owner else ""
    try:
        with transaction.atomic():
            reminder, created = Reminder.objects.get_or_create(
                agreement=agreement,
                kind=kind,
                deadline=deadline,
                days_before=lead,
                defaults={"recipient": recipient},
            )
            if created:
                log_activity(
                    None,
                    Action.REMINDED,
                    agreement,
                    {"reminder": [None, f"{kind} {deadline.isoformat()} −{lead}"]},
                    recipient,
                )
                transaction.on_commit(partial(send_reminder_mail, reminder.pk, today))
    except IntegrityError:
        # Another run recorded it between our read and our insert.
        return False
    return created


def expire_or_renew(today: dt.date) -> tuple[int, int]:
    expired = renewed = 0
    lapsed = Agreement.objects.filter(status=AgreementStatus.IN_EFFECT, expiry_date__lt=today)
    for agreement in lapsed:
        try:
            if agreement.auto_renew and agreement.renewal_months:
                for _term in range(MAX_RENEWALS_PER_RUN):
                    renew_agreement(None, agreement)
                    renewed += 1
                    if agreement.expiry_date is None or agreement.expiry_date >= today:
                        break
            else:
                transition_agreement(None, agreement, "expire")
                expired += 1
        except ValidationError:
            logger.exception("agreement %s could not be expired or renewed", agreement.pk)
    return expired, renewed


@task()
def task_agreement_reminders(today: str | None = None) -> dict[str, int]:
    """Daily: reminders before expiry and notice deadlines, expiry of lapsed agreements,
    renewal of those that renew automatically; then queue tomorrow's run."""
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    expired, renewed = expire_or_renew(day)
    sent = 0
    live = Agreement.objects.filter(
        status__in=AgreementStatus.live_states, expiry_date__gte=day
    ).select_related("owner")
    for agreement in live:
        for kind, deadline in agreement.deadlines():
            lead = reminder_lead(deadline, day)
            if lead is not None and remind(agreement, kind, deadline, lead, day):
                sent += 1
    schedule_next_run()
    return {"reminders": sent, "expired": expired, "renewed": renewed}


def next_run_time(now: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(now)
    tomorrow = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(DAILY_HOUR), tzinfo=local.tzinfo)


def daily_run_queued() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=task_agreement_reminders.module_path
    ).exists()


def schedule_next_run(run_after: dt.datetime | None = None) -> bool:
    """Queue the daily run unless one is queued already."""
    return queue_once(task_agreement_reminders, run_after or next_run_time())
