# ruff: noqa: S608 — SQL is built only from our own table and column names and "%s" placeholders.
"""Plain SQL for the statements on a hot path, where the ORM spends longer building a
query than the database spends running it (every ISO 18626 message writes a request,
its audit entry and itself).

Values go in and come out through each field's own conversions, as with the ORM, so
the rows are the same as a ``create`` or ``update`` would write. The SQL text of each
statement is built once per model and column set.

On PostgreSQL every statement is a round trip to the server, which on this hot path costs
more than the statement itself; ``together`` sends adjacent inserts in one. The others are
prepared there (``cursor``), parsed and planned once per connection.

On SQLite one transaction writes at a time, and the Python around each statement (the
ORM's conversions, the audit entry's text) would be spent holding that turn: ``planned``
runs a unit of work without writing, recording its inserts and updates, and ``run`` then
makes them in a short transaction of their own.
"""

import asyncio
import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.functional import Promise

from bibliobridge.core import kept

M = TypeVar("M", bound=models.Model)


class _ThreadConnections(threading.local):
    def __init__(self) -> None:
        self.by_alias: dict[str, BaseDatabaseWrapper] = {}


_thread_connections = _ThreadConnections()


def connection_of_thread(alias: str = DEFAULT_DB_ALIAS) -> BaseDatabaseWrapper:
    """``connections[alias]``, looked up once per thread. In a thread without an event
    loop Django keeps one connection per alias and thread (it sets another only as a
    thread starts: the test server's), and each lookup costs two exceptions raised and
    caught inside asgiref, some 2 µs (the hot path made ten a message). With an event loop
    running, where the connection goes with the async context, it is looked up each time.
    """
    if asyncio._get_running_loop() is not None:
        return connections[alias]
    found = _thread_connections.by_alias.get(alias)
    if found is None:
        found = _thread_connections.by_alias[alias] = connections[alias]
    return found


def insert(model: type[models.Model], **values: Any) -> None:
    """Add one row (defaults, ``auto_now`` and the like filled in as the ORM would);
    its primary key is not read back."""
    plan = _planning.plan
    # Looked up once, and not at all while planning: each lookup costs more than the
    # conversion of a value (and each use of the ``connection`` proxy is one).
    db = plan.db if plan is not None else connection_of_thread()
    params = []
    value: Any
    for name, attname, relation, stamped, default, make, convert in _writers(model, db.vendor):
        if stamped:  # auto_now and auto_now_add: the time of writing, whatever was given
            value = kept.now()
        elif name in values:
            value = values[name]
            if relation and isinstance(value, models.Model):
                value = value.pk
        elif attname in values:
            value = values[attname]
        else:
            value = default if make is None else make()
        if convert is not None:
            value = convert(value)
        elif type(value) is not str and isinstance(value, (str, Promise)):
            value = _as_given(value)
        params.append(value)
    if plan is not None:
        plan.statements.append((_insert_sql(model), params, None))
        return
    batch: _Batch | None = getattr(db, "sql_batch", None)
    if batch is not None:
        batch.statements.append((_insert_sql(model), params))
        return
    with _cursor(db) as cursor:
        cursor.execute(_insert_sql(model), params)


def cursor(using: str = DEFAULT_DB_ALIAS) -> CursorWrapper:
    """A cursor for a statement run on every message or search, with "%s" placeholders:
    sqlite3's own when nothing watches the statements (``core.sqlite3``); on PostgreSQL,
    prepared after its first runs on a connection (``core.postgresql``)."""
    return _cursor(connection_of_thread(using))


def _cursor(db: BaseDatabaseWrapper) -> CursorWrapper:
    prepared = getattr(db, "prepared_cursor", None)
    return prepared() if prepared is not None else db.cursor()


