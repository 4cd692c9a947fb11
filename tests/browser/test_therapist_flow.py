"""The couple's own therapist, end to end at phone width: Avery invites Theo by email, Theo accepts
with his account, Avery and Blake each say yes on their own, Theo reads the window (and it is
logged), Blake ends it, and Theo's page is a 404 at once. The printable summary is printed to PDF
on A4 and on Letter (tests/artifacts/), for a person to look at."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from checkins.models import SHAREABLE_FIELDS, CheckIn, Visibility
from repair.couples.models import Couple, User
from repair.program.models import AgreementVersion, Commitment, Conversation
from rituals.models import OccurrenceMark, ScheduledRitual
from tests.browser.browsing import Browsing
from tests.browser.helpers import ARTIFACTS_DIR, sign_in, snap
from tests.factories import PASSWORD, make_couple, make_user

pytestmark = pytest.mark.browser


def _seed(avery: User, blake: User, couple: Couple) -> None:
    today = avery.local_today()
    for day in range(0, 21, 2):
        for person, base in ((avery, 2), (blake, 3)):
            CheckIn.objects.create(
                user=person,
                couple=couple,
                local_date=today - timedelta(days=day),
                visibility=Visibility.SHARED,
                shared_fields=list(SHAREABLE_FIELDS),
                safety=min(5, base + (day < 10)),
                closeness=base,
                mood=min(5, base + 1),
                need="Blake's note for Avery only" if person == blake else "",
            )
    ritual = ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=0,
        local_time=time(19, 0),
        created_by=avery,
    )
    for week, status in ((1, "kept"), (2, "kept"), (3, "skipped")):
        for person in (avery, blake):
            OccurrenceMark.objects.create(
                ritual=ritual, user=person, date=today - timedelta(days=7 * week), status=status
            )
    AgreementVersion.objects.create(
        couple=couple,
        exercise="safety-honesty-agreement",
        number=1,
        text="We tell each other when a contact from the past gets in touch, the same day.",
        proposed_by=avery,
        in_force_at=timezone.now() - timedelta(days=12),
    )
    conversation = Conversation.objects.create(
        couple=couple,
        exercise="attunement-speaker-listener",
        floor=avery,
        state=Conversation.State.ENDED,
        ended_at=timezone.now() - timedelta(days=3),
    )
    Commitment.objects.create(
        conversation=conversation,
        user=avery,
        text="I will say when I need a pause, instead of going quiet.",
        agreed_at=timezone.now() - timedelta(days=3),
    )


def test_invite_both_agree_therapist_views_one_ends_it_and_the_page_is_gone(
    browsing: Browsing,
) -> None:
    avery, blake = make_user("Avery"), make_user("Blake")
    theo = make_user("Theo", email="theo@example.com", safety_checked=False)
    couple = make_couple(avery, blake)
    _seed(avery, blake, couple)

    # Avery invites Theo.
    page_a = sign_in(browsing, "Avery", avery, PASSWORD, landing="/therapist/ours/")
    browsing.check_a11y(page_a)
    snap(page_a, "therapist-ours-empty")
    page_a.get_by_label("Your therapist's email address").fill("theo@example.com")
    page_a.get_by_role("button", name="Send the invitation").click()
    expect(page_a.get_by_text("The invitation is on its way")).to_be_visible()
    [email] = [m for m in mail.outbox if "theo@example.com" in m.to]
    link = re.search(r"http\S+/therapist/invite/\S+/", str(email.body))
    assert link is not None
    token_path = link.group(0).split("/therapist/", 1)[1]

    # Theo opens the link signed out, signs in, and accepts.
    page_t = browsing.new_page("Theo")
    page_t.goto(f"/therapist/{token_path}")
    expect(
        page_t.get_by_role("heading", name="A couple you work with has invited you")
    ).to_be_visible()
    browsing.check_a11y(page_t)
    snap(page_t, "therapist-invite")
    page_t.get_by_role("link", name="I already have an account").click()
    page_t.locator("input[name=login]").fill(theo.email)
    page_t.locator("input[name=password]").fill(PASSWORD)
    page_t.get_by_role("button", name="Sign in").click()
    expect(page_t).to_have_url(f"{browsing.base_url}/therapist/invite/")
    browsing.check_a11y(page_t)
    page_t.get_by_role("button", name="Accept").click()
    expect(page_t.get_by_role("heading", name="Your couples")).to_be_visible()
    expect(page_t.get_by_text("it opens once both partners have said yes")).to_be_visible()
    expect(page_t.get_by_text("Avery")).to_have_count(0)
    browsing.check_a11y(page_t)
    snap(page_t, "therapist-home-waiting")

    # Avery says yes, with every kind; Blake says yes, without commitment notes.
    page_a.goto("/therapist/ours/")
    page_a.get_by_role("button", name="Yes, I agree").click()
    expect(page_a.get_by_text("Not open yet")).to_be_visible()
    page_b = sign_in(browsing, "Blake", blake, PASSWORD, landing="/therapist/ours/")
    page_b.get_by_label("Commitment notes").uncheck()
    page_b.get_by_role("button", name="Yes, I agree").click()
    expect(page_b.get_by_role("heading", name="Open", exact=True)).to_be_visible()
    browsing.check_a11y(page_b)
    snap(page_b, "therapist-ours-open")

    # Theo reads Avery and Blake's page: what both chose, no commitment notes, no partner-only note.
    page_t.goto("/therapist/")
    page_t.get_by_role("link", name="Avery & Blake").click()
    expect(page_t.get_by_role("heading", name="Avery & Blake")).to_be_visible()
    expect(page_t.get_by_text("We tell each other when a contact")).to_be_visible()
    expect(page_t.get_by_text("I will say when I need a pause")).to_have_count(0)
    expect(page_t.get_by_text("Blake's note for Avery only")).to_have_count(0)
    browsing.check_a11y(page_t)
    snap(page_t, "therapist-couple")
    couple_url = page_t.url

    # The summary, printed on both paper sizes.
    page_t.get_by_role("link", name="A summary to print").click()
    expect(page_t.get_by_role("heading", name="Check-in trends")).to_be_visible()
    browsing.check_a11y(page_t)
    snap(page_t, "therapist-summary")
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    for size in ("A4", "Letter"):
        page_t.emulate_media(media="print")
        page_t.pdf(path=str(ARTIFACTS_DIR / f"therapist-summary-{size}.pdf"), format=size)
    page_t.emulate_media(media="screen")
    page_a.goto("/therapist/ours/summary/")
    expect(page_a.get_by_role("heading", name="Commitments")).to_be_visible()
    browsing.check_a11y(page_a)
    snap(page_a, "couple-summary")
    page_a.pdf(path=str(ARTIFACTS_DIR / "couple-summary-A4.pdf"), format="A4")

    # Both partners see the log.
    page_b.goto("/therapist/ours/")
    expect(page_b.get_by_text("your shared page")).to_be_visible()
    expect(page_b.get_by_text("the printable summary")).to_be_visible()
    snap(page_b, "therapist-ours-log")

    # Blake ends it, alone. Theo's page is gone at once; Avery is not told who.
    page_b.get_by_role("button", name="End your therapist's access").click()
    expect(page_b.get_by_text("Your therapist can no longer see anything here")).to_be_visible()
    response = page_t.goto(couple_url)
    assert response is not None
    assert response.status == 404
    # The browser reports the 404 it was given in its console: expected here.
    browsing.problems[:] = [p for p in browsing.problems if "status of 404" not in p]
    snap(page_t, "therapist-couple-ended")
    page_t.goto("/therapist/")
    expect(page_t.get_by_text("Avery")).to_have_count(0)
    page_a.goto("/therapist/ours/")
    expect(page_a.get_by_text("Your therapist's access ended on")).to_be_visible()
    expect(page_a.get_by_text("Blake")).to_have_count(0)
    snap(page_a, "therapist-ours-ended")
