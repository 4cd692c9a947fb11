"""The repair journey in the browser, two partners on phones: roles agreed together, the injury
told and heard, questions answered, the apology written and answered, transparency commitments
accepted, and the Consent stage opening; with "we'd rather not say", in which nobody is asked to
apologise; and with "we both hurt each other", where the steps run once for each."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from repair.couples.models import User
from repair.program import services
from repair.program.content import Exercise, program
from repair.program.models import ExerciseCompletion
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, couple_view, make_couple, make_user, open_stages_before

pytestmark = pytest.mark.browser

SHOTS = Path("/work/wt/shots")
ATONE = (
    "attunement-telling",
    "attunement-questions",
    "attunement-apology",
    "attunement-transparency",
)


def shot(page: Page, name: str) -> None:
    snap(page, f"atone-{name}")
    if SHOTS.is_dir():
        page.screenshot(path=str(SHOTS / f"roles-{name}.png"), full_page=True)


def exercise(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None
    return found


def url(slug: str) -> str:
    return reverse("program_exercise", args=["attunement", slug])


def couple_in_attunement() -> tuple[User, User]:
    """Avery and Blake, with Safety behind them and every Attunement exercise but the Atone steps
    done, so what is left before Consent is the Atone sequence."""
    avery, blake = make_user("Avery"), make_user("Blake")
    couple = make_couple(avery, blake)
    open_stages_before("attunement", avery, blake)
    stage = program().stage("attunement")
    assert stage is not None
    for person in (avery, blake):
        for e in stage.required:
            if e.slug not in ATONE:
                ExerciseCompletion.objects.create(couple=couple, user=person, exercise=e.slug)
    return avery, blake


def go(browsing: Browsing, page: Page, path: str) -> None:
    """Open a page; axe runs on each path the first time it is seen (the same screen in another
    state is covered by the tests of that screen)."""
    page.goto(path)
    if path not in browsing.checked:
        browsing.check_a11y(page)


def agree_in_browser(browsing: Browsing, avery: Page, blake: Page, a: str, b: str) -> None:
    go(browsing, avery, reverse("program"))
    expect(avery.get_by_role("heading", name="First, together: whose hurt")).to_be_visible()
    avery.get_by_role("link", name="Whose hurt is this about?").click()
    browsing.check_a11y(avery)
    shot(avery, "roles-form")
    avery.get_by_label(a).check()
    avery.get_by_role("button", name="Send my answer").click()
    expect(avery.locator("p.waiting")).to_contain_text("Your answer is in")
    browsing.check_a11y(avery)
    shot(avery, "roles-waiting")

    go(browsing, blake, reverse("program_roles"))
    expect(blake.locator("p.waiting")).to_contain_text("Avery has answered")
    blake.get_by_label(b).check()
    blake.get_by_role("button", name="Send my answer").click()
    expect(blake.get_by_role("heading", name="You've agreed")).to_be_visible()
    browsing.check_a11y(blake)
    shot(blake, "roles-agreed")


def test_roles_then_story_questions_apology_transparency_then_consent_opens(
    browsing: Browsing,
) -> None:
    avery_user, blake_user = couple_in_attunement()
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=reverse("program"))
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=reverse("program"))
    browsing.check_a11y(blake)

    # A mismatch first: both say "I was hurt". Neither learns the other's answer.
    go(browsing, avery, reverse("program_roles"))
    avery.get_by_label("I was hurt by what Blake did").check()
    avery.get_by_role("button", name="Send my answer").click()
    go(browsing, blake, reverse("program_roles"))
    # Avery's answer is nowhere on Blake's page: no radio is checked for Blake yet.
    expect(blake.locator("input[type=radio]:checked")).to_have_count(0)
    blake.get_by_label("I was hurt by what Avery did").check()
    blake.get_by_role("button", name="Send my answer").click()
    expect(blake.get_by_role("heading", name="You see this differently")).to_be_visible()
    shot(blake, "roles-differ")
    expect(blake.locator("body")).not_to_contain_text("Avery chose")

    # They talk, and agree: Avery was hurt.
    agree_in_browser(
        browsing, avery, blake, "I was hurt by what Blake did", "Avery was hurt by what I did"
    )

    # --- the story, told by Avery and heard by Blake ----------------------------------------------
    go(browsing, blake, url("attunement-telling"))
    blake.get_by_role("button", name="Start").click()
    expect(blake.get_by_role("status")).to_contain_text("It's Avery's turn")
    shot(blake, "telling-listener-waiting")
    go(browsing, avery, url("attunement-telling"))
    avery.get_by_label("You have the floor").fill("When I found the messages, the floor went.")
    avery.get_by_role("button", name="Say it").click()
    go(browsing, blake, url("attunement-telling"))
    blake.get_by_label("Say back what you heard").fill("Finding them took the ground away.")
    blake.get_by_role("button", name="This is what I heard").click()
    go(browsing, avery, url("attunement-telling"))
    avery.get_by_role("button", name="Yes, that's it").click()
    # The floor stays with Avery.
    expect(avery.get_by_label("You have the floor")).to_be_visible()
    shot(avery, "telling-teller-keeps-floor")
    avery.get_by_role("button", name="I've said what I need to, for now").click()
    expect(avery.locator("body")).to_contain_text("This conversation is finished")

    # --- questions -------------------------------------------------------------------------------
    go(browsing, avery, url("attunement-questions"))
    avery.get_by_label("Your question").fill("What was missing for you then?")
    avery.get_by_role("button", name="Ask", exact=True).click()
    go(browsing, blake, url("attunement-questions"))
    blake.get_by_label("Your answer, honestly").fill("I stopped telling you when I felt alone.")
    blake.get_by_role("button", name="Send my answer").click()
    shot(blake, "questions-involved")
    go(browsing, avery, url("attunement-questions"))
    expect(avery.locator("body")).to_contain_text("I stopped telling you")
    avery.get_by_role("button", name="Ask it again").click()
    expect(avery.locator("body")).to_contain_text("Asking again is normal")
    browsing.check_a11y(avery)
    shot(avery, "questions-hurt")
    avery.get_by_role("button", name="I've asked what I need to, for now").click()

    # --- the apology, and Avery's answer -----------------------------------------------------------
    go(browsing, avery, url("attunement-apology"))
    expect(avery.locator("body")).to_contain_text("hasn't sent it yet")
    expect(avery.locator("textarea[name=damage]")).to_have_count(0)  # never Avery's to write
    go(browsing, blake, url("attunement-apology"))
    blake.get_by_role("textbox", name="1. The damage").fill(
        "It took away your trust in your own eyes."
    )
    blake.get_by_role("textbox", name="2. Owning it").fill("I lied to you for months. I chose to.")
    blake.get_by_role("textbox", name="3. The changes").fill(
        "My phone is open to you; I tell you first."
    )
    blake.get_by_role("textbox", name="4. The signs").fill("You won't need to ask where I am.")
    blake.get_by_role("button", name="Send my apology").click()
    expect(blake.locator(".messages")).to_contain_text("Every version is kept")
    browsing.check_a11y(blake)
    shot(blake, "apology-involved")
    go(browsing, avery, url("attunement-apology"))
    expect(avery.locator("article.answer")).to_contain_text("I lied to you for months")
    avery.get_by_role("textbox", name="What you heard").fill(
        "That you chose it, and you know what it cost."
    )
    avery.get_by_role("textbox", name="What you still need").fill(
        "Time, and the phone staying open."
    )
    expect(avery.locator("body")).to_contain_text("You're not asked to forgive")
    shot(avery, "apology-hurt-answering")
    avery.get_by_role("button", name="Send my answer").click()
    browsing.check_a11y(avery)

    # --- transparency ----------------------------------------------------------------------------
    go(browsing, avery, url("attunement-transparency"))
    expect(avery.locator("body")).to_contain_text("hasn't written these yet")
    go(browsing, blake, url("attunement-transparency"))
    blake.get_by_label("The agreement").fill(
        "I have ended contact, in writing. I tell you the same day."
    )
    blake.get_by_role("button", name="Propose this version").click()
    go(browsing, avery, url("attunement-transparency"))
    shot(avery, "transparency-hurt")
    avery.get_by_role("button", name="Accept this version").click()
    expect(avery.get_by_role("heading", name="In force now")).to_be_visible()

    # --- both ready: Consent opens -------------------------------------------------------------------
    for page in (avery, blake):
        go(browsing, page, reverse("program_stage", args=["attunement"]))
        page.get_by_role("button", name="I'm ready to move on").click()
    go(browsing, avery, reverse("program"))
    expect(avery.get_by_role("link", name="3. Consent")).to_be_visible()
    shot(avery, "consent-open")


def test_neutral_roles_nobody_is_asked_to_apologise(browsing: Browsing) -> None:
    avery_user, blake_user = couple_in_attunement()
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=reverse("program"))
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=reverse("program"))
    browsing.check_a11y(blake)
    agree_in_browser(
        browsing,
        avery,
        blake,
        "We'd rather not say (nobody is asked to apologise)",
        "We'd rather not say (nobody is asked to apologise)",
    )
    stage = program().stage("attunement")
    assert stage is not None
    for page in (avery, blake):
        for e in stage.exercises:
            go(browsing, page, url(e.slug))
            body = page.locator("body").inner_text()
            assert "Write your apology" not in body, e.slug
            assert "need from an apology" not in body, e.slug
    go(browsing, avery, url("attunement-apology"))
    expect(avery.locator("body")).to_contain_text("isn't asked of either of you")
    shot(avery, "neutral-apology-not-asked")
    # The Atone steps don't hold the stage up: both can say they're ready.
    for page in (avery, blake):
        go(browsing, page, reverse("program_stage", args=["attunement"]))
        page.get_by_role("button", name="I'm ready to move on").click()
    go(browsing, avery, reverse("program"))
    expect(avery.get_by_role("link", name="3. Consent")).to_be_visible()


def test_both_hurt_runs_the_steps_once_for_each(browsing: Browsing) -> None:
    avery_user, blake_user = couple_in_attunement()
    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=reverse("program"))
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=reverse("program"))
    browsing.check_a11y(blake)
    agree_in_browser(
        browsing,
        avery,
        blake,
        "We both hurt each other: start with my hurt",
        "We both hurt each other: start with Avery's hurt",
    )
    telling, questions = exercise("attunement-telling"), exercise("attunement-questions")

    def told_and_asked(hurt: User, involved: User) -> None:
        talk = services.conversation_start(couple=couple_view(involved), exercise=telling)
        services.conversation_speak(
            couple=couple_view(hurt), exercise=telling, conversation_id=talk.pk, text="it hurt"
        )
        services.conversation_reflect(
            couple=couple_view(involved), exercise=telling, conversation_id=talk.pk, text="heard"
        )
        services.conversation_confirm(
            couple=couple_view(hurt), exercise=telling, conversation_id=talk.pk, yes=True
        )
        services.conversation_finish(
            couple=couple_view(hurt), exercise=telling, conversation_id=talk.pk
        )
        services.questions_enough(couple=couple_view(hurt), exercise=questions)

    told_and_asked(avery_user, blake_user)
    # Round 1: Avery's hurt. Blake writes; Avery is never asked to.
    go(browsing, blake, url("attunement-apology"))
    expect(blake.locator("body")).to_contain_text("Round 1 of 2")
    expect(blake.get_by_role("textbox", name="1. The damage")).to_be_visible()
    go(browsing, avery, url("attunement-apology"))
    expect(avery.locator("textarea[name=damage]")).to_have_count(0)
    for label, text in (
        ("1. The damage", "d"),
        ("2. Owning it", "o"),
        ("3. The changes", "c"),
        ("4. The signs", "s"),
    ):
        blake.get_by_role("textbox", name=label).fill(text)
    blake.get_by_role("button", name="Send my apology").click()
    go(browsing, avery, url("attunement-apology"))
    avery.get_by_role("textbox", name="What you heard").fill("heard")
    avery.get_by_role("button", name="Send my answer").click()

    # Round 2: Blake's hurt. Now the telling is Blake's, and Avery writes the apology.
    go(browsing, avery, url("attunement-telling"))
    avery.get_by_role("button", name="Start").click()
    expect(avery.get_by_role("status")).to_contain_text("It's Blake's turn")
    # The rest of round 2's telling, by services.
    talk_id = int(avery.locator("input[name=conversation]").first.get_attribute("value") or 0)
    services.conversation_speak(
        couple=couple_view(blake_user), exercise=telling, conversation_id=talk_id, text="mine"
    )
    services.conversation_reflect(
        couple=couple_view(avery_user), exercise=telling, conversation_id=talk_id, text="heard"
    )
    services.conversation_confirm(
        couple=couple_view(blake_user), exercise=telling, conversation_id=talk_id, yes=True
    )
    services.conversation_finish(
        couple=couple_view(blake_user), exercise=telling, conversation_id=talk_id
    )
    services.questions_enough(couple=couple_view(blake_user), exercise=questions)
    go(browsing, avery, url("attunement-apology"))
    expect(avery.locator("body")).to_contain_text("Round 2 of 2")
    expect(avery.get_by_role("textbox", name="1. The damage")).to_be_visible()
    shot(avery, "both-hurt-round-2-apology")
    go(browsing, blake, url("attunement-apology"))
    expect(blake.locator("textarea[name=damage]")).to_have_count(0)
