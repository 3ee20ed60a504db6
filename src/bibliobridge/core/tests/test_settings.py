import os
import subprocess
import sys

from bibliobridge.settings import database_from_url


def _import_settings(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import bibliobridge.settings as s; print(s.DEBUG)"],
        env={"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(sys.path), **env},
        capture_output=True,
        text=True,
    )


def test_missing_secret_key_without_debug_is_an_error():
    result = _import_settings({})
    assert result.returncode == 1 and "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert _import_settings({"SECRET_KEY": "k"}).stdout.strip() == "False"
    assert _import_settings({"BIBLIOBRIDGE_DEBUG": "1"}).stdout.strip() == "True"


def test_database_url_for_postgresql_with_a_socket_directory():
    db = database_from_url("postgres://bb:s%40cret@/bibliobridge?host=/tmp/pg&port=5433")
    assert (db["ENGINE"], db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "bibliobridge.core.postgresql",
        "bibliobridge",
        "bb",
        "s@cret",
        "/tmp/pg",
        "5433",
    )


def test_preparing_statements_may_be_turned_off_in_the_database_url():
    # A connection pooler that cannot keep prepared statements (core/postgresql).
    url = "postgres://bb@/bibliobridge?host=/tmp/pg&prepare_threshold=none"
    assert database_from_url(url)["OPTIONS"] == {"prepare_threshold": None}
    url = "postgres://bb@/bibliobridge?host=/tmp/pg&prepare_threshold=5&sslmode=require"
    assert database_from_url(url)["OPTIONS"] == {"prepare_threshold": 5, "sslmode": "require"}


def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database lives in memory, where SQLite reports "memory"; files use WAL.
    assert mode in {"wal", "memory"}
