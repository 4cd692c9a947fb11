"""The first hour on a small phone: Avery signs up, lets the emailed code run out and gets a new
one, invites Blake by email (a long address) and by link; Blake opens a replaced link, then the
emailed one, finds the address filled in, confirms and joins. At 320 and 390 px wide, in light and
dark, with no sideways scroll and axe clean on every page."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.browsing import Browsing
from tests.browser.helpers import code_from_outbox, snap, type_like_a_person
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def fits(page: Page, where: str) -> None:
    """Nothing wider than the screen: no sideways scroll."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{where}: {widths[0] - widths[1]} px sideways"


def snap_both(page: Page, name: str) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        snap(page, f"{name}-{scheme}")
    page.emulate_media(color_scheme="light")


def look(browsing: Browsing, page: Page, name: str) -> None:
    fits(page, name)
    browsing.check_a11y(page)
    snap_both(page, name)


def confirm_code(page: Page, email: str) -> None:
    type_like_a_person(page.locator("input[name=code]"), code_from_outbox(email))
    page.get_by_role("button", name="Confirm my email").click()


def pass_safety_check(browsing: Browsing, page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/safety/\?next="))
    fits(page, "safety check")
    browsing.check_a11y(page)
    for group in page.locator("fieldset").all():
        group.locator("label.chip", has_text="No").first.click()
    page.get_by_role("button", name="Continue").click()
    # Everyone sees the support lines after the check, then goes on.
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    fits(page, "after the safety check")
    browsing.check_a11y(page)
    page.get_by_role("link", name="Continue").click()


@pytest.mark.parametrize("width", [320, 390])
def test_sign_up_code_runs_out_then_invite_and_join_on_a_small_phone(
    browsing: Browsing, width: int
) -> None:
    run = uuid.uuid4().hex[:8]
    avery_email = f"avery.{run}@example.com"
    blake_email = f"blake.with-a-rather-long-address.{run}@an-unusually-long-domain-name.example"
    tag = f"first-hour-{width}"

    with time_machine.travel(timezone.now(), tick=True) as clock:
        # --- Avery signs up; the code runs out before she types it -------------------------
        avery = browsing.new_page("Avery", timezone_id="America/New_York")
        avery.set_viewport_size({"width": width, "height": 720})
        avery.goto("/accounts/signup/")
        look(browsing, avery, f"{tag}-signup")
        avery.get_by_label("What's your email address?").fill(avery_email)
        avery.get_by_label("What should we call you?").fill("Avery")
        avery.get_by_label("Choose a password").fill(PASSWORD)
        avery.get_by_role("button", name="Create my account").click()

        expect(avery).to_have_url(re.compile(r"/accounts/confirm-email/"))
        expect(
            avery.get_by_text(f"It works for {settings.EMAIL_CODE_MINUTES} minutes")
        ).to_be_visible()
        look(browsing, avery, f"{tag}-code")
        # Asking again at once: a kind word, no second email.
        avery.get_by_role("button", name="Send a new code").click()
        expect(avery.get_by_role("status")).to_contain_text("less than a minute ago")
        assert len([m for m in mail.outbox if avery_email in m.to]) == 1

        clock.shift(timedelta(minutes=settings.EMAIL_CODE_MINUTES, seconds=5))
        avery.reload()
        expect(avery.get_by_text("has run out")).to_be_visible()
        look(browsing, avery, f"{tag}-code-expired")
        avery.get_by_role("button", name="Send me a new code").click()
        expect(
            avery.get_by_text(f"It works for {settings.EMAIL_CODE_MINUTES} minutes")
        ).to_be_visible()
        assert len([m for m in mail.outbox if avery_email in m.to]) == 2
        confirm_code(avery, avery_email)
        pass_safety_check(browsing, avery)

        expect(avery).to_have_url(re.compile(r"/start/$"))
        look(browsing, avery, f"{tag}-start")
        avery.get_by_role("button", name="Create our space").click()
        expect(avery).to_have_url(re.compile(r"/couple/invite/$"))

        # --- A link, then an email invite to a long address: both stay live ----------------
        avery.get_by_role("button", name="Make an invite link").click()
        first_link = avery.locator("#invite-link").input_value()
        avery.get_by_role("button", name="Make an invite link").click()
        expect(avery.locator("#invite-link")).not_to_have_value(first_link)
        link = avery.locator("#invite-link").input_value()
        avery.get_by_label("Your partner's email address").fill(blake_email)
        avery.get_by_role("button", name="Send invite").click()
        expect(avery.get_by_role("heading", name="Invite sent")).to_be_visible()
        avery.reload()
        pending = avery.locator("#pending-heading + ul li")
        expect(pending).to_have_count(2)
        look(browsing, avery, f"{tag}-invite")

        # --- Blake opens the replaced link: a kind page, not "withdrawn" --------------------
        blake = browsing.new_page("Blake", timezone_id="Europe/Berlin", color_scheme="dark")
        blake.set_viewport_size({"width": width, "height": 720})
        blake.goto(first_link)
        expect(blake.get_by_role("heading", level=1)).to_have_text("There's a newer invite for you")
        look(browsing, blake, f"{tag}-replaced-link")
        # The page answers 410 Gone on purpose, which Chromium logs as a failed load.
        browsing.problems[:] = [p for p in browsing.problems if "status of 410" not in p]

        # --- The emailed link: the address is filled in at sign-up --------------------------
        emailed = next(m for m in mail.outbox if blake_email in m.to)
        found = re.search(r"https?://\S+/invite/\S+/", str(emailed.body))
        assert found, emailed.body
        assert found.group(0) != link  # the link invite is a different, still working, one
        blake.goto(found.group(0))
        expect(blake.get_by_role("heading", level=1)).to_have_text("Avery has invited you")
        look(browsing, blake, f"{tag}-invite-accept")
        blake.get_by_role("link", name="Create an account").click()
        expect(blake.get_by_label("What's your email address?")).to_have_value(blake_email)
        look(browsing, blake, f"{tag}-signup-invited")
        blake.get_by_label("What should we call you?").fill("Blake")
        blake.get_by_label("Choose a password").fill(PASSWORD)
        blake.get_by_role("button", name="Create my account").click()
        expect(blake).to_have_url(re.compile(r"/accounts/confirm-email/"))
        look(browsing, blake, f"{tag}-code-long-address")
        confirm_code(blake, blake_email)
        pass_safety_check(browsing, blake)

        expect(blake.get_by_role("heading", level=1)).to_have_text("Avery has invited you")
        look(browsing, blake, f"{tag}-join")
        blake.get_by_role("button", name="Join our space").click()
        expect(blake.get_by_role("heading", name="You and Avery")).to_be_visible()
        look(browsing, blake, f"{tag}-today-blake")
