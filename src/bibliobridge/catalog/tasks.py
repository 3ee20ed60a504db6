"""Background work of the union catalogue."""

import logging
from pathlib import Path

from django_tasks import task

from . import imports
from .enums import RunStatus
from .models import ImportRun

logger = logging.getLogger(__name__)


@task()
def task_catalog_import(run_id: int) -> None:
    """Load an uploaded file queued by the web page; the file is removed afterwards."""
    run = ImportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).first()
    if run is None:
        return  # already run (a retried task) or gone
    path = Path(run.stored_path)
    try:
        imports.run_import(run, [path])
    finally:
        path.unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run.pk).update(stored_path="")
