"""One tablet, two people: what one partner typed and did not send is never shown to whoever signs
in next on the same browser, and is still not lost when their own session expires mid-sentence."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils.module_loading import import_string
from playwright.sync_api import Page, expect

from checkins.models import CheckIn
from repair.program.content import Exercise, program
from repair.program.models import ProgramEntry
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

AVERY_WORDS = "The night of the message I stopped trusting my own memory."
CHECKIN_WORDS = "Lunch together was easier than I feared."


def reflection() -> Exercise:
    safety = program().stage("safety")
    assert safety is not None
    return next(e for e in safety.exercises if e.type == "reflection")


def exercise_url(exercise: Exercise) -> str:
    return reverse("program_exercise", args=[exercise.stage, exercise.slug])


def stored_words(page: Page) -> str:
    return str(page.evaluate("() => JSON.stringify(Object.entries(window.sessionStorage))"))


def sign_in_here(page: Page, email: str, *, next_url: str) -> None:
    """Sign in on this page's own tab (the same browser a partner just used)."""
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def end_session_on_the_server(page: Page) -> None:
    """As if it had lapsed: the stored session (database and cache) is gone; the cookie remains."""
    key = next(
        c["value"]
        for c in page.context.cookies()
        if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    store: SessionBase = import_string(f"{django_settings.SESSION_ENGINE}.SessionStore")(key)
    store.delete()
    assert not Session.objects.filter(session_key=key).exists()


def test_after_one_partner_signs_out_the_next_sees_an_empty_box_and_none_of_their_words(
    browsing: Browsing,
) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    url = exercise_url(reflection())
    page = sign_in(browsing, "Avery and Blake's tablet", avery, PASSWORD, landing=url)
    browsing.check_a11y(page)
    box = page.locator("textarea[data-draft-key]")
    box.press_sequentially(AVERY_WORDS[:20])
    box.fill(AVERY_WORDS)  # typed, never sent
    assert AVERY_WORDS in stored_words(page)  # kept in the tab, in case the session expires

    page.goto("/settings/")
    browsing.check_a11y(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    assert AVERY_WORDS not in stored_words(page)

    sign_in_here(page, blake.email, next_url=url)
    expect(page.get_by_role("heading", level=1)).to_have_text(reflection().title)
    browsing.check_a11y(page)

    expect(page.locator("textarea[data-draft-key]")).to_have_value("")
    assert AVERY_WORDS not in stored_words(page)
    assert AVERY_WORDS[:20] not in page.content()
    assert not ProgramEntry.objects.exists()


def test_a_draft_left_by_someone_else_is_dropped_when_the_next_person_signs_in(
    browsing: Browsing,
) -> None:
    """Even without signing out (the session lapsed, or the script never ran on sign-out): the page
    names its owner, and another owner's drafts are cleared before anything is restored."""
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    url = exercise_url(reflection())
    page = sign_in(browsing, "Avery and Blake's tablet", avery, PASSWORD, landing=url)
    browsing.check_a11y(page)
    page.locator("textarea[data-draft-key]").fill(AVERY_WORDS)
    end_session_on_the_server(page)
    page.context.clear_cookies()

    sign_in_here(page, blake.email, next_url=url)

    expect(page.locator("textarea[data-draft-key]")).to_have_value("")
    assert AVERY_WORDS not in stored_words(page)


def test_words_typed_when_the_session_expired_come_back_after_signing_in_again(
    browsing: Browsing,
) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    make_couple(avery, blake)
    url = exercise_url(reflection())
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing=url)
    browsing.check_a11y(page)

    # A reflection, sent with a whole-page form.
    page.locator("textarea[data-draft-key]").fill(AVERY_WORDS)
    end_session_on_the_server(page)
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    page.locator("input[name=login]").fill(avery.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reflection().title)
    expect(page.locator("textarea[data-draft-key]")).to_have_value(AVERY_WORDS)
    assert not ProgramEntry.objects.exists()  # nothing was saved: the words came from the tab
    browsing.check_a11y(page)

    # A check-in note, sent by htmx: the sign-in page comes as a whole page, not inside the card.
    page.goto("/checkins/")
    browsing.check_a11y(page)
    page.get_by_text("More, if you have a moment").click()
    page.get_by_label("What helped, or what was hard?").fill(CHECKIN_WORDS)
    end_session_on_the_server(page)
    page.get_by_role("button", name="Save check-in").click()
    expect(page).to_have_url(f"{browsing.base_url}/accounts/login/?next=/checkins/")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    page.locator("input[name=login]").fill(avery.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{browsing.base_url}/checkins/")
    # Brought back, and in sight: the folded "More" opens for it.
    expect(page.get_by_label("What helped, or what was hard?")).to_have_value(CHECKIN_WORDS)
    expect(page.get_by_label("What helped, or what was hard?")).to_be_visible()
    assert not CheckIn.objects.exists()

    # Sent for real this time: the draft goes once the saved check-in is on the page.
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#today-card").get_by_role("status")).to_contain_text("saved")
    # The draft goes once htmx has settled the swap, a moment after the status shows.
    page.wait_for_function(
        "words => !JSON.stringify(Object.entries(window.sessionStorage)).includes(words)",
        arg=CHECKIN_WORDS,
        timeout=5000,
    )
    assert CHECKIN_WORDS not in stored_words(page)
    assert CheckIn.objects.get().helped == CHECKIN_WORDS
    browsing.check_a11y(page)


def test_chromium_honours_clear_site_data_on_signing_out_even_without_our_script(
    browsing: Browsing, settings
) -> None:
    settings.QUICK_EXIT_URL = f"{browsing.base_url}/support/"
    avery = make_user("Avery")
    make_couple(avery, make_user("Blake"))
    page = sign_in(browsing, "Avery", avery, PASSWORD, landing="/checkins/")
    browsing.check_a11y(page)
    page.evaluate("() => window.sessionStorage.setItem('draft:someone:left', 'Private words')")

    # Straight to the URL: no click, so the script's own clearing never runs.
    page.goto("/exit/")

    expect(page).to_have_url(f"{browsing.base_url}/support/")
    browsing.check_a11y(page)
    assert "Private words" not in stored_words(page)
