"""'When it hits' and the quiet signal, as two partners on two phones would use them; the pages are
checked with axe and photographed at phone width."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from checkins.models import CheckIn
from repair.couples.models import HardMoment
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

# Where the lead looks at screenshots of new screens, when the folder exists.
SHOTS = Path("/work/wt/shots")


def keep(path: Path, name: str) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / f"safety-{name}.png")


def test_when_it_hits_grounds_signals_and_keeps_a_private_note(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    page_a = sign_in(browsing, "Avery", avery, PASSWORD, landing="/")

    page_a.get_by_role("link", name="When it hits").click()
    expect(page_a.get_by_role("heading", level=1)).to_have_text("When it hits")
    browsing.check_a11y(page_a)
    keep(snap(page_a, "when-it-hits"), "when-it-hits")
    page_a.get_by_label("A note for yourself (optional)").fill("The song in the café.")
    page_a.get_by_role("button", name="Keep this note").click()
    expect(page_a.get_by_text("Kept, just for you.")).to_be_visible()
    page_a.get_by_role("button", name="Send a quiet signal").click()
    expect(page_a.get_by_text("Your quiet signal shows to Blake until")).to_be_visible()
    browsing.check_a11y(page_a)
    keep(snap(page_a, "when-it-hits-sent"), "when-it-hits-sent")

    page_b = sign_in(browsing, "Blake", blake, PASSWORD, landing="/")
    expect(page_b.get_by_role("heading", name="A quiet signal from Avery")).to_be_visible()
    expect(page_b.get_by_text("The song in the café.")).to_have_count(0)
    browsing.check_a11y(page_b)
    keep(snap(page_b, "today-signal"), "today-signal")

    page_a.get_by_role("button", name="It has eased — take the signal down").click()
    page_b.reload()
    expect(page_b.get_by_role("heading", name="A quiet signal from Avery")).to_have_count(0)
    assert HardMoment.objects.filter(user=avery).count() == 2


def test_a_pause_for_a_while_and_im_back(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    page_a = sign_in(browsing, "Avery", avery, PASSWORD, landing="/pause/")

    page_a.get_by_label("I'll come back").select_option(
        label="after a while — I'll say when I'm back"
    )
    page_a.get_by_role("button", name="Send “I need a pause”").click()
    expect(page_a.get_by_role("heading", name="You're on a pause")).to_be_visible()
    browsing.check_a11y(page_a)
    keep(snap(page_a, "pause-running"), "pause-running")

    page_b = sign_in(browsing, "Blake", blake, PASSWORD, landing="/")
    expect(page_b.get_by_role("heading", name="Avery is taking some time")).to_be_visible()
    browsing.check_a11y(page_b)
    keep(snap(page_b, "today-partner-paused"), "today-partner-paused")

    page_a.get_by_role("button", name="I'm back").click()
    expect(page_a.get_by_text("Welcome back. Blake no longer sees the pause.")).to_be_visible()
    browsing.check_a11y(page_a)
    page_b.reload()
    expect(page_b.get_by_role("heading", name="Avery is taking some time")).to_have_count(0)
    browsing.check_a11y(page_b)


def test_the_private_check_after_pairing_steps_couple_work_aside_quietly(
    browsing: Browsing,
) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    page_a = sign_in(browsing, "Avery", avery, PASSWORD, landing="/safety/?next=/")
    browsing.check_a11y(page_a)
    keep(snap(page_a, "check"), "check")
    page_a.locator("input[name=afraid][value=unsaid]").check()
    page_a.get_by_role("button", name="Continue").click()
    expect(page_a.get_by_role("heading", level=1)).to_have_text("Your safety comes first")
    browsing.check_a11y(page_a)
    keep(snap(page_a, "check-possible-concern"), "check-possible-concern")
    page_a.get_by_role("button", name="Take time on my own for now").click()
    expect(page_a.get_by_role("heading", name="You're taking time on your own")).to_be_visible()
    browsing.check_a11y(page_a)
    keep(snap(page_a, "today-stepped-aside"), "today-stepped-aside")

    page_b = sign_in(browsing, "Blake", blake, PASSWORD, landing="/")
    expect(page_b.get_by_role("heading", name="Avery is taking some time")).to_be_visible()
    browsing.check_a11y(page_b)
    keep(snap(page_b, "today-partner-aside"), "today-partner-aside")

    page_b.goto("/safety/?next=/")
    page_b.get_by_role("button", name="Continue").click()
    expect(page_b.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page_b.get_by_text("Suicide and self-harm")).to_be_visible()
    browsing.check_a11y(page_b)
    keep(snap(page_b, "check-no-concern"), "check-no-concern")


def test_support_is_a_tab_and_leaving_shows_it_first(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/")
    browsing.check_a11y(page)

    page.locator("nav.tabs").get_by_role("link", name="Support").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support")
    browsing.check_a11y(page)
    keep(snap(page, "support"), "support")
    page.goto("/couple/leave/")
    expect(page.get_by_role("heading", name="Before anything else: support")).to_be_visible()
    browsing.check_a11y(page)
    keep(snap(page, "leave"), "leave")


def test_days_on_edge_offer_the_check_again_privately(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    couple = make_couple(avery, blake)
    today = avery.local_today()
    for days_ago in range(3):
        CheckIn.objects.create(
            user=avery, couple=couple, local_date=today - timedelta(days=days_ago), safety=1
        )
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/")
    expect(page.get_by_role("heading", name="Just for you: a private check")).to_be_visible()
    browsing.check_a11y(page)
    keep(snap(page, "today-check-offer"), "today-check-offer")

    page.get_by_role("link", name="Take the check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A private check, again")
    browsing.check_a11y(page)
    keep(snap(page, "check-again"), "check-again")
    page.get_by_role("button", name="Not now").click()
    expect(page.get_by_role("heading", name="Just for you: a private check")).to_have_count(0)
    browsing.check_a11y(page)
