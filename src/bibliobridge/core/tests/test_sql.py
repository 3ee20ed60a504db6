import asyncio
import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection, connections, transaction
from django.db.models.signals import post_init
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from bibliobridge.core import sql
from bibliobridge.core.models import Action, ActivityLog, User
from bibliobridge.core.sqlite3 import base as sqlite_backend
from bibliobridge.core.sqlite3.base import Checkpointer, DirectCursor, Turn, turn_for

pytestmark = pytest.mark.django_db


def entry_values(user: User) -> dict:
    return {
        "actor": user,
        "actor_name": "Wang Fang 王芳",
        "action": "updated",
        "content_type": ContentType.objects.get_for_model(User),
        "object_id": str(user.pk),
        "object_repr": "Сергей Ковалёв",
        "changes": {"title": ["紅樓夢", "红楼梦"], "count": [1, 2]},
    }


def test_insert_writes_the_row_the_orm_would(officer):
    at = timezone.now() - dt.timedelta(days=3)
    sql.insert(ActivityLog, created_at=at, message="plain", **entry_values(officer))
    ActivityLog.objects.create(created_at=at, message="orm", **entry_values(officer))
    ours, theirs = (
        ActivityLog.objects.filter(message=name).values().get() for name in ("plain", "orm")
    )
    for row in (ours, theirs):
        del row["id"], row["message"]
    assert ours == theirs
    assert ours["created_at"] == at and ours["actor_id"] == officer.pk


def test_insert_fills_defaults(officer):
    before = timezone.now()
    values = entry_values(officer)
    del values["changes"]
    sql.insert(ActivityLog, **values)
    entry = ActivityLog.objects.get()
    assert entry.changes == {} and entry.message == ""
    assert entry.created_at >= before


def test_fetch_reads_every_field_converted(officer):
    at = timezone.now().replace(microsecond=123456)
    sql.insert(ActivityLog, created_at=at, **entry_values(officer))
    fetched = sql.fetch(ActivityLog, {"actor": officer, "action": "updated"}, lock=True)
    assert fetched is not None
    assert fetched == ActivityLog.objects.get()
    assert fetched.created_at == at and fetched.created_at.tzinfo is not None
    assert fetched.changes == {"title": ["紅樓夢", "红楼梦"], "count": [1, 2]}
    assert fetched.actor == officer and fetched.object_repr == "Сергей Ковалёв"
    assert sql.fetch(ActivityLog, {"action": "deleted"}) is None


def test_fetch_reads_flags_and_times_as_the_orm_does(officer):
    # On SQLite these columns are read past sqlite3's own converters and converted once.
    User.objects.filter(pk=officer.pk).update(is_staff=True, last_login=timezone.now())
    fetched = sql.fetch(User, {"username": officer.username})
    expected = User.objects.get(pk=officer.pk)
    assert fetched is not None
    for field in User._meta.concrete_fields:
        assert getattr(fetched, field.attname) == getattr(expected, field.attname), field.name
    assert fetched.is_staff is True and fetched.is_superuser is False
    assert fetched.last_login is not None and fetched.last_login.tzinfo is not None


@pytest.mark.parametrize("microsecond", [0, 1, 999999])
def test_times_in_utc_are_written_and_read_as_the_orm_does(officer, microsecond):
    at = timezone.now().replace(microsecond=microsecond)
    sql.insert(ActivityLog, created_at=at, message="plain", **entry_values(officer))
    ActivityLog.objects.create(created_at=at, message="orm", **entry_values(officer))
    with connection.cursor() as cursor:  # the same text in the column
        cursor.execute("SELECT DISTINCT created_at FROM core_activitylog")
        assert len(cursor.fetchall()) == 1
    fetched = sql.fetch(ActivityLog, {"message": "plain"})
    assert fetched is not None and fetched.created_at == at
    assert fetched.created_at.tzinfo is dt.UTC or connection.vendor != "sqlite"


