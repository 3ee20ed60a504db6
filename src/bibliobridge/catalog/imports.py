"""Loading a holder's catalogue: read → stage → replace, so a holder is never half-replaced.

1. ``start_run`` records the run (queued).
2. ``run_import`` reads the files record by record into StagedRecord, in batches, each in its
   own short transaction, updating the run's progress; bad records become ImportProblems and
   the rest go on. A file that cannot be read at all fails the run and nothing changes.
3. Then, in one transaction, ``_apply`` moves the staged records into Record with set-based
   SQL: new records inserted, changed ones updated, unchanged ones left alone (same checksum
   of the original bytes), and — when the run replaces the holder's catalogue — the holder's
   records missing from the files withdrawn. Match keys and clusters follow in the same
   transaction. If anything fails, the transaction rolls back and the holder is as before.
"""

import io
import logging
import multiprocessing
import os
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bibliobridge.core.enums import Action
from bibliobridge.core.memory import collector_paused, release_free_memory
from bibliobridge.core.models import User
from bibliobridge.core.services import log_activity
from bibliobridge.partners.models import Institution

from . import clusters, prepare, searching, text
from .enums import RecordStatus, RunSource, RunStatus
from .marc.read import SYNTAX_ISO2709, read_records, sniff
from .marc.record import FileProblem, RecordProblem
from .models import Cluster, ImportProblem, ImportRun, MatchKey, Record, StagedRecord
from .prepare import RECORD_FIELDS
from .search.models import SearchPosting, SearchSegment, SearchTerm

logger = logging.getLogger(__name__)
# The code of a run stopped by an unexpected error (catalog.messages says it in words).
INTERNAL = "internal"

BATCH = 2000
# Bytes a worker process reads at a time, when CATALOG_IMPORT_WORKERS > 1.
PARALLEL_CHUNK = 4 * 1024 * 1024
# A file full of errors should not fill the database: the first ones are kept, all are counted.
MAX_PROBLEMS = 1000
# The tables a replace writes and then queries, whose statistics it holds (_hold_statistics).
STILL_TABLES = (Record, MatchKey, Cluster, StagedRecord, SearchPosting, SearchSegment, SearchTerm)
STAGED_COLUMNS = ["run_id", "number", "deleted", "keys", "terms", *RECORD_FIELDS]

Progress = Callable[[ImportRun], None]
# MFHD holdings, by the 004 of the bibliographic record they belong to.
Mfhd = dict[str, list[dict[str, str]]]


def start_run(
    holder: Institution,
    source: RunSource | str,
    file_name: str,
    actor: User | None = None,
    replace: bool = True,
    stored_path: str = "",
    total_bytes: int = 0,
) -> ImportRun:
    """Record a queued import of a holder's file(s)."""
    with transaction.atomic():
        run = ImportRun.objects.create(
            holder=holder,
            source=source,
            file_name=file_name[:500],
            replace=replace,
            stored_path=stored_path,
            total_bytes=total_bytes,
            started_by=actor if actor is not None and actor.pk else None,
        )
        log_activity(actor, Action.IMPORTED, run, message=file_name[:500])
    return run


def run_import(
    run: ImportRun, paths: Iterable[Path], progress: Progress | None = None
) -> ImportRun:
    """Read the files of a queued run and replace the holder's records with them.

    Never raises for bad data: the run ends done (with problems counted) or failed (with
    error_code). An unexpected error fails the run, leaves the holder as it was, and is
    raised again for the worker's log.
    """
    paths = list(paths)
    run.total_bytes = sum(path.stat().st_size for path in paths)

    def stage(mfhd: Mfhd) -> None:
        for path in paths:
            with path.open("rb") as stream:
                _stage_file(run, stream, path.name if len(paths) > 1 else "", mfhd, progress)

    return _run(run, stage, progress)


