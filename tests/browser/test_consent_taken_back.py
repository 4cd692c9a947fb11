"""Consent that can be taken back: a closeness step both opened, closed again by one of them; the
other sees only that it is closed for now. Pages checked with axe and photographed at phone width."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from repair.program import services
from repair.program.content import program
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, couple_view, make_couple, make_user, open_stages_before

pytestmark = pytest.mark.browser

SHOTS = Path("/work/wt/shots")


def keep(path: Path, name: str) -> None:
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / f"consent-{name}.png")


def test_a_step_opened_by_both_and_closed_again_by_one(browsing: Browsing) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    open_stages_before("consent", avery, blake)
    step_1 = program().exercise("consent-ladder-sitting-close")
    assert step_1 is not None
    for person in (avery, blake):
        services.practice_log(couple=couple_view(person), exercise=step_1, comfortable=True)
    step_2 = "/program/consent/consent-ladder-holding-hands/"

    page_a = sign_in(browsing, "Avery", avery, PASSWORD, landing="/")
    expect(page_a.get_by_role("heading", name="A new stage is open: Consent")).to_be_visible()
    browsing.check_a11y(page_a)
    keep(snap(page_a, "today-opened"), "today-opened")

    page_a.goto(step_2)
    expect(page_a.get_by_role("button", name="Close this step for now")).to_be_visible()
    browsing.check_a11y(page_a)
    keep(snap(page_a, "step-open"), "step-open")
    page_a.get_by_role("button", name="Close this step for now").click()
    expect(page_a.get_by_text("Closed for now. Your partner sees only")).to_be_visible()
    keep(snap(page_a, "step-closed-by-me"), "step-closed-by-me")

    page_b = sign_in(browsing, "Blake", blake, PASSWORD, landing="/program/consent/")
    expect(page_b.get_by_text("closed for now")).to_be_visible()
    browsing.check_a11y(page_b)
    keep(snap(page_b, "stage-closed"), "stage-closed")
    page_b.get_by_role("link", name="Closeness, step 2: holding hands").click()
    expect(page_b.get_by_text("This step is closed for now.")).to_be_visible()
    expect(page_b.get_by_text("Avery")).to_have_count(0)
    browsing.check_a11y(page_b)
    keep(snap(page_b, "step-closed"), "step-closed")
    page_b.get_by_role("button", name="I'd like this step open again").click()
    expect(page_b.get_by_text("You've said you'd like it open again.")).to_be_visible()

    page_a.goto(step_2)
    page_a.get_by_role("button", name="I'd like this step open again").click()
    expect(page_a.get_by_role("button", name="Close this step for now")).to_be_visible()
