"""Quick exit and Pause, pressed as a person would: on every page, reachable by keyboard. Quick exit
ends the session on the server and leaves no way "back" into the app."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from repair.couples.models import PauseNotice
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

# The operator's neutral page: answered by the browser itself (routed), so the test stays off the
# network. Quick exit reaches it through /exit/, which signs out first.
NEUTRAL = "https://neutral.example/weather"


@pytest.fixture(autouse=True)
def _neutral_exit(settings) -> None:
    settings.QUICK_EXIT_URL = NEUTRAL


def neutral_page_offline(page: Page) -> None:
    page.context.route(
        "https://neutral.example/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body="<!DOCTYPE html><html lang='en'><title>Weather</title><h1>Weather</h1></html>",
        ),
    )


def test_quick_exit_signs_out_and_back_leads_to_the_sign_in_page_not_the_app(
    browsing: Browsing,
) -> None:
    avery = make_user("Avery")
    make_couple(avery, make_user("Blake"))
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/")
    neutral_page_offline(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Avery")
    browsing.check_a11y(page)
    page.goto("/checkins/")
    browsing.check_a11y(page)
    page.evaluate("() => window.sessionStorage.setItem('draft:left-behind', 'Words')")
    assert Session.objects.count() == 1

    page.get_by_role("link", name="Quick exit").click()

    expect(page).to_have_url(NEUTRAL)
    assert Session.objects.count() == 0  # ended on the server, not only in this browser
    page.go_back()
    # The check-ins page was replaced in history; the page before it (Today) is asked for again
    # (no-store: nothing private was kept) and, signed out, the server sends the sign-in page.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    expect(page.locator("nav.tabs")).to_have_count(0)
    assert page.evaluate("() => Object.keys(window.sessionStorage)") == [
        "htmx-current-path-for-history"  # htmx's own: the path of this sign-in page
    ]
    page.go_back()  # and no further back into the app either
    expect(page).not_to_have_url(re.compile(r"/checkins/"))
    page.goto("/checkins/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/checkins/$"))


def test_pressing_shift_three_times_is_a_quick_exit_but_typing_capitals_is_not(
    browsing: Browsing,
) -> None:
    avery = make_user("Avery")
    make_couple(avery, make_user("Blake"))
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/checkins/")
    neutral_page_offline(page)
    browsing.check_a11y(page)
    box = page.get_by_label("What helped, or what was hard?")
    box.press_sequentially("ABC")  # three capitals: Shift+A, Shift+B, Shift+C
    expect(page).to_have_url(re.compile(r"/checkins/$"))

    for _ in range(3):
        page.keyboard.press("Shift")

    expect(page).to_have_url(NEUTRAL)
    assert Session.objects.count() == 0


def test_quick_exit_works_without_javascript_as_a_plain_link(browsing: Browsing) -> None:
    avery = make_user("Avery")
    page = browsing.new_page("Avery", java_script_enabled=False)
    neutral_page_offline(page)
    page.goto("/accounts/login/?next=/checkins/")
    browsing.check_a11y(page)
    page.locator("input[name=login]").fill(avery.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-ins")
    browsing.check_a11y(page)

    link = page.get_by_role("link", name="Quick exit")
    expect(link).to_have_attribute("href", "/exit/")
    link.click()

    expect(page).to_have_url(NEUTRAL)
    page.goto(browsing.base_url + "/checkins/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/checkins/$"))


def test_pause_opens_the_plan_and_timer_and_lets_the_partner_know(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/")
    browsing.check_a11y(page)

    page.get_by_role("link", name="Pause").click()
    expect(page).to_have_url(re.compile(r"/pause/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Take a pause")
    timer = page.locator(".practice [data-timer]")
    expect(timer).to_have_text("2:00")
    page.get_by_role("button", name="Start two minutes").click()
    expect(timer).not_to_have_text("2:00", timeout=3000)
    browsing.check_a11y(page)
    page.get_by_label("I'll come back").select_option(label="in about 30 minutes")
    page.get_by_role("button", name="Send “I need a pause”").click()
    expect(page.get_by_role("status").first).to_contain_text("We've let Blake know")
    browsing.check_a11y(page)
    snap(page, "pause-sent")
    assert PauseNotice.objects.filter(user=avery).count() == 1

    other = sign_in(browsing, "Blake", blake, PASSWORD, landing="/")
    expect(other.get_by_text("Avery will be back around")).to_be_visible()
    browsing.check_a11y(other)
    snap(other, "pause-seen-by-partner")
