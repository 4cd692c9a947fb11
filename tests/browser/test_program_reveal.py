"""The program in the browser: a reveal-together exercise, where the partner who answered first waits
on a page that updates by itself (htmx polling) once the other has answered; a map, compared the
same way; and a guided practice with its countdown timer."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from repair.program.content import Exercise, program
from repair.program.models import PracticeLog, ProgramEntry
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser

AVERY_WORDS = "A message if you'll be late, and telling me before I have to ask."
BLAKE_WORDS = "Sitting together for ten minutes after work, phones in the other room."
# htmx polls every 4 s; a little more than two rounds.
POLL_WAIT_MS = 10_000


def first_in_safety(kind: str) -> Exercise:
    """Found by type, not by slug: the content is edited as text and may be reordered."""
    safety = program().stage("safety")
    assert safety is not None
    found = next((e for e in safety.exercises if e.type == kind), None)
    if found is None:
        pytest.fail(f"The safety stage has no {kind} exercise (repair/program/1_safety.toml).")
    return found


def url_for(exercise: Exercise) -> str:
    return reverse("program_exercise", args=[exercise.stage, exercise.slug])


def test_reveal_together_updates_the_waiting_partner_without_reload(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    couple = make_couple(avery_user, blake_user)
    exercise = first_in_safety("reveal")
    url = url_for(exercise)

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=url)
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=url)

    # --- Avery answers first, and waits ---------------------------------------------------------
    expect(avery.get_by_role("heading", level=1)).to_have_text(exercise.title)
    browsing.check_a11y(avery)
    avery.get_by_label("Your answer").fill(AVERY_WORDS)
    avery.get_by_role("button", name="Send my answer").click()

    live = avery.locator("#reveal-live")
    expect(live.get_by_role("status")).to_contain_text("Your answer is in.")
    expect(live.get_by_role("status")).to_contain_text("this page updates by itself")
    expect(live.locator(".written")).to_contain_text(AVERY_WORDS)
    expect(live).to_have_attribute("data-hx-get", url)
    expect(live).to_have_attribute("data-hx-trigger", "every 4s")
    browsing.check_a11y(avery)
    snap(avery, "reveal-avery-waiting")
    avery.evaluate("() => { window.stillTheSamePage = true; }")

    # --- Blake has not answered: Avery's words are nowhere on Blake's page -----------------------
    blake.reload()
    expect(blake.get_by_role("heading", level=1)).to_have_text(exercise.title)
    expect(blake.get_by_role("button", name="Send my answer")).to_be_visible()
    expect(blake.locator("body")).not_to_contain_text(AVERY_WORDS)
    assert AVERY_WORDS not in blake.content()
    assert "late, and telling me" not in blake.content()  # nor any escaped piece of them
    browsing.check_a11y(blake)

    blake.get_by_label("Your answer").fill(BLAKE_WORDS)
    blake.get_by_role("button", name="Send my answer").click()
    # Blake answered second, so both answers are shown straight away.
    blake_side = blake.locator("#reveal-live .side-by-side")
    expect(blake_side).to_contain_text(AVERY_WORDS)
    expect(blake_side).to_contain_text(BLAKE_WORDS)
    browsing.check_a11y(blake)

    # --- Avery's page updates by itself, without a reload -----------------------------------------
    side_by_side = avery.locator("#reveal-live .side-by-side")
    expect(side_by_side).to_contain_text(BLAKE_WORDS, timeout=POLL_WAIT_MS)
    assert avery.evaluate("() => window.stillTheSamePage") is True
    mine = side_by_side.locator(
        "article.answer", has=avery.get_by_role("heading", name="You wrote")
    )
    theirs = side_by_side.locator(
        "article.answer", has=avery.get_by_role("heading", name="Blake wrote")
    )
    expect(mine).to_contain_text(AVERY_WORDS)
    expect(theirs).to_contain_text(BLAKE_WORDS)
    discussion = avery.locator("#reveal-live .discussion")
    expect(discussion.get_by_role("heading", name="To talk about together")).to_be_visible()
    expect(discussion).to_contain_text(exercise.discussion.splitlines()[0].strip())
    # Revealed: the polling stops.
    expect(avery.locator("#reveal-live")).not_to_have_attribute("data-hx-get", url)
    expect(avery.locator("[data-hx-trigger]")).to_have_count(0)
    browsing.check_a11y(avery)
    snap(avery, "reveal-both-revealed-avery")

    entries = ProgramEntry.objects.filter(couple=couple, exercise=exercise.slug)
    assert {(e.user_id, e.text) for e in entries} == {
        (avery_user.pk, AVERY_WORDS),
        (blake_user.pk, BLAKE_WORDS),
    }
    assert all(e.submitted_at is not None for e in entries)


def test_practice_timer_and_log(browsing: Browsing) -> None:
    avery_user = make_user("Avery")
    couple = make_couple(avery_user, make_user("Blake"))
    exercise = first_in_safety("practice")

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=url_for(exercise))
    expect(avery.get_by_role("heading", level=1)).to_have_text(exercise.title)
    timer = avery.locator("[data-timer]")
    full = f"{exercise.duration_seconds // 60}:{exercise.duration_seconds % 60:02d}"
    expect(timer).to_be_visible()  # shown only once app.js has set it up
    expect(timer).to_have_text(full)
    expect(avery.locator("ol.steps li")).to_have_count(len(exercise.steps))
    browsing.check_a11y(avery)

    avery.get_by_role("button", name="Start the timer").click()
    expect(avery.get_by_role("button", name="Stop")).to_be_visible()
    expect(timer).not_to_have_text(full, timeout=3_000)  # counting down, a second at a time
    counted = timer.inner_text()
    minutes, seconds = counted.split(":")
    assert 0 < exercise.duration_seconds - (int(minutes) * 60 + int(seconds)) <= 5, counted
    snap(avery, "practice-timer-running")
    avery.get_by_role("button", name="Stop").click()
    expect(avery.get_by_role("button", name="Start the timer")).to_be_visible()

    avery.get_by_role("button", name="We did this").click()
    expect(avery.locator(".messages")).to_contain_text("Logged.")
    expect(avery.get_by_role("heading", name="Your log")).to_be_visible()
    expect(avery.locator("#log-heading + ul li")).to_have_count(1)
    browsing.check_a11y(avery)
    snap(avery, "practice-logged")

    logs = PracticeLog.objects.filter(couple=couple, exercise=exercise.slug)
    assert [(log.user_id, log.comfortable) for log in logs] == [(avery_user.pk, None)]


def choose(page: Page, answers: dict[str, str]) -> None:
    """Click each chip's label, as a person does: the radio inside it is visually hidden."""
    for key, answer in answers.items():
        page.locator(f'label.chip:has(input[name="{key}"][value="{answer}"])').click()


