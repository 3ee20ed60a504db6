"""Django's SQLite backend, with writers taking turns instead of sleeping, each
statement's SQL text translated to SQLite's placeholders once rather than every time,
and a direct way to sqlite3 for the statements of a hot path (``prepared_cursor``,
``writing``).

SQLite lets one transaction write at a time (ours begin IMMEDIATE, so every transaction
is a writer). The others wait in SQLite's busy handler, which sleeps 1, 2, 5 … up to
100 ms between tries: under many concurrent writers (the WSGI server's threads and workers
taking ISO 18626 messages) the database sits idle while they sleep, and latencies reach
seconds. Here a transaction first waits for its turn on a lock that wakes the next
writer as soon as the last one commits: a thread lock within the process, then a file
lock beside the database across processes. SQLite's own lock and timeout still stand
behind it: a writer that does not get its turn within the timeout goes on and lets
SQLite decide.

The write-ahead log is copied back into the database (a checkpoint) by a thread of each
process (``Checkpointer``), not by the commit that found it long: a checkpoint writes and
syncs both files, and SQLite runs its own within that commit, while the writer still held
the turn every other writer waits for.
"""

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from typing import Any

from django.db import DatabaseError, transaction
from django.db.backends.sqlite3 import base, creation
from django.db.backends.utils import CursorWrapper
from django.db.transaction import TransactionManagementError

from bibliobridge.core import kept, loops

# Between tries for the file lock (another process has it): from a pause shorter than a
# message's write, doubling up to the longest, so that a short turn is not waited out.
POLL_SECONDS = (0.00002, 0.0005)
# Commits in a process between its checkpoints: at some ten pages a commit, about as
# often as SQLite's own (every 1,000 pages of log). Writes made outside a transaction
# (autocommit) are not counted: those are checkpointed at least once a second.
CHECKPOINT_COMMITS = 100
CHECKPOINT_SECONDS = 1.0
# A log longer than this after a checkpoint is checkpointed once more while the writers'
# turn is held: no commit can land during that one, so it copies the whole log, and the
# next writer starts the log again from its beginning. Under steady writes every other
# checkpoint ends a few commits short of the log's end, and the log would grow for ever
# (some 55 KB an ISO 18626 message: a gigabyte every 18,000 messages).
LOG_RESTART_BYTES = 64 * 1024 * 1024
# How long the checkpointer waits for the writers' turn before it leaves the restart to
# its next round.
RESTART_TURN_SECONDS = 1.0
WAL_HEADER = 32  # bytes at the start of the log, ending with its two salts
WAL_FRAME_HEADER = 24  # bytes before each page in the log
# Statements longer than this (bulk inserts, long IN lists) are translated each time, not
# kept: they are rarely the same twice.
CACHED_SQL_CHARS = 4000

logger = logging.getLogger(__name__)

