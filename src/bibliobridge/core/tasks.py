"""What every recurring background run shares: queueing its next run once."""

import datetime as dt

from django_tasks.base import Task, TaskResultStatus


def queue_once(task: Task, run_after: dt.datetime | None = None) -> bool:
    """Queue ``task`` for ``run_after`` (now when None) unless a run of it is queued
    already; True when queued. Only on the database backend: backends that cannot defer
    (the immediate one in tests) would run a self-queueing task at once, over and over."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not backend.supports_defer or not isinstance(backend, DatabaseBackend):
        return False
    queued = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path)
    if queued.exists():
        return False
    (task.using(run_after=run_after) if run_after else task).enqueue()
    return True
