"""A shared check-in, seen and answered: Avery checks in and shares some answers, Blake reads those
(and only those) on Today and sends a heart, and Avery sees the heart. Both htmx swaps happen in
place, without a page load."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from checkins.models import AckKind, Acknowledgement, CheckIn, Visibility
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

HELPED = "Our walk after dinner helped; the silence at lunch was hard."
# The scales Avery answers (field -> value); the rest are skipped.
PICKED = {"safety": 3, "closeness": 4, "trust": 2, "mood": 5}
# What Avery lets Blake see: not trust.
SHARED = ("closeness", "mood", "helped")


def pick(page: Page, field: str, value: int) -> None:
    """Click the chip's label, as a person does: the radio inside it is visually hidden."""
    page.locator(f'label.chip:has(input[name="{field}"][value="{value}"])').click()
    expect(page.locator(f'input[name="{field}"][value="{value}"]')).to_be_checked()


def test_shared_check_in_is_seen_and_acknowledged_by_the_partner(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    couple = make_couple(avery_user, blake_user)

    # --- Avery checks in and shares it ---------------------------------------------------------
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/checkins/")
    expect(avery.get_by_role("heading", level=1)).to_have_text("Check-ins")
    card = avery.locator("#today-card")
    expect(card.get_by_role("heading", name="Today's check-in")).to_be_visible()
    browsing.check_a11y(avery)

    expect(avery.locator('input[name="trust"]').first).to_be_hidden()  # behind "more"
    avery.get_by_text("More, if you have a moment").click()
    for field, value in PICKED.items():
        pick(avery, field, value)
    avery.get_by_label("What helped, or what was hard?").fill(HELPED)
    for field in SHARED:
        avery.locator(f'input[name="share_{field}"]').check()
    avery.evaluate("() => { window.stillTheSamePage = true; }")
    with avery.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/checkins/")
    ) as saved:
        avery.get_by_role("button", name="Save check-in").click()
    assert saved.value.request.header_value("hx-request") == "true"
    assert saved.value.status == 200
    # htmx swapped #today-card in place: the same page, now showing the saved check-in.
    expect(card.get_by_role("status")).to_contain_text("Thank you — saved.")
    expect(card.get_by_role("status")).to_contain_text("The answers you ticked are shared")
    expect(card).to_contain_text(HELPED)
    expect(card.locator("dl.summary")).to_contain_text("Closeness")
    expect(card.get_by_role("button", name="Save check-in")).to_have_count(0)
    assert avery.evaluate("() => window.stillTheSamePage") is True
    browsing.check_a11y(avery)
    snap(avery, "checkin-saved-avery")

    mine = CheckIn.objects.get(user=avery_user)
    assert mine.couple_id == couple.pk
    assert mine.visibility == Visibility.SHARED
    assert mine.shared_fields == ["closeness", "mood", "helped"]
    assert mine.helped == HELPED
    assert mine.scale_values() == {
        "safety": 3,
        "closeness": 4,
        "trust": 2,
        "touch": None,
        "mood": 5,
        "stress": None,
        "sleep": None,
    }

    # --- Blake sees it on Today and sends a heart ----------------------------------------------
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD)
    partner_card = blake.locator("#partner-checkin")
    expect(partner_card.get_by_role("heading", name="Avery today")).to_be_visible()
    expect(partner_card).to_contain_text(HELPED)
    expect(partner_card.locator("dl.summary")).to_contain_text("Closeness")
    expect(partner_card.locator("dl.summary")).not_to_contain_text("Trust")
    browsing.check_a11y(blake)
    snap(blake, "checkin-partner-card-blake")

    blake.evaluate("() => { window.stillTheSamePage = true; }")
    with blake.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"/checkins/{mine.pk}/acknowledge/")
    ) as acknowledged:
        partner_card.get_by_role("button", name="Send a heart").click()
    assert acknowledged.value.request.header_value("hx-request") == "true"
    assert acknowledged.value.status == 200
    expect(partner_card.get_by_role("status")).to_have_text("You sent a heart.")
    expect(partner_card.get_by_role("button", name="Send a heart")).to_have_count(0)
    assert blake.evaluate("() => window.stillTheSamePage") is True
    browsing.check_a11y(blake)
    snap(blake, "checkin-heart-sent-blake")

    ack = Acknowledgement.objects.get(checkin=mine)
    assert (ack.by, ack.kind, ack.reply) == (blake_user, AckKind.HEART, "")

    # --- Avery comes back to Today and sees the heart ------------------------------------------
    avery.goto("/")
    expect(avery.get_by_role("heading", name="Your check-in")).to_be_visible()
    expect(avery.locator(".ack-received")).to_have_text("♥ Blake sent a heart.")
    browsing.check_a11y(avery)
    snap(avery, "checkin-heart-received-avery")

    # --- Blake looks back over time ------------------------------------------------------------
    blake.goto("/checkins/history/")
    expect(blake.get_by_role("heading", level=1)).to_have_text("Over time")
    browsing.check_a11y(blake)
    snap(blake, "checkin-history-blake")


def test_a_long_unbroken_word_wraps_instead_of_widening_the_page(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    unbroken = "a" * 600

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/checkins/")
    pick(avery, "safety", 3)
    avery.get_by_text("More, if you have a moment").click()
    avery.get_by_label("What helped, or what was hard?").fill(unbroken)
    avery.locator('input[name="share_helped"]').check()
    avery.get_by_role("button", name="Save check-in").click()
    expect(avery.locator("#today-card")).to_contain_text(unbroken)

    blake = sign_in(browsing, "Blake", blake_user, PASSWORD)
    expect(blake.locator("#partner-checkin")).to_contain_text(unbroken)
    for page in (avery, blake):
        page.reload()
        browsing.check_a11y(page)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        viewport = page.evaluate("() => window.innerWidth")
        assert width <= viewport, f"the page is {width}px wide on a {viewport}px screen"
