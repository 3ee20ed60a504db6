import datetime as dt
import os
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bibliobridge.core import sql
from bibliobridge.core.models import ActivityLog, User
from bibliobridge.core.sqlite3.base import Turn, turn_for

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


def test_fetch_takes_the_first_by_primary_key(officer):
    for name in ("first", "second"):
        sql.insert(ActivityLog, message=name, **entry_values(officer))
    fetched = sql.fetch(ActivityLog, {"action": "updated"})
    assert fetched is not None and fetched.message == "first"


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