def test_choices_and_lazy_texts_go_as_plain_text(officer):
    values = {**entry_values(officer), "action": Action.UPDATED, "message": gettext_lazy("Save")}
    sql.insert(ActivityLog, **values)
    assert sql.fetch(ActivityLog, {"action": Action.UPDATED, "message": "Save"}) is not None
    assert sql.update(ActivityLog, {"action": Action.UPDATED}, action=Action.CREATED) == 1
    assert list(ActivityLog.objects.values_list("action", "message")) == [("created", "Save")]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="sqlite3's adapters")
def test_none_and_flags_are_bound_as_sqlite3_binds_them():
    with sql.cursor() as cursor:
        cursor.execute("SELECT %s, %s, %s, typeof(%s)", [None, True, False, True])
        assert cursor.fetchone() == (None, 1, 0, "integer")


def test_each_thread_has_its_own_connection_looked_up_once():
    here = sql.connection_of_thread()
    assert here is connections["default"] and sql.connection_of_thread() is here
    there: list = []

    def look() -> None:
        there.append((sql.connection_of_thread(), connections["default"]))
        connections["default"].close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert there[0][0] is there[0][1] and there[0][0] is not here

    async def in_a_loop():  # with an event loop running, as Django looks it up
        return sql.connection_of_thread() is connections["default"]

    assert asyncio.run(in_a_loop())


def test_fetch_reads_only_the_fields_named_and_defers_the_others(
    officer, django_assert_num_queries
):
    sql.insert(ActivityLog, message="narrow", **entry_values(officer))
    with django_assert_num_queries(1):
        fetched = sql.fetch(ActivityLog, {"message": "narrow"}, only=("action", "changes"))
        assert fetched.action == "updated"
        assert fetched.changes == {"title": ["紅樓夢", "红楼梦"], "count": [1, 2]}
    others = {f.attname for f in ActivityLog._meta.concrete_fields} - {"id", "action", "changes"}
    assert fetched.get_deferred_fields() == others
    assert fetched.object_repr == "Сергей Ковалёв"  # read when asked for, as the ORM does
    with pytest.raises(FieldDoesNotExist):
        sql.fetch(ActivityLog, {"message": "narrow"}, only=("action", "no_such_field"))


def test_fetch_takes_the_first_by_primary_key(officer):
    for name in ("first", "second"):
        sql.insert(ActivityLog, message=name, **entry_values(officer))
    fetched = sql.fetch(ActivityLog, {"action": "updated"})
    assert fetched is not None and fetched.message == "first"


def test_an_instance_is_made_through_init_when_a_receiver_listens(officer):
    sql.insert(ActivityLog, message="watched", **entry_values(officer))
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.message)

    post_init.connect(receiver, sender=ActivityLog)
    try:
        fetched = sql.fetch(ActivityLog, {"message": "watched"})
    finally:
        post_init.disconnect(receiver, sender=ActivityLog)
    assert fetched is not None and seen == ["watched"]
    sql.fetch(ActivityLog, {"message": "watched"})
    assert seen == ["watched"]  # none listens now: made without __init__


def test_update_sets_only_matching_rows_and_counts_them(officer, viewer):
    for user in (officer, viewer):
        sql.insert(ActivityLog, **entry_values(user))
    changed = sql.update(ActivityLog, {"actor": officer}, actor=viewer, message="moved")
    assert changed == 1
    assert sorted(ActivityLog.objects.values_list("actor_id", "message")) == [
        (viewer.pk, ""),
        (viewer.pk, "moved"),
    ]
    assert sql.update(ActivityLog, {"actor": officer}, message="again") == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_a_statement_run_again_is_prepared(officer):
    for _ in range(3):
        assert sql.fetch(ActivityLog, {"actor": officer}) is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [s for s in prepared if 'FROM "core_activitylog" WHERE "actor_id" = $1' in s]


# --- inserts together: one round trip on PostgreSQL --------------------------------------


def test_inserts_together_go_as_one_statement_and_in_order(officer):
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), sql.together():
        sql.insert(ActivityLog, message="one", **entry_values(officer))
        sql.insert(ActivityLog, message="two", **entry_values(officer))
        # Another statement: what waits goes first.
        assert ActivityLog.objects.filter(message="two").exists()
        sql.insert(ActivityLog, message="three", **entry_values(officer))
    messages = ActivityLog.objects.order_by("id").values_list("message", flat=True)
    assert list(messages) == ["one", "two", "three"]
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == (2 if connection.vendor == "postgresql" else 3)