def run_harvest(
    run: ImportRun,
    pages: Iterable[BinaryIO | RecordProblem],
    progress: Progress | None = None,
) -> ImportRun:
    """Load an OAI-PMH harvest: each page a MARCXML stream, staged as it arrives, applied once.

    Like run_import, but the pages come from the harvester (catalog.harvest), which hands
    over as RecordProblems the records it could not turn into MARCXML. With a run that does
    not replace, only what the feed names is added, updated or withdrawn (deleted records).
    """

    def stage(mfhd: Mfhd) -> None:
        for page in pages:
            if isinstance(page, RecordProblem):
                run.records_read += 1
                run.rejected += 1
                page.number = run.records_read
                if ImportProblem.objects.filter(run=run).count() < MAX_PROBLEMS:
                    _problem(run, page, "").save()
                continue
            _stage_file(run, page, "", mfhd, progress)
        ImportRun.objects.filter(pk=run.pk).update(
            records_read=run.records_read, rejected=run.rejected
        )

    return _run(run, stage, progress)


def _run(run: ImportRun, stage: Callable[[Mfhd], None], progress: Progress | None) -> ImportRun:
    """A run's life: stage everything, then replace in one transaction; fail cleanly."""
    mfhd: Mfhd = defaultdict(list)
    _set_status(run, RunStatus.READING, started_at=timezone.now())
    try:
        with collector_paused():  # core.memory: a sixth of the apply step otherwise
            stage(mfhd)
            _set_status(run, RunStatus.APPLYING)
            if progress:
                progress(run)
            with transaction.atomic():
                _hold_statistics()
                _attach_mfhd_holdings(run, mfhd)
                _apply(run)
        _set_status(run, RunStatus.DONE, finished_at=timezone.now())
    except FileProblem as problem:
        _fail(run, problem.code, problem.params)
    except Exception:
        _fail(run, INTERNAL, {})
        raise
    finally:
        StagedRecord.objects.filter(run=run).delete()
        release_free_memory()  # before the next run's workers start beside this process
    if progress:
        progress(run)
    return run


def _stage_file(
    run: ImportRun,
    stream: BinaryIO,
    file_label: str,
    mfhd: Mfhd,
    progress: Progress | None,
) -> None:
    base_bytes = run.read_bytes
    rows: list[tuple[Any, ...]] = []
    problems: list[ImportProblem] = []
    position = [0]  # bytes of this file read so far

    def flush() -> None:
        _insert_staged(rows)
        ImportProblem.objects.bulk_create(problems)
        rows.clear()
        problems.clear()
        run.read_bytes = base_bytes + position[0]
        ImportRun.objects.filter(pk=run.pk).update(
            read_bytes=run.read_bytes,
            records_read=run.records_read,
            rejected=run.rejected,
            total_bytes=run.total_bytes,
        )
        if progress:
            progress(run)

    stored = ImportProblem.objects.filter(run=run).count()
    known = frozenset(
        Record.objects.filter(holder_id=run.holder_id).values_list("checksum", flat=True)
    )
    for (kind, value), where in _prepared(stream, known):
        position[0] = where
        run.records_read += 1
        if kind == prepare.PROBLEM:
            run.rejected += 1
            if stored < MAX_PROBLEMS:
                problems.append(_problem(run, value, file_label))
                stored += 1
        elif kind == prepare.HOLDINGS:
            mfhd[value[0]] += value[1]
        else:
            rows.append((run.pk, run.records_read, *value))
        if len(rows) >= BATCH or len(problems) >= BATCH:
            flush()
    position[0] = stream.tell()
    flush()


def _prepared(stream: BinaryIO, known: frozenset[str]) -> Iterator[tuple[prepare.Item, int]]:
    """Each record of the file prepared for staging, with how far the file has been read
    (``known``: the checksums of the holder's stored records, see prepare.prepare).

    A large ISO 2709 file is read by worker processes, chunk by chunk, in file order.
    """
    head = stream.read(1 << 16)
    workers = getattr(settings, "CATALOG_IMPORT_WORKERS", 0)
    if workers > 1 and sniff(head) == SYNTAX_ISO2709 and _size(stream) > 2 * PARALLEL_CHUNK:
        yield from _prepared_in_parallel(stream, head, workers, known)
        return
    stream.seek(0)
    for item in read_records(stream):
        yield prepare.prepare(item, known), stream.tell()


