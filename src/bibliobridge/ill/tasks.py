"""Background work of ILL: the outbox."""

import datetime as dt

from django.db.models import Min
from django.utils import timezone
from django_tasks import task

from bibliobridge.core.tasks import queue_once

from . import copies, copyright, outbox, services
from .enums import Delivery
from .models import IllMessage


@task()
def task_ill_outbox() -> None:
    """Send the messages that are due; come back when the next retry is due."""
    while outbox.send_due():
        pass
    later = IllMessage.objects.filter(delivery=Delivery.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]
    if later is not None:
        schedule_retry(later)


def schedule_retry(at: dt.datetime) -> bool:
    """Queue a run for when the next retry is due, unless one is queued already."""
    return queue_once(task_ill_outbox, at)


@task()
def task_ill_daily() -> dict[str, int]:
    """Daily: silent lenders passed over, our late loans marked overdue, ended copy links
    and copyright records past their years purged; then tomorrow's run."""
    result = {
        "passed_over": services.pass_silent_lenders(),
        "overdue": services.mark_overdue(),
        "copies_purged": copies.purge_ended(),
        "copyright_records_purged": copyright.purge_old(),
    }
    queue_once(task_ill_daily, timezone.now() + dt.timedelta(days=1))
    return result