def test_an_insert_refused_together_is_raised_in_the_block(officer):
    with pytest.raises(IntegrityError), transaction.atomic(), sql.together():
        sql.insert(ActivityLog, **entry_values(officer))
        sql.insert(User, username=officer.username, password="!")
    assert not ActivityLog.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs each insert at once")
@pytest.mark.django_db(transaction=True)
def test_inserts_wait_only_inside_a_transaction():
    with pytest.raises(TransactionManagementError), sql.together():
        pass


# --- SQLite writers taking turns --------------------------------------------------------


def test_a_turn_is_one_writer_at_a_time(tmp_path):
    turn = Turn(str(tmp_path / "db.sqlite3"))
    assert turn.take(1)
    waited: list[bool] = []
    other = threading.Thread(target=lambda: waited.append(turn.take(0.05)))
    other.start()
    other.join()
    assert waited == [False]  # held: the other writer gave up after its timeout
    turn.give()
    other = threading.Thread(target=lambda: waited.append(turn.take(1)))
    other.start()
    other.join()
    assert waited == [False, True]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writers only")
@pytest.mark.django_db(transaction=True)
def test_a_transaction_gives_its_turn_back_on_commit_and_on_rollback(officer):
    turn = turn_for(os.path.abspath(connection.settings_dict["NAME"]))
    with transaction.atomic():
        assert turn.thread_lock.locked()
        sql.insert(ActivityLog, **entry_values(officer))
    assert not turn.thread_lock.locked()
    with pytest.raises(RuntimeError), transaction.atomic():
        sql.insert(ActivityLog, **entry_values(officer))
        raise RuntimeError
    assert not turn.thread_lock.locked()
    assert ActivityLog.objects.filter(action="updated").count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's direct cursor")
def test_statements_go_straight_to_sqlite_unless_something_watches(officer):
    with sql.cursor() as cursor:
        assert isinstance(cursor, DirectCursor)
        cursor.execute("SELECT COUNT(*) FROM core_activitylog WHERE action = %s", ["updated"])
        assert cursor.fetchone() == (0,)
    with CaptureQueriesContext(connection) as queries:
        sql.insert(ActivityLog, **entry_values(officer))  # the test sees it: Django's cursor
    assert len(queries) == 1 and "core_activitylog" in queries[0]["sql"]
    sql.insert(ActivityLog, **entry_values(officer))
    with pytest.raises(IntegrityError), sql.cursor() as cursor:  # Django's errors, as ever
        cursor.execute("INSERT INTO core_user (id) SELECT id FROM core_user LIMIT 1")
    assert ActivityLog.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's writers only")
@pytest.mark.django_db(transaction=True)
def test_a_write_of_its_own_commits_or_rolls_back_and_gives_its_turn_back(officer):
    turn = turn_for(os.path.abspath(connection.settings_dict["NAME"]))
    with connection.writing():
        assert turn.thread_lock.locked() and connection.connection.in_transaction
        sql.insert(ActivityLog, message="kept", **entry_values(officer))
    assert not turn.thread_lock.locked() and not connection.connection.in_transaction
    with pytest.raises(IntegrityError), connection.writing():
        sql.insert(ActivityLog, message="dropped", **entry_values(officer))
        with sql.cursor() as cursor:
            cursor.execute("INSERT INTO core_user (id) SELECT id FROM core_user LIMIT 1")
    assert not turn.thread_lock.locked() and not connection.connection.in_transaction
    assert list(ActivityLog.objects.values_list("message", flat=True)) == ["kept"]
    with transaction.atomic():  # inside a transaction: Django's atomic, a savepoint
        with pytest.raises(RuntimeError), connection.writing():
            sql.insert(ActivityLog, message="inner", **entry_values(officer))
            raise RuntimeError
        assert connection.in_atomic_block
    assert ActivityLog.objects.count() == 1