@contextmanager
def together() -> Iterator[None]:
    """Inside the block, the rows ``insert`` adds on PostgreSQL wait, and go to the
    server in one round trip: at the end of the block, or at once when any other statement
    is about to run, so the statements still run in the order they were made. An error
    in one (a unique row already there) is raised there, at the latest at the end of the
    block. The block is the body of a transaction, which an error rolls back: the rows
    still waiting then are dropped with it. On SQLite, where a statement is no round trip,
    each insert runs at once.
    """
    db = connection_of_thread()
    server_side_binding = db.settings_dict["OPTIONS"].get("server_side_binding") is True
    if db.vendor != "postgresql" or server_side_binding or getattr(db, "sql_batch", None):
        yield
        return
    if not db.in_atomic_block:
        raise TransactionManagementError("sql.together() is the body of a transaction.")
    batch = _Batch(db)
    db.sql_batch = batch  # type: ignore[attr-defined]
    try:
        with db.execute_wrapper(batch):
            yield
            batch.send()
    finally:
        db.sql_batch = None  # type: ignore[attr-defined]


class _Batch:
    """The inserts waiting in a ``together`` block; as Django's execute wrapper, it sends
    them before any other statement."""

    def __init__(self, db: BaseDatabaseWrapper) -> None:
        self.db = db
        self.statements: list[tuple[str, list[Any]]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        self.send()
        return execute(sql, params, many, context)

    def send(self) -> None:
        if not self.statements:
            return
        statements, self.statements = self.statements, []
        # Psycopg binds the values on the client (Django's default), so one execute may
        # carry several statements.
        text = "; ".join(text for text, _params in statements)
        with self.db.cursor() as cursor:
            cursor.execute(text, [value for _text, params in statements for value in params])


def update(
    model: type[models.Model],
    where: Mapping[str, Any],
    *,
    expect: int | None = None,
    **values: Any,
) -> int:
    """Set ``values`` (field names) on the rows whose fields equal ``where``'s; returns how
    many rows changed. ``expect``: how many should; while ``planned``, the update is only
    recorded, returns ``expect`` (or 0), and ``run`` raises Stale if the number differs.
    """
    plan = _planning.plan
    db = plan.db if plan is not None else connection_of_thread()
    sql, sets, tests = _update_plan(model, tuple(values), tuple(where), db.vendor)
    params = [convert(_key(values[name])) for name, convert in sets]
    params += [_as_given(f.get_db_prep_value(_key(where[f.name]), db)) for f in tests]
    if plan is not None:
        plan.statements.append((sql, params, expect))
        return expect or 0
    with _cursor(db) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class Stale(Exception):
    """A planned update did not find its rows as they were read: nothing was written."""


class NotWritten(Exception):
    """The thread writing a group of plans stopped before this one was written."""


class NotPlanned(Exception):
    """Work being planned tried a write that ``insert`` and ``update`` do not record."""


# What planned work may run at once: reads, and its (read) transaction's own statements.
_NOT_WRITES = ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK")


class Plan:
    """The writes of a unit of work, in order (SQL, parameters, rows each should change),
    and what it asked to run after they are committed (``transaction.on_commit``);
    ``db``: the connection it is planned on, the planning thread's default one."""

    def __init__(self, db: BaseDatabaseWrapper) -> None:
        self.db = db
        self.statements: list[tuple[str, list[Any], int | None]] = []
        self.after_commit: list[tuple[Callable[[], Any], bool]] = []
        self.reading = False

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        # Django's execute wrapper: any other write while planning is refused before it runs.
        if not sql.lstrip()[:9].upper().startswith(_NOT_WRITES):
            raise NotPlanned(sql[:80])
        if not self.reading:  # the read transaction, begun by the first statement (SQLite)
            self.reading = True
            if context["connection"].vendor == "sqlite":
                execute("BEGIN DEFERRED", None, False, context)
        return execute(sql, params, many, context)


def can_plan() -> bool:
    """Whether ``planned`` and ``run`` apply here: SQLite, and no transaction already open
    (inside one, as in tests, the work is simply done in it)."""
    db = connection_of_thread()
    return db.vendor == "sqlite" and not db.in_atomic_block


@contextmanager
def planned() -> Iterator[Plan]:
    """Run the block in a read transaction, with what ``insert`` and ``update`` would write
    recorded in the Plan rather than written; ``run`` writes it. Any other write in the
    block raises NotPlanned (nothing is written). The block's reads see one snapshot, and
    ``on_commit`` callbacks are kept for after ``run``.
    """
    db = connection_of_thread()
    plan = Plan(db)
    _planning.plan = plan
    try:
        with db.execute_wrapper(plan), db.reading():  # type: ignore[attr-defined]
            yield plan
            # Django's entries are (savepoint ids, callback, robust).
            plan.after_commit = [(hook[1], hook[2]) for hook in db.run_on_commit]  # type: ignore[misc]
    finally:
        _planning.plan = None


class _Planning(threading.local):
    plan: Plan | None = None  # the Plan being recorded in this thread (``planned``)


_planning = _Planning()


def run(plan: Plan) -> None:
    """Make the planned writes, committed, then run what was to follow their commit.
    Raises Stale, writing nothing, if an update changed other than the rows it expected
    (they changed since they were read); an IntegrityError as it comes.

    Plans run at the same time in one process are committed together (group commit): the
    first thread writes every plan waiting, in one transaction, while the others wait
    for it; one writer at a time, and a turn handed over far less often. A plan that
    fails in the group fails alone: the others are then written each on its own.
    """
    db = connection_of_thread()  # this thread's, wherever the plan was made
    if db.in_atomic_block:  # the caller's transaction, not one shared with other threads
        with transaction.atomic(using=db.alias):
            _write(db, plan)
    else:
        _write_in_group(db, plan)
    for func, robust in plan.after_commit:
        # In the caller's transaction: after it commits; outside one: at once.
        db.on_commit(func, robust)


def _write_in_group(db: BaseDatabaseWrapper, plan: Plan) -> None:
    entry = _Waiting(plan)
    with _GROUP.lock:
        _GROUP.waiting.append(entry)
        entry.leads = not _GROUP.busy
        _GROUP.busy = True
        if not entry.leads:
            # Made only for a plan that waits: an Event costs three AttributeErrors raised
            # and caught (its Condition's look for the methods of an RLock).
            entry.woken = threading.Event()
    if entry.woken is not None:
        entry.woken.wait()  # written by another thread, or handed the lead
    if entry.leads:
        _lead(db)
    if entry.error is not None:
        raise entry.error


class _Waiting:
    __slots__ = ("plan", "woken", "leads", "error")

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.woken: threading.Event | None = None  # set for a plan that waits
        self.leads = False
        # Until written: a writer stopped short (killed mid-group) must not pass for one
        # that wrote.
        self.error: Exception | None = NotWritten()


class _Group:
    """The plans of this process waiting to be written, and whether a thread writes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waiting: list[_Waiting] = []
        self.busy = False


_GROUP = _Group()


def _new_group() -> None:
    global _GROUP  # noqa: PLW0603 (a forked child starts with no writer and none waiting)
    _GROUP = _Group()


os.register_at_fork(after_in_child=_new_group)


def _lead(db: BaseDatabaseWrapper) -> None:
    """Write every plan waiting (this thread's among them) on this thread's connection
    ``db``, then hand the lead to a plan that came meanwhile, and wake the threads whose
    plans were written."""
    with _GROUP.lock:
        group, _GROUP.waiting = _GROUP.waiting, []
    try:
        _write_group(db, group)
    finally:
        with _GROUP.lock:
            if _GROUP.waiting:
                _wake(_GROUP.waiting[0], lead=True)
            else:
                _GROUP.busy = False
        for entry in group:
            _wake(entry)


def _wake(entry: _Waiting, lead: bool = False) -> None:
    if lead:
        entry.leads = True
    if entry.woken is not None:  # None: the leader's own plan, which nobody waits for
        entry.woken.set()


def _write_group(db: BaseDatabaseWrapper, group: list[_Waiting]) -> None:
    try:
        with _writing(db):
            for entry in group:
                _write(db, entry.plan)
    except Exception as error:
        if len(group) == 1:
            group[0].error = error
            return
    else:
        for entry in group:
            entry.error = None
        return
    for entry in group:  # one failed: each alone, so that it fails alone
        try:
            with _writing(db):
                _write(db, entry.plan)
            entry.error = None
        except Exception as error:
            entry.error = error


def _writing(db: BaseDatabaseWrapper) -> AbstractContextManager[None]:
    """A transaction for plans only (nothing to run on its commit): the backend's own
    where it has one (core.sqlite3), else Django's."""
    writing = getattr(db, "writing", None)
    return writing() if writing is not None else transaction.atomic(using=db.alias)


def _write(db: BaseDatabaseWrapper, plan: Plan) -> None:
    with _cursor(db) as cursor:
        for text, params, expect in plan.statements:
            cursor.execute(text, params)
            if expect is not None and cursor.rowcount != expect:
                raise Stale(text[:80])


def fetch(
    model: type[M], where: Mapping[str, Any], lock: bool = False, only: tuple[str, ...] = ()
) -> M | None:
    """The first row (by primary key) whose fields equal ``where``'s, as a model instance
    with every concrete field loaded, or only the fields named in ``only`` and the primary
    key (the others deferred, as the ORM's ``only()`` leaves them); ``lock``: FOR UPDATE
    where the database has it."""
    db = connection_of_thread()
    lock = lock and db.features.has_select_for_update
    sql, tests, attnames, readers = _fetch_plan(model, tuple(where), lock, db.vendor, only)
    with _cursor(db) as cursor:
        cursor.execute(
            sql, [_as_given(f.get_db_prep_value(_key(where[f.name]), db)) for f in tests]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for i, column, converters in readers:
        value = values[i]
        for convert in converters:
            value = convert(value, column, db)
        values[i] = value
    return instance(model, db.alias, attnames, values)


def instance(model: type[M], alias: str, attnames: Sequence[str], values: Iterable[Any]) -> M:
    """A model instance of a row read (``attnames``: the attributes ``values`` give, in
    the fields' order; any other field is deferred), as ``Model.from_db`` makes it.

    Made as Django unpickles a model (``__new__``, then the attributes) when no receiver
    listens for the model's init signals: ``Model.__init__`` costs several times as much.
    """
    if (pre_init.receivers or post_init.receivers) and (
        pre_init.has_listeners(model) or post_init.has_listeners(model)
    ):
        return model.from_db(alias, list(attnames), list(values))  # attnames in field order
    made = model.__new__(model)
    made.__dict__.update(zip(attnames, values, strict=True))
    state = made._state = ModelState()
    state.adding, state.db = False, alias
    return made


@cache
def _update_plan(
    model: type[models.Model], sets: tuple[str, ...], tests: tuple[str, ...], vendor: str
) -> tuple[str, list[tuple[str, Callable[[Any], Any]]], list[models.Field]]:
    """An update's SQL, the conversion of each value set, the fields tested."""
    set_fields = [_field(model, name) for name in sets]
    test_fields = [_field(model, name) for name in tests]
    sql = _update_sql(model, _columns(set_fields), _columns(test_fields))
    return sql, [(f.name, _converter(f, vendor)) for f in set_fields], test_fields


@cache
def _fetch_plan(
    model: type[models.Model],
    tests: tuple[str, ...],
    lock: bool,
    vendor: str,
    only: tuple[str, ...],
) -> tuple[str, list[models.Field], list[str], list[tuple[int, Any, list[Callable]]]]:
    """A fetch's SQL, the fields tested, and of the fields read (in the model's order)
    their attribute names and their readers (``_readers``). Made once: a model's fields
    hash in Python, some 0.16 µs each, and a fetch reads a dozen or more."""
    test_fields = [_field(model, name) for name in tests]
    read = tuple(
        f for f in model._meta.concrete_fields if not only or f.primary_key or f.name in only
    )
    if only and len(read) != len(set(only) | {model._meta.pk.name}):
        raise FieldDoesNotExist(f"{model.__name__} has no field among {sorted(only)}")
    sql = _select_sql(model, read, _columns(test_fields), lock, vendor)
    return sql, test_fields, [f.attname for f in read], _readers(model, vendor, read)


# Fields whose value goes to the database as it is (None included): the ORM's conversion
# of these only checks the Python type, which the callers' values already have.
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def _converter(field: models.Field, vendor: str) -> Callable[[Any], Any]:
    """The field's value → the database's, as ``get_db_prep_save`` gives it, without the
    generic path where it is known to be the value itself or the backend's adapter."""
    if isinstance(field, models.ForeignKey):
        return _converter(field.target_field, vendor)
    if type(field) is models.DateTimeField:
        adapt = connection.ops.adapt_datetimefield_value
        if vendor == "sqlite" and connection.timezone is dt.UTC:
            return lambda value: (
                _utc_text(value) if value is not None and value.tzinfo is dt.UTC else adapt(value)
            )
        return lambda value: None if value is None else adapt(value)
    if isinstance(field, _AS_IS):
        return _as_given
    if isinstance(field, models.JSONField) and vendor == "sqlite":
        # A dict or list is JSON text there, as the ORM writes it (PostgreSQL's is jsonb).
        encoder = field.encoder
        return lambda value: (
            json.dumps(value, cls=encoder)
            if isinstance(value, (dict, list))
            else field.get_db_prep_save(value, connection_of_thread())
        )
    # The thread's connection, not the proxy ``connection``: each attribute read through
    # the proxy looks the connection up again (two exceptions raised and caught).
    return lambda value: field.get_db_prep_save(value, connection_of_thread())


def _utc_text(value: dt.datetime) -> str:
    """A time in UTC as SQLite keeps it: its text without the zone, as Django's adapter
    writes it after converting it to the database's zone, UTC. The text ends with "+00:00",
    cut off, which is cheaper than making the time naive to write it. A statement often
    writes one time in several columns (``updated_at`` and ``state_changed_at``): the last
    time's text is kept, for the same object again."""
    last = _last_utc_text
    if last[0] is value:
        return last[1]
    text = value.isoformat(" ")[:-6]
    _keep_utc_text((value, text))
    return text


_last_utc_text: tuple[dt.datetime | None, str] = (None, "")


def _keep_utc_text(kept: tuple[dt.datetime | None, str]) -> None:
    global _last_utc_text  # noqa: PLW0603 (one tuple, replaced whole: safe across threads)
    _last_utc_text = kept


def _as_given(value: Any) -> Any:
    """A value that goes to the database as it is, except that a lazy translation goes as
    its text, and a str of a subclass (a TextChoices member) as a plain str: sqlite3 binds
    a plain str as it is, and any other type only after looking for an adapter for it."""
    if type(value) is str or not isinstance(value, (str, Promise)):
        return value
    return str.__str__(value) if isinstance(value, str) else str(value)


def _stamped(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


_Writer = tuple[str, str, bool, bool, Any, Callable[[], Any] | None, Callable[[Any], Any] | None]


@cache
def _writers(model: type[models.Model], vendor: str) -> list[_Writer]:
    """Per inserted field: its name; its attribute name; whether it is a relation (given
    as the object or its key); whether it takes the time of writing; its default, as a
    value, or else (None and) the function that makes it; its conversion, None where the
    value goes as it is (``_converter`` gives ``_as_given``), which ``insert`` does itself."""
    writers: list[_Writer] = []
    for f in _insert_fields(model):
        default, make = None, f.get_default  # type: Any, Callable[[], Any] | None
        if f.default is timezone.now:
            make = kept.now  # the same, with USE_TZ kept
        if not (f.has_default() and callable(f.default)) and not f.has_db_default():
            default, make = f.get_default(), None  # the same value every time: made once
        convert: Callable[[Any], Any] | None = _converter(f, vendor)
        writers.append((f.name, f.attname, f.is_relation, _stamped(f), default, make,
                        None if convert is _as_given else convert))  # fmt: skip
    return writers


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a reverse relation, not a column")
    return field


def _columns(fields: list[models.Field]) -> tuple[str, ...]:
    return tuple(str(field.column) for field in fields)


def _key(value: Any) -> Any:
    """A related object stands for its primary key, as in the ORM's filters and updates."""
    return value.pk if isinstance(value, models.Model) else value


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(model: type[models.Model]) -> str:
    columns = _columns(_insert_fields(model))
    return (
        f"INSERT INTO {_quoted(model._meta.db_table)} ({', '.join(map(_quoted, columns))}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


@cache
def _update_sql(model: type[models.Model], sets: tuple[str, ...], tests: tuple[str, ...]) -> str:
    assignments = ", ".join(f"{_quoted(column)} = %s" for column in sets)
    conditions = " AND ".join(f"{_quoted(column)} = %s" for column in tests)
    return f"UPDATE {_quoted(model._meta.db_table)} SET {assignments} WHERE {conditions}"


@cache
def _select_sql(
    model: type[models.Model],
    read: Sequence[models.Field],
    tests: tuple[str, ...],
    lock: bool,
    vendor: str,
) -> str:
    meta = model._meta
    columns = ", ".join(_read_column(field, vendor) for field in read)
    conditions = " AND ".join(f"{_quoted(column)} = %s" for column in tests)
    return (
        f"SELECT {columns} FROM {_quoted(meta.db_table)} WHERE {conditions} "
        f"ORDER BY {_quoted(str(meta.pk.column))} LIMIT 1{' FOR UPDATE' if lock else ''}"
    )


def _read_column(field: models.Field, vendor: str) -> str:
    """A column as a row is read. On SQLite, every column is read as an expression, unary
    plus, which SQLite leaves the value as it is: a column by its name would have its
    declared type looked at by sqlite3 on every statement run (a converter looked up for
    each: Django registers converters for bool, date, datetime and time, which would then
    convert every value read). The value comes back as stored, and is converted once, by
    the field's own converters (``_readers``), which take it as stored."""
    column = _quoted(str(field.column))
    return f"+{column}" if vendor == "sqlite" else column


def _readers(
    model: type[models.Model], vendor: str, read: tuple[models.Field, ...]
) -> list[tuple[int, Any, list[Callable]]]:
    """Per field read whose value read from this database is converted: its place in the
    row, its column expression and the converters (the database's, then the field's), as
    the ORM applies them."""
    readers = []
    for i, field in enumerate(read):
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        generic = getattr(connection.ops, "convert_datetimefield_value", None)
        if vendor == "sqlite" and connection.timezone is dt.UTC:
            converters = [_utc_datetime if c == generic else c for c in converters]
        if converters:
            readers.append((i, column, converters))
    return readers


def _utc_datetime(value: Any, expression: Any, db: BaseDatabaseWrapper) -> dt.datetime | None:
    """SQLite's text of a time in UTC (the database's zone), as the ORM reads it
    (``convert_datetimefield_value``) without its generic path."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) in _NAIVE_LENGTHS:
        try:  # read with its zone, UTC, given in the text: cheaper than setting it after
            return dt.datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass  # a text of that length with a zone of its own
    read = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return read if read.tzinfo is not None else read.replace(tzinfo=dt.UTC)


# The length of SQLite's text of a naive time: "2026-11-27 15:09:50", and with microseconds.
_NAIVE_LENGTHS = (19, 26)
