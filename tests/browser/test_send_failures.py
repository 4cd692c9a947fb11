"""An htmx send that does not go through (a page left open until its form went stale, a lost
connection) tells the person so, in words, and keeps what they wrote in the box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from checkins.models import CheckIn
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

WORDS = "The drive home was quiet, and that was all right."


def test_a_refused_htmx_send_says_so_and_keeps_the_words(browsing: Browsing) -> None:
    avery_user = make_user("Avery")
    make_couple(avery_user, make_user("Blake"))
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/checkins/")
    browsing.check_a11y(avery)
    avery.get_by_text("More, if you have a moment").click()
    box = avery.get_by_label("What helped, or what was hard?")
    box.fill(WORDS)

    # The form goes stale: the browser no longer holds the CSRF cookie the page's token matches.
    avery.context.clear_cookies(name="csrftoken")
    with avery.expect_response(lambda r: r.request.method == "POST") as sent:
        avery.get_by_role("button", name="Save check-in").click()
    assert sent.value.status == 403

    alert = avery.locator("#today-card [role=alert]")
    expect(alert).to_contain_text("open a while")
    expect(box).to_have_value(WORDS)
    assert not CheckIn.objects.filter(user=avery_user).exists()
    browsing.check_a11y(avery)

    # Reloading brings a fresh form, and the words come back into it.
    avery.reload()
    expect(avery.get_by_label("What helped, or what was hard?")).to_have_value(WORDS)
    browsing.check_a11y(avery)

    # The browser logged the refused request as a console error; that one is expected here.
    browsing.problems[:] = [p for p in browsing.problems if "403" not in p]