def test_the_log_is_copied_into_the_database_by_a_thread_after_enough_commits(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sqlite_backend, "CHECKPOINT_SECONDS", 60)  # commits wake it, not time
    path = str(tmp_path / "db.sqlite3")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE t (x TEXT)")
    checkpointer = Checkpointer(path).started()
    empty = os.path.getsize(path)
    for n in range(sqlite_backend.CHECKPOINT_COMMITS - 1):
        db.execute("INSERT INTO t VALUES (?)", [f"{n} 紅樓夢 " * 500])
        checkpointer.committed()
    time.sleep(0.2)
    assert checkpointer.checkpoints == 0 and os.path.getsize(path) == empty
    db.execute("INSERT INTO t VALUES ('last')")
    checkpointer.committed()
    deadline = time.monotonic() + 10
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpointer.checkpoints == 1
    assert os.path.getsize(path) > empty + 100 * 4000  # the rows are in the database file
    db.close()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's files")
def test_a_test_database_is_removed_with_the_files_beside_it(tmp_path):
    path = str(tmp_path / "test-db.sqlite3")
    other = sqlite_backend.DatabaseWrapper({**connection.settings_dict, "NAME": path}, "files")
    with other.writing():
        other.connection.execute("CREATE TABLE t (x TEXT)")
        other.connection.execute("INSERT INTO t VALUES ('紅樓夢')")
    checkpointer = other._checkpointer
    assert checkpointer is not None
    checkpointer.due.set()
    deadline = time.monotonic() + 10
    while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    other.close()
    # The checkpointer's connection is still open: the log and its index stay.
    assert checkpointer.thread is not None and checkpointer.thread.is_alive()
    thread = checkpointer.thread
    names = {"test-db.sqlite3", "test-db.sqlite3-wal", "test-db.sqlite3-shm",
             "test-db.sqlite3.writers"}  # fmt: skip
    assert {p.name for p in tmp_path.iterdir()} == names

    other.creation._destroy_test_db(path, verbosity=0)

    assert list(tmp_path.iterdir()) == []
    assert not thread.is_alive()
    # Made again under the same name, it has a checkpointer and a turn file of its own.
    with other.writing():
        other.connection.execute("CREATE TABLE t (x TEXT)")
    assert other._checkpointer is not checkpointer
    assert os.path.exists(path + ".writers")
    other.close()
    other.creation._destroy_test_db(path, verbosity=0)
    assert list(tmp_path.iterdir()) == []