def _prepared_in_parallel(
    stream: BinaryIO, head: bytes, workers: int, known: frozenset[str]
) -> Iterator[tuple[prepare.Item, int]]:
    context = multiprocessing.get_context("spawn")  # no inherited database connections
    # The workers read the kanji readings this process keeps in a file, or take its table,
    # rather than each making its own.
    with context.Pool(
        workers,
        initializer=prepare.start_worker,
        initargs=(text.kanji_readings_to_share(), known),
    ) as pool:
        pending: deque = deque()
        for chunk, number, offset in prepare.chunks(stream, head, PARALLEL_CHUNK):
            pending.append((pool.apply_async(prepare.prepare_chunk, (chunk, number, offset)),
                            offset + len(chunk)))  # fmt: skip
            # Bounded: a chunk for each worker while this process stages the oldest. A
            # worker prepares some 2,900 records a second, far more than this process
            # stages and applies, so results further ahead (a 4 MB chunk's are 6 MB
            # pickled) would only wait here.
            while len(pending) > workers:
                yield from _results(pending.popleft())
        while pending:
            yield from _results(pending.popleft())


def _results(entry: tuple[Any, int]) -> Iterator[tuple[prepare.Item, int]]:
    result, end = entry
    for item in result.get():
        yield item, end


def _size(stream: BinaryIO) -> int:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return 0


def _problem(run: ImportRun, item: RecordProblem, file_label: str) -> ImportProblem:
    params = dict(item.params)
    if file_label:
        params["file"] = file_label
    return ImportProblem(
        run=run,
        number=item.number,
        offset=item.offset,
        code=item.code,
        params=params,
        local_id=item.local_id[:200],
    )


def _insert_staged(rows: list[tuple[Any, ...]]) -> None:
    """Insert a batch; a record listed twice in the files keeps its last version."""
    if not rows:
        return
    table = StagedRecord._meta.db_table
    columns = ", ".join(STAGED_COLUMNS)
    marks = ", ".join(["%s"] * len(STAGED_COLUMNS))
    updates = ", ".join(
        f"{c} = excluded.{c}" for c in STAGED_COLUMNS if c not in ("run_id", "local_id")
    )
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 (our own table and column names)
        f"ON CONFLICT (run_id, local_id) DO UPDATE SET {updates}"
    )
    if connection.vendor == "postgresql":
        # The same local_id twice in one batch is one row for PostgreSQL's ON CONFLICT.
        rows = list({(row[0], row[STAGED_COLUMNS.index("local_id")]): row for row in rows}.values())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _attach_mfhd_holdings(run: ImportRun, mfhd: Mfhd) -> None:
    for bib_id, holdings in mfhd.items():
        staged = StagedRecord.objects.filter(run=run, local_id=bib_id).first()
        if staged is not None:
            StagedRecord.objects.filter(pk=staged.pk).update(holdings=staged.holdings + holdings)


def _hold_statistics() -> None:
    """On PostgreSQL, no VACUUM of the tables the replace writes and reads until it ends.

    A VACUUM (autovacuum's, at any moment) while the run's rows are still uncommitted
    counts none of them, and records the tables as empty whatever their size; PostgreSQL
    then plans the clustering's joins as over empty tables. A load of the LoC every-64th
    file (3,907 records) took 102 s instead of 10 with a VACUUM every half second beside
    it. The lock this takes (held to the end of the transaction) lets reads and writes
    through; autovacuum passes these tables by meanwhile, a VACUUM by hand waits. The
    staged rows, written before, are counted afresh (ANALYZE counts the transaction's own
    rows, and the staging table holds only the runs under way).
    """
    if connection.vendor != "postgresql":
        return
    quoted = [connection.ops.quote_name(m._meta.db_table) for m in STILL_TABLES]
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(quoted)} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute(f"ANALYZE {connection.ops.quote_name(StagedRecord._meta.db_table)}")


