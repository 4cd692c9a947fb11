"""Meaning-making's attachment-injury steps in the browser, two partners on phones (390 px): what
lies under the anger told by the hurt partner and said back by the other, with the floor kept by the
teller and the current turn the first thing on the page; remorse told by the partner who caused the
hurt; asking for comfort, answered in the listener's note. With "we'd rather not say" the tellings
are ordinary two-way talks and nobody is asked to show remorse."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from repair.couples.models import User
from repair.program import services
from repair.program.content import Exercise, program
from repair.program.models import ExerciseCompletion
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, couple_view, make_couple, make_user, open_stages_before

pytestmark = pytest.mark.browser

SHOTS = Path("/work/wt/shots")


def shot(page: Page, name: str) -> None:
    snap(page, f"meaning-{name}")
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"meaning-{name}.png"), full_page=True)


def exercise(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None
    return found


def url(slug: str) -> str:
    return reverse("program_exercise", args=["meaning", slug])


def couple_in_meaning(kind: str) -> tuple[User, User]:
    """Avery and Blake with Meaning-making open and its first exercise done, roles agreed
    (``kind``; for one_hurt, Avery was hurt)."""
    avery, blake = make_user("Avery"), make_user("Blake")
    couple = make_couple(avery, blake)
    open_stages_before("meaning", avery, blake)
    for person in (avery, blake):
        ExerciseCompletion.objects.create(
            couple=couple, user=person, exercise="meaning-what-it-meant"
        )
    hurt = avery if kind != "neutral" else None
    services.roles_propose(couple=couple_view(avery), kind=kind, hurt=hurt)
    services.roles_propose(couple=couple_view(blake), kind=kind, hurt=hurt)
    return avery, blake


def go(browsing: Browsing, page: Page, path: str) -> None:
    page.goto(path)
    if path not in browsing.checked:
        browsing.check_a11y(page)


def top(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"]


def assert_turn_first(page: Page, action: Locator) -> None:
    """On a phone the place to act is the first thing under the top bar: above the topic, the
    instructions and the transcript."""
    expect(action).to_be_visible()
    here = top(action)
    assert here < top(page.locator("#talk-topic"))
    assert here < top(page.locator("details.how"))
    transcript = page.locator("details.transcript")
    if transcript.count():
        assert here < top(transcript)
    # In the first screenful, not below the fold.
    assert here < 844


def test_told_and_heard_under_the_anger_remorse_and_comfort(browsing: Browsing) -> None:
    avery_user, blake_user = couple_in_meaning("one_hurt")
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=url("meaning-under-the-anger"))
    browsing.check_a11y(avery)
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=url("meaning-under-the-anger"))
    browsing.check_a11y(blake)

    # --- under the anger: Avery tells, Blake says back ---------------------------------------------
    shot(blake, "under-the-anger-start")
    blake.get_by_role("button", name="Start").click()
    expect(blake.get_by_role("status")).to_contain_text("It's Avery's turn")
    shot(blake, "under-the-anger-listener-waiting")
    browsing.check_a11y(blake)  # the waiting page, polling every 4 s
    avery.reload()
    speak = avery.get_by_label("You have the floor")
    assert_turn_first(avery, speak)
    shot(avery, "under-the-anger-teller")
    browsing.check_a11y(avery)
    speak.fill("Under the anger is fear: that I can't trust what I see.")
    avery.get_by_role("button", name="Say it").click()
    blake.reload()
    reflect = blake.get_by_label("Say back what you heard")
    assert_turn_first(blake, reflect)
    expect(blake.locator("#talk-topic")).to_contain_text("This time you listen.")
    shot(blake, "under-the-anger-listener-reflects")
    reflect.fill("You're afraid you can't trust your own eyes any more.")
    blake.get_by_role("button", name="This is what I heard").click()
    avery.reload()
    yes = avery.get_by_role("button", name="Yes, that's it")
    assert_turn_first(avery, yes)
    shot(avery, "under-the-anger-teller-confirms")
    # The teller's page with nothing polling: where axe once never came back (the colour change's
    # transitions were awaited, and nothing drew a frame to end them).
    browsing.check_a11y(avery)
    yes.click()
    # The floor stays with Avery, and the transcript sits under the turn.
    assert_turn_first(avery, avery.get_by_label("You have the floor"))
    expect(avery.locator("details.transcript")).to_contain_text("You said")
    shot(avery, "under-the-anger-teller-keeps-floor")
    avery.get_by_role("button", name="I've said what I need to, for now").click()
    expect(avery.locator("body")).to_contain_text("This conversation is finished")

    # --- what was lost, by services (the same screen) ------------------------------------------------
    grief = exercise("meaning-grief-told")
    talk = services.conversation_start(couple=couple_view(avery_user), exercise=grief)
    for who, step in ((avery_user, "speak"), (blake_user, "reflect")):
        getattr(services, f"conversation_{step}")(
            couple=couple_view(who), exercise=grief, conversation_id=talk.pk, text=step
        )
    services.conversation_confirm(
        couple=couple_view(avery_user), exercise=grief, conversation_id=talk.pk, yes=True
    )
    services.conversation_finish(
        couple=couple_view(avery_user), exercise=grief, conversation_id=talk.pk
    )

    # --- remorse: Blake tells, Avery says back ----------------------------------------------------
    go(browsing, avery, url("meaning-remorse"))
    avery.get_by_role("button", name="Start").click()
    expect(avery.get_by_role("status")).to_contain_text("It's Blake's turn")
    expect(avery.get_by_label("You have the floor")).to_have_count(0)
    go(browsing, blake, url("meaning-remorse"))
    speak = blake.get_by_label("You have the floor")
    assert_turn_first(blake, speak)
    shot(blake, "remorse-teller")
    speak.fill("I am sorry for the nights you spent not knowing. I think of them often.")
    blake.get_by_role("button", name="Say it").click()
    avery.reload()
    assert_turn_first(avery, avery.get_by_label("Say back what you heard"))
    shot(avery, "remorse-hurt-partner-reflects")
    avery.get_by_label("Say back what you heard").fill("You're sorry for those nights.")
    avery.get_by_role("button", name="This is what I heard").click()
    blake.reload()
    blake.get_by_role("button", name="Yes, that's it").click()
    blake.get_by_role("button", name="I've said what I need to, for now").click()
    expect(blake.locator("body")).to_contain_text("This conversation is finished")

    # --- asking for comfort; the comfort given in Blake's note ---------------------------------------
    comfort = exercise("meaning-asking-for-comfort")
    go(browsing, avery, url(comfort.slug))
    avery.get_by_role("button", name="Start").click()
    avery.get_by_label("You have the floor").fill("I needed you to stay and hold me.")
    avery.get_by_role("button", name="Say it").click()
    go(browsing, blake, url(comfort.slug))
    blake.get_by_label("Say back what you heard").fill("You needed me to stay.")
    blake.get_by_role("button", name="This is what I heard").click()
    avery.reload()
    avery.get_by_role("button", name="Yes, that's it").click()
    avery.get_by_role("button", name="I've said what I need to, for now").click()
    blake.reload()
    note = blake.get_by_label(comfort.note_listener)
    assert_turn_first(blake, note)
    shot(blake, "comfort-listener-offers")
    note.fill("I'm here. When it comes back, I'll stay with you, and hold you if you want.")
    blake.get_by_role("button", name="Save my commitment").click()
    avery.reload()
    avery.get_by_label(comfort.note_teller).fill("I'll say: I need you now.")
    avery.get_by_role("button", name="Save my commitment").click()
    avery.get_by_role("button", name="We agree — keep this note").click()
    blake.reload()
    blake.get_by_role("button", name="We agree — keep this note").click()
    expect(blake.locator("body")).to_contain_text("This conversation is finished")
    expect(blake.locator("body")).to_contain_text("When it comes back, I'll stay with you")
    shot(blake, "comfort-ended")
    browsing.check_a11y(blake)
    assert ExerciseCompletion.objects.filter(exercise=comfort.slug).count() == 2


def test_neutral_roles_take_turns_and_nobody_is_asked_for_remorse(browsing: Browsing) -> None:
    avery_user, blake_user = couple_in_meaning("neutral")
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=url("meaning-under-the-anger"))
    browsing.check_a11y(avery)
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=url("meaning-remorse"))
    browsing.check_a11y(blake)
    expect(blake.locator("body")).to_contain_text("isn't asked of either of you")
    expect(blake.get_by_role("button", name="Start")).to_have_count(0)
    shot(blake, "neutral-remorse-not-asked")

    under = exercise("meaning-under-the-anger")
    expect(avery.locator("#talk-topic")).to_contain_text(under.prompt_neutral)
    avery.get_by_role("button", name="Start — I'll speak first").click()
    avery.get_by_label("You have the floor").fill("Under mine is shame.")
    avery.get_by_role("button", name="Say it").click()
    go(browsing, blake, url(under.slug))
    blake.get_by_label("Say back what you heard").fill("You feel shame.")
    blake.get_by_role("button", name="This is what I heard").click()
    avery.reload()
    avery.get_by_role("button", name="Yes, that's it").click()
    # Two-way: the floor passes to Blake.
    expect(avery.get_by_role("status")).to_contain_text("It's Blake's turn")
    blake.reload()
    assert_turn_first(blake, blake.get_by_label("You have the floor"))
    shot(blake, "neutral-floor-passes")
    for page in (avery, blake):
        body = page.locator("body").inner_text()
        assert "remorse" not in body.lower()
        assert "apolog" not in body.lower()
