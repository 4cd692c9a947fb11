"""What a browser test sees: pages in separate browser contexts, each watched for console errors,
JavaScript errors, CSP violations and server errors, and each visited page checked with axe-core."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Frame,
    Page,
    Response,
    ViewportSize,
)

from tests.browser.helpers import describe_violations, failing_violations, run_axe, snap

PHONE: ViewportSize = {"width": 390, "height": 844}

# Chrome reports CSP violations in the console anyway; this also catches report-only ones and any a
# future console filter might drop. Init scripts are injected by DevTools, so the CSP allows them.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`);
});
"""


@dataclass
class Browsing:
    """Browser contexts for one test, and what was seen in them."""

    browser: Browser
    base_url: str
    contexts: list[BrowserContext] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    visited: dict[str, str] = field(default_factory=dict)  # path -> who went there first
    checked: set[str] = field(default_factory=set)
    pages: list[tuple[str, Page]] = field(default_factory=list)
    _no_js: set[BrowserContext] = field(default_factory=set)
    _scratch: Page | None = None

    def new_context(
        self,
        who: str,
        *,
        timezone_id: str = "Europe/London",
        java_script_enabled: bool = True,
        **options: Any,
    ) -> BrowserContext:
        """A fresh browser profile on a phone-sized screen: no shared cookies with other contexts."""
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport=PHONE,
            locale="en-GB",
            timezone_id=timezone_id,
            java_script_enabled=java_script_enabled,
            **options,
        )
        context.set_default_timeout(10_000)
        if java_script_enabled:
            context.add_init_script(_CSP_LISTENER)
        else:
            self._no_js.add(context)
        context.on("page", lambda page: self._watch(page, who))
        self.contexts.append(context)
        return context

    def new_page(self, who: str, **options: Any) -> Page:
        """A page in a context of its own (see new_context for the options)."""
        return self.new_context(who, **options).new_page()

    def _watch(self, page: Page, who: str) -> None:
        self.pages.append((who, page))

        def on_console(message: ConsoleMessage) -> None:
            text = message.text
            if message.type == "error" or "Content Security Policy" in text:
                where = message.location.get("url", "")
                self.problems.append(
                    f"[{who}] console {message.type} on {page.url}: {text} {where}"
                )

        def on_page_error(error: Error) -> None:
            self.problems.append(f"[{who}] JavaScript error on {page.url}: {error.stack or error}")

        def on_response(response: Response) -> None:
            if response.status >= 500:
                self.problems.append(
                    f"[{who}] server error {response.status} for {response.request.method} "
                    f"{response.url}"
                )

        def on_navigated(frame: Frame) -> None:
            if frame is page.main_frame and frame.url.startswith(self.base_url):
                self.visited.setdefault(urlsplit(frame.url).path, who)

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        page.on("response", on_response)
        page.on("framenavigated", on_navigated)

    def check_a11y(self, page: Page) -> None:
        """Run axe-core's WCAG 2.1 A and AA rules on the page as it is now, in light and dark
        colours; fail on any serious or critical violation. Call it on every page a test visits
        (and again after htmx changes a page)."""
        path = urlsplit(page.url).path
        target = self._no_js_stand_in(page) if page.context in self._no_js else page
        for scheme in ("light", "dark"):
            self._set_color_scheme(target, scheme)
            results = run_axe(target)
            assert results["passes"] > 0, f"axe-core checked nothing on {page.url}"
            violations = failing_violations(results)
            if violations:
                pytest.fail(describe_violations(violations, f"{path} ({scheme})"), pytrace=False)
        self._set_color_scheme(target, "light")
        self.checked.add(path)

    @staticmethod
    def _set_color_scheme(page: Page, scheme: Literal["light", "dark"]) -> None:
        page.emulate_media(color_scheme=scheme)
        # Colours change with a short CSS transition. Each is finished here, at once, rather than
        # awaited: awaiting them (evaluate has no timeout) could wait for good where nothing else
        # made the page draw a frame, as on a conversation page with no htmx polling; on the
        # polling page the wait ended only at the next swap, 4 s later. One that cannot be
        # finished (an endless animation) is cancelled, as run_axe does.
        page.evaluate(
            """() => {
                for (const animation of document.getAnimations()) {
                    try { animation.finish(); } catch (error) { animation.cancel(); }
                }
            }"""
        )

    def _no_js_stand_in(self, page: Page) -> Page:
        """axe needs timers and promises, which a page with JavaScript switched off does not run.
        So the page's HTML as it stands is loaded at the same URL in a JavaScript-enabled scratch
        page, with the site's stylesheets but none of its scripts: the same DOM, styled alike."""
        if self._scratch is None:
            context = self.browser.new_context(viewport=PHONE, locale="en-GB")
            self.contexts.append(context)
            self._scratch = context.new_page()
            self._scratch.route("**/*.js", lambda route: route.abort())
        scratch = self._scratch
        url, html = page.url, page.content()

        def is_this_page(candidate: str) -> bool:
            return candidate == url

        scratch.route(
            is_this_page,
            lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html
            ),
        )
        try:
            scratch.goto(url)
        finally:
            scratch.unroute(is_this_page)
        return scratch

    def verify(self) -> None:
        open_pages = [page for _, page in self.pages if not page.is_closed()]
        if open_pages:
            open_pages[0].wait_for_timeout(100)  # lets late console events arrive
        failures = list(self.problems)
        unchecked = sorted(set(self.visited) - self.checked)
        if unchecked:
            failures.append(
                "Pages visited but never checked with axe (call browsing.check_a11y(page) on "
                "each): " + ", ".join(f"{path} (by {self.visited[path]})" for path in unchecked)
            )
        if failures:
            pytest.fail("\n".join(failures), pytrace=False)

    def snap_all(self, test_name: str) -> list[str]:
        """Screenshots of every open page, for a failed test (tests/artifacts/failed-*.png)."""
        saved = []
        for n, (who, page) in enumerate(self.pages, start=1):
            if page.is_closed():
                continue
            name = re.sub(r"[^a-z0-9]+", "-", f"failed-{test_name}-{who}-{n}".lower()).strip("-")
            try:
                saved.append(f"{who} at {page.url}: {snap(page, name)}")
            except Error as error:
                saved.append(f"{who} at {page.url}: no screenshot ({error.message})")
        return saved

    def close(self) -> None:
        for context in self.contexts:
            context.close()
