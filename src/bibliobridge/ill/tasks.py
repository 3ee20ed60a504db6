"""Background work of ILL: the outbox."""

import datetime as dt

from django.db.models import Min
from django.utils import timezone
from django_tasks import TaskResultStatus, task

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
    """Queue a run for when the next retry is due, unless one is queued already. Backends
    that cannot defer (the immediate one in tests) would run it at once, over and over."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_ill_outbox.get_backend(), DatabaseBackend):
        return False
    if DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=task_ill_outbox.module_path
    ).exists():
        return False
    task_ill_outbox.using(run_after=at).enqueue()
    return True


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
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(task_ill_daily.get_backend(), DatabaseBackend):
        task_ill_daily.using(run_after=timezone.now() + dt.timedelta(days=1)).enqueue()
    return result
