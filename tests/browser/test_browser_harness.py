"""The guards every browser test relies on really do catch what they are for: a CSP violation, a
JavaScript error, an accessibility failure (with and without JavaScript) and a page never checked."""

from __future__ import annotations

import pytest

from tests.browser.browsing import Browsing

pytestmark = pytest.mark.browser

Failed = pytest.fail.Exception


def test_a_csp_violation_fails_the_test(browsing: Browsing) -> None:
    page = browsing.new_page("Avery")
    page.goto("/accounts/login/")
    browsing.check_a11y(page)
    # What a template with an inline <script> would do; the CSP refuses to run it.
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("() => window.ranInline") is None
    with pytest.raises(Failed, match="Content Security Policy"):
        browsing.verify()
    browsing.problems.clear()


def test_a_javascript_error_fails_the_test(browsing: Browsing) -> None:
    page = browsing.new_page("Avery")
    page.goto("/accounts/login/")
    browsing.check_a11y(page)
    page.evaluate("() => { setTimeout(() => { throw new Error('broken enhancement'); }); }")
    with pytest.raises(Failed, match=r"JavaScript error.*broken enhancement"):
        browsing.verify()
    browsing.problems.clear()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_accessibility_failure_fails_the_test(browsing: Browsing, javascript: bool) -> None:
    page = browsing.new_page("Avery", java_script_enabled=javascript)
    page.goto("/accounts/login/")
    browsing.check_a11y(page)
    page.evaluate("() => document.documentElement.removeAttribute('lang')")
    with pytest.raises(Failed, match=r"html-has-lang \[serious\].*\n    at html"):
        browsing.check_a11y(page)


def test_a_page_never_checked_fails_the_test(browsing: Browsing) -> None:
    page = browsing.new_page("Avery")
    page.goto("/accounts/login/")
    browsing.check_a11y(page)
    page.goto("/pause/")
    with pytest.raises(Failed, match=r"never checked with axe.*/pause/ \(by Avery\)"):
        browsing.verify()
    browsing.check_a11y(page)
