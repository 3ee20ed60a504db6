"""Copy a kept SQLite database (a loaded catalogue) into PostgreSQL, to measure it there.

Loading the 1,000,000-record catalogue takes over an hour; copying its tables takes
minutes. DATABASE_URL names the PostgreSQL database (created when missing, and must hold
no rows of ours): it is migrated, every table of every model is copied row for row
(COPY), sequences are set past the copied ids, and the tables analysed. Then
``bench/catalog_scale.py --backends postgresql --pg-keep`` measures it as it is.

    bin/with-postgres bash -c '.venv/bin/python bench/copy_to_postgres.py DB.sqlite3 &&
        .venv/bin/python bench/catalog_scale.py --workdir DIR --backends postgresql --pg-keep'
"""

import argparse
import io
import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# Rows read from SQLite at a time.
BATCH = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the SQLite database file")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is not set (bin/with-postgres sets it)")
        return 1
    create_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bibliobridge.settings"
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    source = sqlite3.connect(f"file:{args.source}?mode=ro", uri=True)
    models = [m for m in apps.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy]  # fmt: skip
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        tables = ", ".join(f'"{m._meta.db_table}"' for m in models)
        cursor.execute(f"TRUNCATE {tables} CASCADE")  # what the migrations wrote
        for model in models:
            copy_table(source, cursor, model)
    out = io.StringIO()
    call_command("sqlsequencereset", *{m._meta.app_label for m in models}, stdout=out)
    with connection.cursor() as cursor:
        cursor.execute(out.getvalue())
        cursor.execute("ANALYZE")
    print(f"copied in {time.perf_counter() - started:.0f} s")
    return 0


def create_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            pg.execute(f'CREATE DATABASE "{name}"')


def copy_table(source: sqlite3.Connection, cursor, model) -> None:
    table = model._meta.db_table
    fields = [f for f in model._meta.local_concrete_fields if f.column]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    # SQLite keeps booleans as 0 and 1; the rest COPY reads as SQLite gives it.
    booleans = [i for i, f in enumerate(fields) if f.get_internal_type() == "BooleanField"]
    rows = source.execute(f'SELECT {columns} FROM "{table}"')  # noqa: S608 (our own tables)
    count = 0
    started = time.perf_counter()
    with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        while batch := rows.fetchmany(BATCH):
            for row in batch:
                if booleans:
                    row = list(row)
                    for i in booleans:
                        row[i] = None if row[i] is None else bool(row[i])
                copy.write_row(row)
            count += len(batch)
    if count:
        print(f"{table}: {count:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main())
