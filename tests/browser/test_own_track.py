"""Each partner's own track, on a phone: the hurt partner opens their track from the program page,
writes in an exercise and saves; the other partner's track is their own, and the hurt partner's
exercise is not there for them. Each page passes axe, fits the screen and gets a screenshot."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from repair.program import services
from repair.program.models import TrackEntry
from repair.program.track_content import tracks
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap, type_like_a_person
from tests.factories import PASSWORD, couple_view, make_couple, make_user

pytestmark = pytest.mark.browser

AVERYS_WORDS = "I need an early night and a walk on Saturday, on my own."


def fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.evaluate("() => window.innerWidth"), page.url


def test_the_hurt_partner_opens_their_track_writes_and_saves(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    for person in (avery_user, blake_user):
        services.roles_propose(couple=couple_view(person), kind="one_hurt", hurt=avery_user)
    hurt = tracks().for_role("hurt")
    exercise = hurt.exercise("track-hurt-your-needs")
    assert exercise is not None

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/program/")
    expect(avery.get_by_role("heading", name="Your own track")).to_be_visible()
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "own-track-program-hurt")

    avery.get_by_role("link", name="Open your own track").click()
    expect(avery.get_by_role("heading", level=1)).to_have_text("Your own track")
    expect(avery.get_by_role("heading", name=hurt.title)).to_be_visible()
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "own-track-list-hurt")

    avery.get_by_role("link", name=exercise.title).click()
    expect(avery.get_by_role("heading", level=1)).to_have_text(exercise.title)
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "own-track-exercise-empty")

    type_like_a_person(avery.get_by_role("textbox", name="Your answer"), AVERYS_WORDS)
    avery.get_by_role("button", name="Save, privately").click()
    expect(avery.get_by_text("Saved. This is yours alone")).to_be_visible()
    expect(avery.get_by_role("textbox", name="Your answer")).to_have_value(AVERYS_WORDS)
    # The pointer rests where Save was, over a button of the new page: move it off.
    avery.mouse.move(0, 0)
    browsing.check_a11y(avery)
    fits(avery)
    snap(avery, "own-track-exercise-saved")
    assert TrackEntry.objects.get(user=avery_user, exercise=exercise.slug).text == AVERYS_WORDS

    avery.get_by_role("link", name="Your own track").first.click()
    expect(avery.get_by_text("written", exact=False).first).to_be_visible()
    browsing.check_a11y(avery)
    snap(avery, "own-track-list-written")

    # Blake's track is the involved one; Avery's words and Avery's exercise are nowhere for him.
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing="/program/track/")
    expect(blake.get_by_role("heading", name=tracks().for_role("involved").title)).to_be_visible()
    expect(blake.get_by_text(hurt.title)).to_have_count(0)
    expect(blake.get_by_text(AVERYS_WORDS)).to_have_count(0)
    browsing.check_a11y(blake)
    fits(blake)
    snap(blake, "own-track-list-involved")
    # Asked for with Blake's own session: there is no such page for him.
    response = blake.context.request.get(f"/program/track/{exercise.slug}/")
    assert response.status == 404
    assert AVERYS_WORDS not in response.text()
