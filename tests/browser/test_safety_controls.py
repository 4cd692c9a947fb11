"""Quick exit and Pause, pressed as a person would: on every page, reachable by keyboard, and
leaving no way "back" to the page that was open."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from repair.models import PauseNotice
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

# The operator's neutral page; a blank page keeps the test off the network.
NEUTRAL = "about:blank"


@pytest.fixture(autouse=True)
def _neutral_exit(settings) -> None:
    settings.QUICK_EXIT_URL = NEUTRAL


def test_quick_exit_replaces_the_page_so_back_does_not_return_to_it(browsing: Browsing) -> None:
    avery = make_user("Avery")
    make_couple(avery, make_user("Blake"))
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/pause/")
    browsing.check_a11y(page)
    page.goto("/checkins/")
    browsing.check_a11y(page)

    page.get_by_role("link", name="Quick exit").click()

    expect(page).to_have_url(NEUTRAL)
    page.go_back()
    # The check-ins page was replaced in history: back goes to the page before it.
    expect(page).to_have_url(re.compile(r"/pause/$"))


def test_pressing_shift_three_times_is_a_quick_exit_but_typing_capitals_is_not(
    browsing: Browsing,
) -> None:
    avery = make_user("Avery")
    make_couple(avery, make_user("Blake"))
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/checkins/")
    browsing.check_a11y(page)
    box = page.get_by_label("What helped, or what was hard?")
    box.press_sequentially("ABC")  # three capitals: Shift+A, Shift+B, Shift+C
    expect(page).to_have_url(re.compile(r"/checkins/$"))

    for _ in range(3):
        page.keyboard.press("Shift")

    expect(page).to_have_url(NEUTRAL)


def test_quick_exit_works_without_javascript_as_a_plain_link(browsing: Browsing) -> None:
    page = browsing.new_page("Visitor", java_script_enabled=False)
    page.goto("/accounts/login/")
    browsing.check_a11y(page)

    link = page.get_by_role("link", name="Quick exit")

    expect(link).to_have_attribute("href", NEUTRAL)
    assert settings.QUICK_EXIT_URL == NEUTRAL


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
    expect(other.get_by_text("Avery needs a pause and will come back around")).to_be_visible()
    browsing.check_a11y(other)
    snap(other, "pause-seen-by-partner")
