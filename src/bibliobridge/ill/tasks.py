"""Background work of ILL: the outbox."""

from django.db.models import Min
from django_tasks import task

from . import outbox
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
        task_ill_outbox.using(run_after=later).enqueue()