def steady_writes(path: str, checkpointer: Checkpointer | None, commits: int) -> int:
    """Commits one after another, each in the writers' turn as ours are, as a busy server
    makes them; the largest the log grew to."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    turn, largest = turn_for(path), 0
    for n in range(commits):
        assert turn.take(5)
        try:
            db.execute("INSERT INTO t VALUES (?)", [f"{n} 紅樓夢 " * 400])
            if checkpointer is not None:
                checkpointer.committed()
        finally:
            turn.give()
        largest = max(largest, os.path.getsize(path + "-wal"))
    db.close()
    return largest


def new_log_database(path: str) -> str:
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE t (x TEXT)")
    setup.close()
    return path


def log_bytes_written(path: str, commits: int) -> int:
    """How many bytes of log ``steady_writes`` writes for so many commits (none copied
    back meanwhile)."""
    db = sqlite3.connect(new_log_database(path), isolation_level=None)
    db.execute("SELECT count(*) FROM t").fetchone()  # the database opened, its log kept
    steady_writes(path, None, commits)
    _busy, frames, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return frames * (page_size + sqlite_backend.WAL_FRAME_HEADER)


@pytest.mark.parametrize("restart_bytes", [2 * 1024 * 1024, 10**12])
def test_under_steady_writes_the_log_starts_again_once_it_is_long(
    tmp_path, monkeypatch, restart_bytes
):
    monkeypatch.setattr(sqlite_backend, "LOG_RESTART_BYTES", restart_bytes)
    monkeypatch.setattr(sqlite_backend, "CHECKPOINT_COMMITS", 20)
    path = new_log_database(str(tmp_path / "db.sqlite3"))
    checkpointer = Checkpointer(path).started()
    largest = steady_writes(path, checkpointer, 3000)
    written = log_bytes_written(str(tmp_path / "count.sqlite3"), 3000)  # some 40 MB
    # The log's file keeps its size when the log starts again: its largest tells how long
    # the log grew (a busy machine may keep the checkpointer from its rounds for a while).
    if restart_bytes < 10**12:
        assert largest < written / 2
        # Counted only when the log was long: each time it started again, at least so many
        # bytes had been written since.
        assert 1 <= checkpointer.restarts <= written / restart_bytes
    else:  # without the checkpoint in the turn, each ends short and the log only grows
        assert checkpointer.restarts == 0
        assert largest > written * 0.9


# --- writes made ready before their transaction -------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_planned_writes_are_made_by_run_and_hooks_follow_the_commit(officer):
    sql.insert(ActivityLog, message="before", **entry_values(officer))
    turn = turn_for(os.path.abspath(connection.settings_dict["NAME"]))
    committed: list[bool] = []
    assert sql.can_plan()
    with sql.planned() as plan:
        assert not turn.thread_lock.locked()  # planning reads: no writer's turn taken
        assert ActivityLog.objects.filter(message="before").exists()
        sql.insert(ActivityLog, message="new", **entry_values(officer))
        changed = sql.update(ActivityLog, {"message": "before"}, expect=1, object_repr="王芳")
        transaction.on_commit(
            lambda: committed.append(ActivityLog.objects.filter(message="new").exists())
        )
    assert changed == 1 and committed == []
    assert not ActivityLog.objects.filter(message="new").exists()
    assert ActivityLog.objects.get(message="before").object_repr == "Сергей Ковалёв"
    sql.run(plan)
    assert committed == [True]
    assert ActivityLog.objects.get(message="before").object_repr == "王芳"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_a_planned_update_that_finds_its_row_changed_writes_nothing(officer):
    sql.insert(ActivityLog, message="before", **entry_values(officer))
    with sql.planned() as plan:
        sql.insert(ActivityLog, message="new", **entry_values(officer))
        sql.update(ActivityLog, {"message": "before"}, expect=1, object_repr="王芳")
    ActivityLog.objects.filter(message="before").update(message="changed meanwhile")
    with pytest.raises(sql.Stale):
        sql.run(plan)
    assert list(ActivityLog.objects.values_list("message", "object_repr")) == [
        ("changed meanwhile", "Сергей Ковалёв")
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_any_other_write_while_planning_is_refused_before_it_is_made(officer):
    with pytest.raises(sql.NotPlanned), sql.planned():
        sql.insert(ActivityLog, message="recorded", **entry_values(officer))
        ActivityLog.objects.create(message="orm", **entry_values(officer))
    assert not ActivityLog.objects.exists()
    assert sql._planning.plan is None
    assert_no_transaction_left()


def assert_no_transaction_left() -> None:
    assert not connection.in_atomic_block and connection.get_autocommit()
    assert not connection.connection.in_transaction
    assert connection.run_on_commit == [] and connection.savepoint_ids == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_planning_is_a_transaction_to_the_code_that_runs_in_it(officer):
    sql.insert(ActivityLog, message="before", **entry_values(officer))
    called: list[str] = []
    with sql.planned() as plan:
        assert connection.in_atomic_block and not connection.get_autocommit()
        with pytest.raises(ValueError), transaction.atomic():  # a savepoint, rolled back
            assert ActivityLog.objects.count() == 1
            raise ValueError
        sql.insert(ActivityLog, message="new", **entry_values(officer))
        transaction.on_commit(lambda: called.append("kept"))
    assert_no_transaction_left()
    assert called == [] and len(plan.after_commit) == 1  # kept for after the write
    with pytest.raises(KeyError), sql.planned():
        transaction.on_commit(lambda: called.append("dropped"))
        raise KeyError
    assert_no_transaction_left()
    sql.run(plan)
    assert called == ["kept"]
    assert sorted(ActivityLog.objects.values_list("message", flat=True)) == ["before", "new"]


def test_inside_a_transaction_there_is_nothing_to_plan():
    with transaction.atomic():
        assert not sql.can_plan()


def planned_inserts(officer: User, count: int, stale: int | None = None) -> list[sql.Plan]:
    """A plan per number, each adding an entry "plan <n>"; plan ``stale`` also updates a row
    that is not there."""
    plans = []
    for n in range(count):
        with sql.planned() as plan:
            sql.insert(ActivityLog, message=f"plan {n}", **entry_values(officer))
            if n == stale:
                sql.update(ActivityLog, {"message": "gone"}, expect=1, object_repr="x")
        plans.append(plan)
    return plans


def first_writer_waits(waiting: int, then: Callable) -> Callable:
    """A stand-in for ``sql._write_group``: its first call waits until ``waiting`` other
    plans wait, then writes; every call goes on with ``then(db, group, number of the call)``."""
    calls: list[int] = []

    def write_group(db, group):
        calls.append(len(group))
        if len(calls) == 1:
            deadline = time.monotonic() + 10
            while len(sql._GROUP.waiting) < waiting and time.monotonic() < deadline:
                time.sleep(0.005)
        return then(db, group, len(calls))

    write_group.calls = calls  # type: ignore[attr-defined]
    return write_group


def run_in_threads(plans: list[sql.Plan]) -> dict[int, str]:
    """sql.run of each plan in a thread of its own, the first started alone; how each
    ended."""
    outcome: dict[int, str] = {}

    def write(n: int) -> None:
        try:
            sql.run(plans[n])
            outcome[n] = "written"
        except sql.Stale:
            outcome[n] = "stale"
        except sql.NotWritten:
            outcome[n] = "not written"
        except SystemExit:
            outcome[n] = "stopped"
        finally:
            connection.close()

    first = threading.Thread(target=write, args=(0,))
    first.start()
    while not sql._GROUP.busy:
        time.sleep(0.001)
    others = [threading.Thread(target=write, args=(n,)) for n in range(1, len(plans))]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(20)
    return outcome


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_plans_run_at_once_are_committed_together_and_a_stale_one_fails_alone(officer, monkeypatch):
    plans = planned_inserts(officer, 8, stale=5)
    original = sql._write_group
    monkeypatch.setattr(
        sql, "_write_group", first_writer_waits(7, lambda db, group, _call: original(db, group))
    )
    outcome = run_in_threads(plans)
    assert outcome == {n: "stale" if n == 5 else "written" for n in range(8)}
    assert sql._write_group.calls == [1, 7]
    written = ActivityLog.objects.order_by("message").values_list("message", flat=True)
    assert list(written) == [f"plan {n}" for n in range(8) if n != 5]
    assert not sql._GROUP.busy and not sql._GROUP.waiting


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_plans_left_by_a_writer_that_stopped_are_not_taken_for_written(officer, monkeypatch):
    plans = planned_inserts(officer, 3)
    original = sql._write_group

    def second_group_killed(db, group, call):
        if call == 1:
            return original(db, group)
        raise SystemExit  # the second group's writer is stopped (a worker killed)

    monkeypatch.setattr(sql, "_write_group", first_writer_waits(2, second_group_killed))
    outcome = run_in_threads(plans)
    assert sql._write_group.calls == [1, 2]
    # The stopped writer's own thread ended with it; the other plan of its group was told.
    assert outcome[0] == "written"
    assert sorted([outcome[1], outcome[2]]) == ["not written", "stopped"]
    assert list(ActivityLog.objects.values_list("message", flat=True)) == ["plan 0"]
    assert not sql._GROUP.busy and not sql._GROUP.waiting


@pytest.mark.skipif(connection.vendor != "sqlite", reason="planned only on SQLite")
@pytest.mark.django_db(transaction=True)
def test_a_plan_run_inside_a_transaction_is_written_in_it_and_its_hooks_wait_for_it(officer):
    called: list[str] = []
    with sql.planned() as plan:
        sql.insert(ActivityLog, message="planned", **entry_values(officer))
        transaction.on_commit(lambda: called.append("after"))
    with pytest.raises(RuntimeError), transaction.atomic():
        sql.run(plan)
        assert ActivityLog.objects.filter(message="planned").exists() and called == []
        raise RuntimeError  # the caller's transaction rolls back: the plan with it
    assert not ActivityLog.objects.exists() and called == []
    with transaction.atomic():
        sql.run(plan)
        assert called == []
    assert called == ["after"] and ActivityLog.objects.filter(message="planned").exists()
