"""htmx swaps under the strict CSP: no violation on any of them, in development (DEBUG, as `make
run` serves) as in production. The harness (tests/browser/browsing.py) fails a test on any CSP
violation or console error; this test makes the swaps happen, including an htmx request the
server refuses."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
def test_htmx_swaps_cause_no_csp_violation(browsing: Browsing, settings, debug: bool) -> None:
    settings.DEBUG = debug
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/checkins/")
    browsing.check_a11y(page)

    # A check-in saved in place (the words are behind "More").
    page.get_by_text("More, if you have a moment").click()
    page.get_by_label("What helped, or what was hard?").fill("A calm evening.")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#today-card").get_by_role("status")).to_contain_text("saved")

    # The profile form, refused and then saved, in place.
    page.goto("/settings/")
    browsing.check_a11y(page)
    page.get_by_label("Display name").fill("")
    page.locator("#profile-form").get_by_role("button", name="Save").click()
    expect(page.locator("#profile-form .error").first).to_be_visible()
    page.get_by_label("Display name").fill("Avery")
    page.locator("#profile-form").get_by_role("button", name="Save").click()
    expect(page.locator("#profile-form").get_by_role("status")).to_have_text("Saved.")

    # A note of thanks: empty (a kind message), then sent.
    page.goto("/rituals/")
    browsing.check_a11y(page)
    page.get_by_role("button", name="Send the note").click()
    expect(page.locator("#note-card .error")).to_be_visible()
    page.locator("#note-card textarea").fill("Thank you for the walk.")
    page.get_by_role("button", name="Send the note").click()
    expect(page.locator("#note-card").get_by_role("status")).to_be_visible()

    # An htmx request the server refuses (the CSRF cookie went away: a 403). htmx leaves the page
    # as it is; in development nothing may try to evaluate the error page as script.
    page.context.clear_cookies(name="csrftoken")
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.get_by_role("button", name="Send the note").click()
    assert refused.value.status == 403
    page.wait_for_timeout(300)
    expect(page.get_by_role("heading", level=1)).to_have_text("Rituals")
    # The refusal itself is a console error (a failed request), the only one expected here.
    browsing.problems[:] = [
        p
        for p in browsing.problems
        if "status of 403" not in p and "Response Status Error Code 403" not in p
    ]
