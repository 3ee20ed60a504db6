"""Settings for the test suite: the product's settings with a test-only secret key."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("BIBLIOBRIDGE_HTTP", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made from
# that thread are still synchronous, so Django's async-safety check does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from bibliobridge.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Live-server threads must not keep connections open past a test, or PostgreSQL cannot
# drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, as in production, not SQLite's shared in-memory database: the live server's
    # threads (a partner's message arriving while a page loads) then each have their own
    # connection, and WAL lets them read while another writes.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
