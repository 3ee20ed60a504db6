"""Playwright in Debian's Chromium against pytest-django's live server.

One browser for the session, a new context (cookies, storage) per test. Every test
leaves a screenshot in var/test-artifacts/: <test>.png when it passed, <test>-failed.png
when it did not.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# The shared personas and the autouse settings fixture (English, temporary MEDIA_ROOT,
# immediate tasks) live in the package's conftest, which does not reach tests/ by itself.
from bibliobridge.conftest import _test_settings  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


_outcome_key = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # The page fixture reads the outcome of the call phase to name its screenshot.
    report = yield
    if report.when == "call":
        item.stash[_outcome_key] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; `make system-deps` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server, transactional_db) -> Iterator:
    """A fresh browser context on the live server, English unless a test switches."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = request.node.stash.get(_outcome_key, None)
    failed = report is None or report.failed
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    # A screenshot of an earlier run with the other outcome would mislead; remove it.
    (ARTIFACTS / f"{name}{'' if failed else '-failed'}.png").unlink(missing_ok=True)
    try:
        page.screenshot(
            path=str(ARTIFACTS / f"{name}{'-failed' if failed else ''}.png"), full_page=True
        )
    finally:
        context.close()