# sqlite3 binds a value of exactly int, float, str or bytes as it is. Any other value, None
# and True included, is first looked for among the adapters, and a miss costs more than
# the binding: an exception raised and cleared inside the module (some 0.8 µs a value).
# None and bool, the common ones, get adapters to what sqlite3 binds for them anyway:
# NULL, and 0 or 1. (Process-wide, as Django registers its own for dates and decimals.)
sqlite3.register_adapter(type(None), {}.get)  # type: ignore[arg-type]  # None, in C
sqlite3.register_adapter(bool, int)


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, whose translation of "%s" to "?" (a regular expression run on every
    statement: on the ISO 18626 path as costly as SQLite running some of them) is kept."""

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None and len(query) <= CACHED_SQL_CHARS:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


@lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class DirectCursor:
    """sqlite3's own cursor, with Django's translation of errors and of placeholders and
    nothing else (``DatabaseWrapper.prepared_cursor``). sqlite3 keeps each statement
    prepared itself, in its connection's statement cache."""

    __slots__ = ("_db", "_cursor")

    def __init__(self, db: "DatabaseWrapper") -> None:
        self._db = db
        self._cursor = db.connection.cursor()

    def __enter__(self) -> "DirectCursor":
        return self

    def __exit__(self, *exc: object) -> None:
        self._cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._db.wrap_database_errors:
            self._cursor.execute(_qmark(sql), params)

    def fetchone(self) -> Any:
        with self._db.wrap_database_errors:
            return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        with self._db.wrap_database_errors:
            return self._cursor.fetchall()

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class Turn:
    """Whose turn it is to write one database file, among threads and processes."""

    def __init__(self, path: str) -> None:
        self.path = path + ".writers"
        self.thread_lock = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def take(self, timeout: float) -> bool:
        """Wait for the turn up to ``timeout`` seconds; False if it did not come."""
        deadline = time.monotonic() + timeout
        if not self.thread_lock.acquire(timeout=timeout):
            return False
        try:
            fd = self._file()
            pause, longest = POLL_SECONDS
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(pause)
                    pause = min(pause * 2, longest)
        except OSError:
            pass  # no lock file (a read-only directory): SQLite alone decides
        self.thread_lock.release()
        return False

    def give(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()

    def close(self) -> None:
        """Close the turn's file (its database is being removed); the next turn opens the
        file anew, as the other processes will."""
        with self.thread_lock:
            if self.fd is not None and self.pid == os.getpid():
                os.close(self.fd)
            self.fd = None

    def _file(self) -> int:
        # A descriptor opened before a fork would be shared with the child, and a file
        # lock held through it would be the child's too: each process opens its own.
        if self.fd is None or self.pid != os.getpid():
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self.pid = os.getpid()
        return self.fd


TURNS: dict[str, Turn] = {}
TURNS_LOCK = threading.Lock()


def turn_for(path: str) -> Turn:
    with TURNS_LOCK:
        return TURNS.setdefault(path, Turn(path))


class Checkpointer:
    """The thread that checkpoints one database file for this process: woken after every
    CHECKPOINT_COMMITS commits made here, and every CHECKPOINT_SECONDS, it copies what it
    can of the log into the database without waiting for readers or writers (PASSIVE), on
    a connection of its own. SQLite's automatic checkpoints are off on this process's
    connections."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commits = 0
        self.due = threading.Event()
        self.pid = 0
        self.checkpoints = 0
        self.restarts = 0  # logs copied whole in the writers' turn, to be started again
        self.restarted_log = b""  # the salt of the last (in the log's header)
        self.thread: threading.Thread | None = None
        self.stopping = False

    def started(self) -> "Checkpointer":
        if self.pid != os.getpid():  # a forked child starts without the parent's thread
            self.pid, self.commits, self.due = os.getpid(), 0, threading.Event()
            self.stopping = False
            name = f"sqlite-checkpoint {os.path.basename(self.path)}"
            self.thread = threading.Thread(target=self._run, name=name, daemon=True)
            self.thread.start()
        return self

    def stop(self) -> None:
        """End the thread and close its connection (before the database file is removed:
        an open connection keeps the log and its index on disk)."""
        if self.thread is not None and self.pid == os.getpid():
            self.stopping = True
            self.due.set()
            self.thread.join(timeout=10)
        self.thread, self.pid = None, 0

    def committed(self) -> None:
        self.commits += 1  # under the turn: one writer at a time
        if self.commits >= CHECKPOINT_COMMITS:
            self.commits = 0
            self.due.set()

    def _run(self) -> None:
        due = self.due
        connection = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        while True:
            due.wait(CHECKPOINT_SECONDS)
            due.clear()
            if self.stopping:
                connection.close()
                return
            try:
                # (busy, frames in the log, frames copied): the log's length, not its
                # file's, which keeps its size when the log starts again.
                _busy, frames, _copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
                if frames * (page_size + WAL_FRAME_HEADER) > LOG_RESTART_BYTES:
                    self._checkpoint_in_turn(connection, page_size)
                self.checkpoints += 1
            except sqlite3.Error:
                logger.exception(
                    "checkpoint of %s failed; tried again after more commits", self.path
                )

    def _checkpoint_in_turn(self, connection: sqlite3.Connection, page_size: int) -> None:
        """Copy the rest of the log while no writer can add to it (LOG_RESTART_BYTES)."""
        turn = turn_for(self.path)
        if not turn.take(RESTART_TURN_SECONDS):
            return  # the writers are busy: at the next round
        try:
            _busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            log = self._log_salt()
        finally:
            turn.give()
        # Counted once for each log copied whole while long. Not when a writer had already
        # started the log again (the checkpoint before had copied it all): then it was
        # short, and there was nothing to do. Nor twice for one log, when a reader kept
        # the writers from starting it again after the last.
        long = frames * (page_size + WAL_FRAME_HEADER) > LOG_RESTART_BYTES
        if long and copied == frames and log != self.restarted_log:
            self.restarts += 1
            self.restarted_log = log

    def _log_salt(self) -> bytes:
        """What tells one log from the next: the salts in its header, new each time a
        writer starts the log again."""
        with open(self.path + "-wal", "rb") as log:
            return log.read(WAL_HEADER)[16:WAL_HEADER]


CHECKPOINTERS: dict[str, Checkpointer] = {}


def checkpointer_for(path: str) -> Checkpointer:
    with TURNS_LOCK:
        return CHECKPOINTERS.setdefault(path, Checkpointer(path)).started()


# Files SQLite and this backend keep beside a database: the write-ahead log and its index,
# a rollback journal, the writers' turn (Turn), the search index's merge lock.
COMPANIONS = ("-wal", "-shm", "-journal", ".writers", ".merging")


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        """The test database and the files beside it; Django's removes the database alone,
        and the log of a connection still open (the checkpointer's) stayed on disk."""
        if not test_database_name or self.is_in_memory_db(test_database_name):
            return
        path = os.path.abspath(str(test_database_name))
        with TURNS_LOCK:
            checkpointer = CHECKPOINTERS.pop(path, None)
            turn = TURNS.get(path)
        if checkpointer is not None:
            checkpointer.stop()
        if turn is not None:
            turn.close()
        super()._destroy_test_db(test_database_name, verbosity)
        for suffix in COMPANIONS:
            with suppress(FileNotFoundError):
                os.remove(path + suffix)


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    # Django's check for an event loop, without an exception when none runs (core.loops).
    ensure_connection = loops.checked(base.DatabaseWrapper.ensure_connection)
    cursor = loops.checked(base.DatabaseWrapper.cursor)
    commit = loops.checked(base.DatabaseWrapper.commit)
    rollback = loops.checked(base.DatabaseWrapper.rollback)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_turn = False
        self._turn_of: tuple[object, Turn | None] | None = None  # (NAME, its turn)
        self._checkpointer: Checkpointer | None = None

    def get_new_connection(self, conn_params: dict[str, Any]) -> sqlite3.Connection:
        conn = super().get_new_connection(conn_params)
        self._checkpointer = None
        if not self.is_in_memory_db():
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            self._checkpointer = checkpointer_for(os.path.abspath(str(self.settings_dict["NAME"])))
        return conn

    def create_cursor(self, name: str | None = None) -> SQLiteCursorWrapper:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def watched(self) -> bool:
        """Whether something sees each statement: an execute wrapper (core.sql's plans and
        batches, tests counting queries) or the query log (DEBUG)."""
        return bool(self.execute_wrappers) or self.force_debug_cursor or kept.setting("DEBUG")

    def prepared_cursor(self) -> CursorWrapper | DirectCursor:
        """A cursor for the statements run on every ISO 18626 message (core.sql): sqlite3's
        own when nothing watches the statements, where Django's cursor around it costs as
        much as SQLite's work on them; Django's otherwise."""
        if self.watched():
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.validate_no_broken_transaction()
        return DirectCursor(self)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """A write transaction of the block's own: BEGIN IMMEDIATE in turn, COMMIT at its
        end, ROLLBACK on an error. For a block of statements that asks nothing to run on
        commit (core.sql's group of plans), without the bookkeeping of Django's atomic;
        inside one (or when statements are watched), it is Django's atomic."""
        if self.in_atomic_block or self.watched() or not self.get_autocommit():
            with transaction.atomic(using=self.alias):
                yield
            return
        self.close_if_health_check_failed()
        self.ensure_connection()
        self._take_turn()
        try:
            with self.wrap_database_errors:
                self.connection.execute("BEGIN IMMEDIATE")
            yield
            with self.wrap_database_errors:
                self.connection.execute("COMMIT")
            self._committed()
        except BaseException:
            if self.connection is not None and self.connection.in_transaction:
                with self.wrap_database_errors:
                    self.connection.execute("ROLLBACK")
            raise
        finally:
            self._give_turn()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """A read transaction for work being planned (core.sql.planned), which writes
        nothing: to what runs in it, it is Django's atomic (``in_atomic_block``,
        ``on_commit`` kept in ``run_on_commit``, savepoints for a nested atomic); it
        begins with its first statement (core.sql.Plan), takes no turn, and always ends in
        a ROLLBACK. Without the bookkeeping of Django's outermost atomic (4 % of an ISO
        18626 message's instructions)."""
        if self.in_atomic_block or not self.get_autocommit():
            raise TransactionManagementError("reading() opens the transaction; one is open")
        self.close_if_health_check_failed()
        self.ensure_connection()
        self.needs_rollback = False
        self.commit_on_exit = True
        self.autocommit = False
        self.in_atomic_block = True
        try:
            yield
        finally:
            self.in_atomic_block = False
            self.savepoint_ids = []
            self.run_on_commit = []
            self.needs_rollback = False
            self.autocommit = True
            if self.connection is not None and self.connection.in_transaction:
                try:
                    with self.wrap_database_errors:
                        self.connection.execute("ROLLBACK")
                except DatabaseError:
                    self.close()  # as Django's atomic does: the connection is in doubt

    def _turn(self) -> Turn | None:
        # Looked up twice a transaction; NAME changes only when tests swap databases.
        name = self.settings_dict["NAME"]
        if self._turn_of is None or self._turn_of[0] != name:
            turn = None if self.is_in_memory_db() else turn_for(os.path.abspath(str(name)))
            self._turn_of = (name, turn)
        return self._turn_of[1]

    def _start_transaction_under_autocommit(self) -> None:
        self._take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._give_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
            self._committed()
        finally:
            self._give_turn()

    def _committed(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.committed()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._give_turn()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._give_turn()

    def _take_turn(self) -> None:
        turn = self._turn()
        if turn is not None and not self._holds_turn:
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            self._holds_turn = turn.take(timeout)

    def _give_turn(self) -> None:
        if self._holds_turn:
            self._holds_turn = False
            turn = self._turn()
            if turn is not None:
                turn.give()
