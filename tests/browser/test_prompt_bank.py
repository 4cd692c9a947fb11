"""The long run in the browser, at phone width: Avery chooses a theme and a weight in the prompt
bank and answers; Blake, on another phone, finds the same prompt and answers; Avery's waiting page
shows both answers by itself. Then the first seasonal check-back, a month on."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from repair.program import services as program_services
from repair.program.bank import bank
from repair.program.content import program
from repair.program.models import BankAnswer, StageReadiness
from tests.browser.browsing import Browsing
from tests.browser.helpers import sign_in, snap
from tests.factories import PASSWORD, couple_view, make_couple, make_user, open_stages_before

pytestmark = pytest.mark.browser

AVERY_WORDS = "Dancing in the kitchen to something terrible from the nineties."
BLAKE_WORDS = "A picnic in the living room when it rains."
POLL_WAIT_MS = 10_000


def test_both_answer_a_prompt_and_it_is_revealed_together(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    open_stages_before("sustaining", avery_user, blake_user)
    url = reverse("program_bank")

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing=url)
    expect(avery.get_by_role("heading", level=1)).to_have_text("Prompts to talk about")
    avery.get_by_label("What about").select_option(label="Play")
    avery.locator("label.chip", has_text="Deeper").click()
    avery.get_by_role("button", name="Show this kind").click()
    prompt = avery.locator("#prompt-heading")
    expect(avery.locator("#bank-live .eyebrow")).to_have_text("Play · Deeper")
    prompt_text = prompt.inner_text()
    assert prompt_text in {p.text for p in bank().lane("play", "deeper")}
    browsing.check_a11y(avery)
    snap(avery, "bank-avery-choosing")

    avery.get_by_label("Your answer").fill(AVERY_WORDS)
    avery.get_by_role("button", name="Send my answer").click()
    live = avery.locator("#bank-live")
    expect(live.get_by_role("status")).to_contain_text("Your answer is in.")
    expect(live).to_have_attribute("data-hx-trigger", "every 4s")
    # No axe run while the page polls: axe briefly sets style attributes, and an htmx swap landing
    # in that moment copies one (attributesToSettle), which the CSP rightly blocks. The same page
    # is checked below once both answers are shown and the polling has stopped.
    snap(avery, "bank-avery-waiting")

    # Blake opens the bank where the couple left off, and sees the same prompt, not Avery's words.
    blake = sign_in(browsing, "Blake", blake_user, PASSWORD, landing=url)
    expect(blake.locator("#prompt-heading")).to_have_text(prompt_text)
    assert AVERY_WORDS not in blake.content()
    blake.get_by_label("Your answer").fill(BLAKE_WORDS)
    blake.get_by_role("button", name="Send my answer").click()
    both = blake.locator("#bank-live .side-by-side")
    expect(both).to_contain_text(AVERY_WORDS)
    expect(both).to_contain_text(BLAKE_WORDS)
    # A new prompt of the same kind waits below, different from the one just answered.
    expect(blake.locator("#prompt-heading")).not_to_have_text(prompt_text)
    browsing.check_a11y(blake)
    snap(blake, "bank-blake-revealed")

    # Avery's page shows both by itself, and stops asking.
    side = avery.locator("#bank-live .side-by-side")
    expect(side).to_contain_text(BLAKE_WORDS, timeout=POLL_WAIT_MS)
    expect(avery.locator("[data-hx-trigger]")).to_have_count(0)
    browsing.check_a11y(avery)
    snap(avery, "bank-avery-revealed")
    assert BankAnswer.objects.count() == 2

    avery.goto(reverse("program_bank_past"))
    expect(avery.locator("main")).to_contain_text(BLAKE_WORDS)
    browsing.check_a11y(avery)
    snap(avery, "bank-past")


def test_the_first_check_back_a_month_on(browsing: Browsing) -> None:
    avery_user, blake_user = make_user("Avery"), make_user("Blake")
    make_couple(avery_user, blake_user)
    open_stages_before("sustaining", avery_user, blake_user)
    StageReadiness.objects.filter(stage="meaning").update(
        ready_at=timezone.now() - timedelta(days=40)
    )
    pause_plan = program().exercise("safety-pause-plan")
    assert pause_plan is not None
    version = program_services.agreement_propose(
        couple=couple_view(avery_user), exercise=pause_plan, text="We pause for twenty minutes."
    )
    program_services.agreement_accept(
        couple=couple_view(blake_user), exercise=pause_plan, version_id=version.pk
    )

    avery = sign_in(browsing, "Avery", avery_user, PASSWORD, landing="/")
    card = avery.locator(
        "section", has=avery.get_by_role("heading", name="A check-back for the season")
    )
    expect(card).to_be_visible()
    browsing.check_a11y(avery)
    snap(avery, "check-back-today-card")
    card.get_by_role("link", name="Open the check-back").click()
    expect(avery.get_by_role("heading", level=1)).to_have_text("Check-back after 1 month")
    browsing.check_a11y(avery)
    avery.get_by_label("Still right").check()
    expect(
        avery.get_by_role("link", name=re.compile(r"^Change it\W+Our pause plan$"))
    ).to_have_attribute(
        "href",
        reverse("program_exercise", args=["safety", "safety-pause-plan"]) + "#agreement-text",
    )
    avery.get_by_label("Looking back on these months").fill("Calmer than I feared.")
    avery.get_by_label("What you'd like for the two of you").fill("More walks at the weekend")
    avery.get_by_role("button", name="Send my line").click()
    expect(avery.get_by_role("status")).to_contain_text("Your line is in.")
    expect(avery.get_by_label("Still right")).to_be_checked()
    browsing.check_a11y(avery)
    snap(avery, "check-back-avery-sent")
