"""Real headless Chromium (Debian's build) driven by Playwright against pytest-django's live server.

Every page a test opens is watched: a console error, an uncaught JavaScript error, a Content
Security Policy violation or a server error fails the test, and so does any page (URL path) the test
visited but never ran axe-core on (``browsing.check_a11y(page)``).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Error, sync_playwright

from tests.browser.browsing import Browsing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package", autouse=True)
def _orm_calls_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop running in this thread, so Django would refuse
    the tests' ORM calls (SynchronousOnlyOperation). Allowed only while the browser tests run: set
    for the whole process, it would leak into the subprocesses other tests start (manage.py check
    --deploy fails with async.E001 when it sees the variable)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One browser for the browser tests; stopped when they are done (package scope), so the
    Playwright event loop does not outlive them."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: apt-get install -y chromium "
            "(`make services` does it). Playwright's own browser downloads are not used.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except Error as error:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {error.message}", pytrace=False)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _site_url_is_the_live_server(live_server: Any, settings: Any) -> None:
    """Invite links (built from SITE_URL) point at the server the browser talks to."""
    settings.SITE_URL = live_server.url


@pytest.fixture
def browsing(
    request: pytest.FixtureRequest, chromium: Browser, live_server: Any
) -> Iterator[Browsing]:
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("Browser tests carry @pytest.mark.browser (pytestmark in the module).")
    state = Browsing(browser=chromium, base_url=live_server.url)
    yield state
    state.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """After a browser test's own steps pass, fail it for what the pages reported (see Browsing)."""
    state = getattr(item, "funcargs", {}).get("browsing")
    try:
        result = yield
    except BaseException:
        if isinstance(state, Browsing):
            if state.problems:
                item.add_report_section("call", "browser problems", "\n".join(state.problems))
            item.add_report_section("call", "screenshots", "\n".join(state.snap_all(item.name)))
        raise
    if isinstance(state, Browsing):
        state.verify()
    return result
