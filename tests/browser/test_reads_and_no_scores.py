"""The reading library and the screens that stopped keeping score, on a phone: each page passes
axe and fits the screen, and gets a screenshot to look at."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from repair.program.models import ExerciseCompletion
from rituals.models import ScheduledRitual
from tests.browser.browsing import Browsing
from tests.browser.helpers import ARTIFACTS_DIR, sign_in, snap
from tests.factories import PASSWORD, couple_view, make_couple, make_user

pytestmark = pytest.mark.browser


def fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.evaluate("() => window.innerWidth"), page.url


def test_reads_open_signed_out_and_link_onwards(browsing: Browsing) -> None:
    page = browsing.new_page("anyone")
    page.goto("/support/")
    expect(page.get_by_role("heading", name="Finding a therapist")).to_be_visible()
    browsing.check_a11y(page)
    fits(page)
    snap(page, "reads-support")

    page.get_by_role("link", name="All the reads").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Understanding")
    browsing.check_a11y(page)
    fits(page)
    snap(page, "reads-list")

    page.get_by_role("link", name="Why your body stays on alert").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why your body stays on alert")
    browsing.check_a11y(page)
    fits(page)
    snap(page, "reads-body-on-alert")

    page.get_by_role("link", name="When to see a therapist, and what kind").click()
    expect(page.get_by_role("heading", name="Where to look for a therapist")).to_be_visible()
    browsing.check_a11y(page)
    fits(page)
    snap(page, "reads-therapist")


def test_check_in_program_and_rituals_show_no_scores(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    couple = make_couple(avery_user, blake_user)
    done = "safety-unsafe-moments"
    for person in (avery_user, blake_user):
        ExerciseCompletion.objects.create(couple=couple, user=person, exercise=done)
    ScheduledRitual.objects.create(
        couple=couple,
        ritual="reset-breath",
        cadence="daily",
        local_time=time(19, 0),
        created_by=avery_user,
        created_at=timezone.now() - timedelta(days=3),
    )
    assert couple_view(avery_user).partner is not None

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/checkins/")
    expect(avery.locator("details.more-questions")).not_to_have_attribute("open", "")
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "reads-checkin-first-screen")

    avery.get_by_text("More, if you have a moment").click()
    avery.locator('label.chip:has(input[name="safety"][value="2"])').click()
    avery.locator('label.chip:has(input[name="mood"][value="3"])').click()
    avery.locator('label.chip:has(input[name="trust"][value="2"])').click()
    avery.locator('input[name="share_mood"]').check()
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "reads-checkin-more-open")
    avery.get_by_role("button", name="Save check-in").click()
    expect(avery.locator("#today-card .read-offer")).to_contain_text("Why your body stays on alert")
    browsing.check_a11y(avery)
    snap(avery, "reads-checkin-saved-on-edge")

    blake = sign_in(browsing, "Blake", blake_user, PASSWORD)
    card = blake.locator("#partner-checkin")
    expect(card.locator("dl.summary")).to_contain_text("Mood")
    expect(card.locator("dl.summary")).not_to_contain_text("Trust")
    expect(card.locator("dl.summary")).not_to_contain_text("Felt safety")
    browsing.check_a11y(blake)
    snap(blake, "reads-partner-sees-only-mood")

    avery.goto("/program/")
    expect(avery.get_by_text("Done together:")).to_be_visible()
    assert "%" not in avery.locator("main").inner_text()
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "reads-program-overview")
    avery.locator(".stage-card").first.evaluate("e => e.scrollIntoView({block: 'center'})")
    avery.locator(".stage-card").first.screenshot(path=str(ARTIFACTS_DIR / "reads-stage-card.png"))

    # /rituals/ once stalled axe here for good: check_a11y awaited the colour change's transitions,
    # and on a page with nothing else to draw them they never ended (now they are finished at once).
    avery.goto("/rituals/")
    expect(avery.get_by_role("heading", level=1)).to_have_text("Rituals")
    assert "You kept" not in avery.locator("main").inner_text()
    browsing.check_a11y(avery)
    snap(avery, "reads-rituals")
    fits(avery)
    avery.goto("/rituals/calendar/?view=week")
    expect(avery.get_by_role("button", name="Let go").first).to_be_visible()
    expect(avery.get_by_role("button", name="Missed")).to_have_count(0)
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "reads-calendar-kept-or-let-go")
