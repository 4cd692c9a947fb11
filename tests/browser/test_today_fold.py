"""Today on a 390x844 phone: the greeting leaves the next step in view without scrolling, even on a
late evening's longer greeting; "What's here" is put away in place."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from playwright.sync_api import expect

from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser


def test_the_next_step_is_above_the_fold_and_whats_here_can_be_put_away(browsing: Browsing):
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    late = datetime.fromisoformat("2026-12-01T23:30:00+00:00")  # the longest greeting
    with time_machine.travel(late, tick=True):
        page = sign_in(browsing, "Avery", avery, PASSWORD)
        expect(page.get_by_role("heading", level=1)).to_contain_text("be gentle")
        step = page.get_by_role("link", name="Open it")
        expect(step).to_be_visible()
        bottom = step.evaluate("(el) => el.getBoundingClientRect().bottom")
        tabs = page.evaluate(
            "() => { const t = document.querySelector('nav.tabs');"
            " return t ? t.getBoundingClientRect().top : innerHeight; }"
        )
        assert bottom <= min(tabs, 844), f"the next step ends at {bottom}px, below {tabs}px"
        browsing.check_a11y(page)

        page.get_by_role("button", name="Put this away").click()
        expect(page.get_by_role("heading", name="What's here")).to_have_count(0)
        browsing.check_a11y(page)
        snap(page, "today-390-put-away")
    avery.refresh_from_db()
    assert avery.whats_here_hidden
