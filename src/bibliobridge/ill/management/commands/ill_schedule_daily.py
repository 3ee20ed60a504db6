"""Queue the daily ILL run (silent lenders passed over, late loans marked overdue)."""

from django.core.management.base import BaseCommand

from bibliobridge.ill.tasks import task_ill_daily


class Command(BaseCommand):
    help = "Queue the daily ILL run; each run queues the next one."

    def handle(self, *args: object, **options: object) -> None:
        task_ill_daily.enqueue()
        self.stdout.write("Queued the daily ILL run.")
