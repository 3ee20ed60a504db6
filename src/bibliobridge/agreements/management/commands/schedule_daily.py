from django.core.management.base import BaseCommand

from bibliobridge.agreements.tasks import daily_run_queued, task_agreement_reminders


class Command(BaseCommand):
    help = "Queue the daily agreement run (reminders, expiry, renewal) unless one is queued."

    def handle(self, *args: object, **options: object) -> None:
        backend = task_agreement_reminders.get_backend()
        if backend.supports_defer and _has_queue_table() and daily_run_queued():
            self.stdout.write("The daily agreement run is already queued.")
            return
        # Runs now; each run queues the next one for the following morning.
        task_agreement_reminders.enqueue()
        self.stdout.write("Queued the daily agreement run.")


def _has_queue_table() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_agreement_reminders.get_backend(), DatabaseBackend)
