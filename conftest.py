"""Test-wide settings: a test secret key, immediate tasks, the browser test artefacts."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("BIBLIOBRIDGE_HTTP", "1")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls from the
# same thread are still synchronous, so the async-safety check does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