def test_a_map_comparison_appears_for_the_one_waiting_once_both_compare(
    browsing: Browsing,
) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    exercise = first_in_safety("map")
    url = url_for(exercise)
    first, second, third = exercise.items[:3]

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=url)
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=url)
    expect(avery.get_by_role("heading", level=1)).to_have_text(exercise.title)
    together = avery.locator("#map-together")
    expect(together).to_contain_text("Nothing to show yet")
    browsing.check_a11y(avery)
    snap(avery, "map-avery-before")

    choose(avery, {first.key: "yes", second.key: "maybe", third.key: "yes"})
    avery.get_by_role("button", name="Save and compare").click()
    expect(avery.locator(".messages")).to_contain_text("Sent to compare.")
    expect(together.get_by_role("status")).to_contain_text("this page updates by itself")
    expect(together).to_have_attribute("data-hx-trigger", "every 4s")
    browsing.check_a11y(avery)
    snap(avery, "map-avery-waiting")
    avery.evaluate("() => { window.stillTheSamePage = true; }")

    blake.reload()
    expect(blake.locator("#map-together")).to_contain_text("Nothing to show yet")
    choose(blake, {first.key: "yes", second.key: "maybe", third.key: "not_now"})
    blake.get_by_role("button", name="Save and compare").click()
    expect(blake.locator(".messages")).to_contain_text("Compared.")
    blake_together = blake.locator("#map-together")
    expect(blake_together.locator(".pill-list").first).to_have_text(first.label)
    expect(blake_together.locator(".pill-list.maybe")).to_have_text(second.label)
    expect(blake_together).not_to_contain_text(third.label)  # Avery's yes, Blake's not now
    browsing.check_a11y(blake)
    snap(blake, "map-blake-compared")

    expect(together.locator(".pill-list").first).to_have_text(first.label, timeout=POLL_WAIT_MS)
    assert avery.evaluate("() => window.stillTheSamePage") is True
    expect(together).not_to_contain_text(third.label)
    expect(avery.locator("[data-hx-trigger]")).to_have_count(0)  # compared: the polling stops

    # Blake closes the first item again: gone for Avery too, on the next look.
    choose(blake, {first.key: "maybe"})
    blake.get_by_role("button", name="Just save, privately").click()
    expect(blake.locator(".messages")).to_contain_text("Saved, privately.")
    avery.reload()
    expect(together).not_to_contain_text(first.label)
    expect(together.locator(".pill-list.maybe")).to_have_text(second.label)
    browsing.check_a11y(avery)
    snap(avery, "map-avery-after-blake-stepped-back")
