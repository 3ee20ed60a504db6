"""Background work of the union catalogue."""

import logging
from pathlib import Path

from django_tasks import task

from . import imports, search
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


@task()
def task_catalog_merge_index() -> dict[str, int]:
    """Merge the search index's segments by its tiered policy; queued once by every write
    of the index (``searching.queue_merge``). A load writes a segment and retires the
    documents of the clusters it changed: unmerged, a 1M catalogue of 300 holders kept 300
    segments, two thirds of their documents retired, and a term not yet cached was read
    from some 160 rows. Runs beside searches and loads (``search.merge_segments``)."""
    return {"merged": len(search.merge_segments())}
