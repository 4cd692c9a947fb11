"""Reconnection at the couple's pace, at phone width: a step opened by both partners' private yes
and closed again by one; the other sees only that it isn't open, never who closed it. Every page
is checked with axe and photographed (both partners' views)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from repair.program import services
from repair.program.content import program
from repair.program.reconnection import sequence
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, couple_view, make_couple, make_user, open_stages_before

pytestmark = pytest.mark.browser


def test_a_reconnection_step_opened_by_both_and_closed_again_by_one(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    open_stages_before("consent", avery, blake)
    ladder = sorted(
        (e for e in program().exercises if e.ladder == "closeness"), key=lambda e: e.ladder_step
    )
    for exercise in ladder[:-1]:
        for person in (avery, blake):
            services.practice_log(couple=couple_view(person), exercise=exercise, comfortable=True)
    kissing = sequence().steps[0]
    step_url = f"/program/reconnection/{kissing.slug}/"

    # Avery finds the sequence from the Consent stage and says yes, privately.
    page_a = sign_in(browsing, "Avery", avery, PASSWORD, landing="/program/consent/")
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-consent-stage")
    page_a.get_by_role("link", name="After the ladder: reconnection, at your pace").click()
    expect(
        page_a.get_by_role("heading", level=1, name="Reconnection, at your pace")
    ).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-overview")
    page_a.get_by_role("link", name=kissing.title).click()
    expect(page_a.get_by_role("heading", name="Not open")).to_be_visible()
    browsing.check_a11y(page_a)
    page_a.get_by_role("button", name="Yes, I'd like this step open").click()
    expect(page_a.get_by_text("Your yes is kept, privately.")).to_be_visible()
    expect(page_a.get_by_role("button", name="Take my yes back")).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-said-yes")

    # Blake sees nothing of Avery's yes: only that the step isn't open yet.
    page_b = sign_in(browsing, "Blake", blake, PASSWORD, landing=step_url)
    expect(page_b.get_by_role("heading", name="Not open")).to_be_visible()
    expect(page_b.get_by_role("button", name="Yes, I'd like this step open")).to_be_visible()
    expect(page_b.get_by_text("Avery")).to_have_count(0)
    browsing.check_a11y(page_b)
    snap(page_b, "reconnection-b-before-yes")
    page_b.get_by_role("button", name="Yes, I'd like this step open").click()
    expect(page_b.get_by_text("You've both said yes. This step is open.")).to_be_visible()
    expect(page_b.get_by_text(kissing.steps[2])).to_be_visible()
    browsing.check_a11y(page_b)
    snap(page_b, "reconnection-b-open")

    # Avery sees it open, and closes it again, privately.
    page_a.goto(step_url)
    expect(page_a.get_by_role("button", name="Close this step for now")).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-open")
    page_a.get_by_role("button", name="Close this step for now").click()
    expect(page_a.get_by_text("Closed for now, for both of you.")).to_be_visible()
    expect(page_a.get_by_role("heading", name="Not open")).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-closed")

    # Blake sees it not open, and is never told who closed it; the next step waits.
    page_b.goto("/program/reconnection/")
    expect(page_b.get_by_text("not open yet", exact=True)).to_be_visible()
    expect(page_b.get_by_text("open", exact=True)).to_have_count(0)
    expect(page_b.get_by_text("Avery")).to_have_count(0)
    browsing.check_a11y(page_b)
    snap(page_b, "reconnection-b-overview-closed")
    page_b.goto(step_url)
    expect(page_b.get_by_role("heading", name="Not open")).to_be_visible()
    expect(page_b.get_by_role("button", name="Yes, I'd like this step open")).to_be_visible()
    expect(page_b.get_by_text("Avery")).to_have_count(0)
    browsing.check_a11y(page_b)
    snap(page_b, "reconnection-b-closed")

    # Nothing of it on either Today page: neither chose to have it there.
    for page in (page_a, page_b):
        page.goto("/")
        expect(page.get_by_text("Reconnection")).to_have_count(0)
        expect(page.get_by_text(kissing.title)).to_have_count(0)
        browsing.check_a11y(page)

    # Both choose to see it on Today: then, and only then, a quiet card links to it.
    for page in (page_a, page_b):
        page.goto("/program/reconnection/")
        page.get_by_role("button", name="I'd like it on Today").click()
        expect(page.get_by_text("Chosen, privately.")).to_be_visible()
        browsing.check_a11y(page)
    snap(page_b, "reconnection-b-today-chosen")
    page_a.goto("/")
    expect(page_a.get_by_role("heading", name="Reconnection, at your pace")).to_be_visible()
    expect(page_a.get_by_text("Nothing is open at the moment.")).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-today-card")

    # The plain note on sexual health, once both have opened the steps up to it.
    for step in sequence().steps[:4]:
        for person in (avery, blake):
            services.reconnection_answer(couple=couple_view(person), step=step, yes=True)
    note = sequence().steps[3]
    page_a.goto(f"/program/reconnection/{note.slug}/")
    expect(page_a.get_by_role("heading", name="Why both of you")).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "reconnection-a-health-note")
