"""Django's PostgreSQL backend, with a cursor whose statements are prepared.

Django's cursors bind values on the client, so the server parses and plans every
statement anew; on the ISO 18626 path that costs PostgreSQL more than running it.
``prepared_cursor`` binds on the server, and psycopg prepares a statement the
PREPARE_AFTER-th time a connection runs it: ``core.sql`` uses it for the few statements
every message runs. Django's own cursors are unchanged (a client-binding cursor never
prepares). ``OPTIONS["prepare_threshold"]`` still decides when it is set: None turns
preparing off (a connection pooler that cannot keep prepared statements).
"""

from typing import Any

from django.db.backends.postgresql import base
from django.db.backends.utils import CursorWrapper

from bibliobridge.core import loops

PREPARE_AFTER = 2


class DatabaseWrapper(base.DatabaseWrapper):
    # Django's check for an event loop, without an exception when none runs (core.loops).
    ensure_connection = loops.checked(base.DatabaseWrapper.ensure_connection)
    cursor = loops.checked(base.DatabaseWrapper.cursor)
    create_cursor = loops.checked(base.DatabaseWrapper.create_cursor)
    commit = loops.checked(base.DatabaseWrapper.commit)
    rollback = loops.checked(base.DatabaseWrapper.rollback)

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = PREPARE_AFTER
        return params

    def prepared_cursor(self) -> CursorWrapper:
        """As ``cursor()`` (errors translated), binding on the server; ``cursor()`` itself
        when queries are logged (DEBUG, a test counting them): the log would have no text
        for a statement bound on the server."""
        if self.queries_logged:
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)  # type: ignore[call-arg]
            return self._prepare_cursor(cursor)  # type: ignore[attr-defined]