def _apply(run: ImportRun) -> None:
    """Move the staged records of a fully read run into Record (inside a transaction)."""
    record, staged = Record._meta.db_table, StagedRecord._meta.db_table
    # As the ORM writes it: SQLite compares datetimes as text, and raw SQL would add "+00:00".
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    active, withdrawn = RecordStatus.ACTIVE.value, RecordStatus.WITHDRAWN.value
    with connection.cursor() as cursor:
        assignments = ", ".join(f"{c} = s.{c}" for c in RECORD_FIELDS if c != "local_id")
        cursor.execute(
            f"UPDATE {record} SET {assignments}, status = %s, run_id = %s, updated_at = %s "  # noqa: S608 (our own table and column names)
            f"FROM {staged} s WHERE s.run_id = %s AND s.deleted = %s "
            f"AND {record}.holder_id = %s AND {record}.local_id = s.local_id "
            f"AND ({record}.checksum <> s.checksum OR {record}.status <> %s)",
            [active, run.pk, now, run.pk, False, run.holder_id, active],
        )
        updated = cursor.rowcount
        columns = ", ".join(RECORD_FIELDS)
        selected = ", ".join(f"s.{c}" for c in RECORD_FIELDS)
        cursor.execute(
            f"INSERT INTO {record} (holder_id, status, run_id, created_at, updated_at, {columns}) "  # noqa: S608 (our own table and column names)
            f"SELECT %s, %s, %s, %s, %s, {selected} FROM {staged} s "
            f"WHERE s.run_id = %s AND s.deleted = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {record} r WHERE r.holder_id = %s AND r.local_id = s.local_id)",
            [run.holder_id, active, run.pk, now, now, run.pk, False, run.holder_id],
        )
        loaded = cursor.rowcount
        # Deleted in the file (leader/05 "d"); and, when replacing, missing from it.
        missing = (
            f"NOT EXISTS (SELECT 1 FROM {staged} s WHERE s.run_id = %s "  # noqa: S608 (our own table and column names)
            f"AND s.local_id = {record}.local_id AND s.deleted = %s)"
        )
        gone = [run.pk, False]
        if not run.replace:
            missing = (
                f"EXISTS (SELECT 1 FROM {staged} s WHERE s.run_id = %s "  # noqa: S608 (our own table and column names)
                f"AND s.local_id = {record}.local_id AND s.deleted = %s)"
            )
            gone = [run.pk, True]
        cursor.execute(
            f"UPDATE {record} SET status = %s, run_id = %s, updated_at = %s "  # noqa: S608 (our own table and column names)
            f"WHERE holder_id = %s AND status = %s AND {missing}",
            [withdrawn, run.pk, now, run.holder_id, active, *gone],
        )
        deleted = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM {staged} WHERE run_id = %s AND deleted = %s",  # noqa: S608
            [run.pk, False],
        )
        (read,) = cursor.fetchone()
    _replace_match_keys(run)
    searching.reindex(clusters.assign(run.pk), run.pk)
    run.loaded, run.updated, run.deleted = loaded, updated, deleted
    run.unchanged = read - loaded - updated
    ImportRun.objects.filter(pk=run.pk).update(
        loaded=loaded, updated=updated, deleted=deleted, unchanged=run.unchanged
    )


def _replace_match_keys(run: ImportRun) -> None:
    """The run's records' match keys, replaced by those computed while reading."""
    key_table, record_table = MatchKey._meta.db_table, Record._meta.db_table
    staged_table = StagedRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {key_table} WHERE record_id IN "  # noqa: S608
            f"(SELECT id FROM {record_table} WHERE run_id = %s)",
            [run.pk],
        )
        cursor.execute(
            f"SELECT r.id, s.keys FROM {record_table} r "  # noqa: S608
            f"JOIN {staged_table} s ON s.run_id = %s AND s.local_id = r.local_id "
            f"WHERE r.run_id = %s AND r.holder_id = %s AND r.status = %s AND s.keys <> ''",
            [run.pk, run.pk, run.holder_id, RecordStatus.ACTIVE],
        )
        rows = [(key, pk) for pk, keys in cursor.fetchall() for key in keys.split("\n")]
        cursor.executemany(
            f"INSERT INTO {key_table} (key, record_id) VALUES (%s, %s)",  # noqa: S608
            rows,
        )


def _set_status(run: ImportRun, status: RunStatus, **fields: Any) -> None:
    run.status = status
    for name, value in fields.items():
        setattr(run, name, value)
    ImportRun.objects.filter(pk=run.pk).update(status=status, total_bytes=run.total_bytes, **fields)


def _fail(run: ImportRun, code: str, params: dict[str, Any]) -> None:
    run.error_code, run.error_params = code, {k: str(v) for k, v in params.items()}
    _set_status(
        run,
        RunStatus.FAILED,
        error_code=run.error_code,
        error_params=run.error_params,
        finished_at=timezone.now(),
    )
