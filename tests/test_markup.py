"""Every page's markup passes the Nu Html Checker (vnu.jar, which `make test` fetches; Debian's Java
runs it): each page a partner can open, with a couple's worth of things on it, and the pages of
someone signed out. One checker run for all pages (the JVM starts once)."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from checkins.models import SHAREABLE_FIELDS, CheckIn, Visibility
from repair.couples.models import Couple, Invite, User
from repair.lib.tokens import token_hash
from repair.program.content import program
from repair.program.models import AgreementVersion, Commitment, Conversation, TrackEntry
from rituals.models import GratitudeNote, Proposal, ScheduledRitual
from tests.access_matrix import MATRIX, TOKEN, World
from tests.conftest import client_for
from tests.factories import make_therapist_access, make_user
from tests.nu import nu_errors

# Signed out: the pages anyone may open.
SIGNED_OUT = (
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "pause",
    "resources",
    "reads",
)
# allauth's pages for someone signed in (not in the access matrix: allauth's URLs are its own).
SIGNED_IN_ACCOUNT = ("account_email", "account_change_password", "account_logout")


def _world(couple: Couple, avery: User, blake: User) -> World:
    """Avery and Blake with something of everything a page can show, including two agreement
    reviews on one day and a finished conversation's commitment note."""
    now = timezone.now()
    invite = Invite.objects.create(
        couple=couple,
        created_by=avery,
        token_hash=token_hash(TOKEN),
        expires_at=now + timedelta(days=3),
    )
    shared = CheckIn.objects.create(
        user=blake,
        couple=couple,
        local_date=blake.local_today(),
        visibility=Visibility.SHARED,
        shared_fields=list(SHAREABLE_FIELDS),
        helped="Blake's shared words",
    )
    CheckIn.objects.create(user=avery, couple=couple, local_date=avery.local_today())
    review_on = avery.local_today() + timedelta(days=1)
    agreements = [e for e in program().exercises if e.type == "agreement"][:2]
    for exercise in agreements:
        AgreementVersion.objects.create(
            couple=couple,
            exercise=exercise.slug,
            number=1,
            text="Our words",
            proposed_by=avery,
            in_force_at=now,
            review_on=review_on,
        )
    talk = next(e for e in program().exercises if e.type == "conversation")
    conversation = Conversation.objects.create(
        couple=couple, exercise=talk.slug, floor=avery, state=Conversation.State.ENDED, ended_at=now
    )
    Commitment.objects.create(
        conversation=conversation, user=avery, text="I'll call.", agreed_at=now
    )
    ScheduledRitual.objects.create(
        couple=couple,
        ritual="weekly-touchpoint",
        cadence="weekly",
        weekday=avery.local_today().weekday(),
        local_time=time(19, 0),
        created_by=avery,
    )
    # Suggestions for both in each state a page shows: Blake's waiting for Avery's answer, and
    # Avery's own waiting for Blake and let pass for now.
    for slug, by, proposal in (
        ("reset-breath", blake, Proposal.WAITING),
        ("date-night", avery, Proposal.WAITING),
        ("cooking-together", avery, Proposal.NOT_NOW),
    ):
        ScheduledRitual.objects.create(
            couple=couple,
            ritual=slug,
            cadence="daily",
            local_time=time(8, 0),
            created_by=by,
            proposal=proposal,
        )
    GratitudeNote.objects.create(couple=couple, sender=blake, text="Thank you")
    # Written in their own track, so its pages show the saved answer and its date.
    TrackEntry.objects.create(user=avery, exercise="track-neutral-how-you-are", text="My words")
    reflection = next(e for e in program().stages[0].exercises if e.type == "reflection")
    # Their therapist, Theo, with access open: his pages are checked too.
    access, _token = make_therapist_access(
        couple, make_user("Theo", safety_checked=False), agreed_by=(avery, blake)
    )
    return World(
        couple=couple,
        invite=invite,
        shared_checkin=shared,
        reflection_slug=reflection.slug,
        therapist_access=access,
    )


def _pages(world: World, avery: User) -> dict[str, str]:
    """Every full HTML page Avery can open (by the access matrix), and the signed-out ones."""
    pages: dict[str, str] = {}
    signed_in = client_for(avery)
    for name, row in sorted(MATRIX.items()):
        if row.get["partner_a"] != 200:
            continue
        url = reverse(name, kwargs=row.kwargs(world))
        for variant in ("", "?view=month") if name == "rituals:calendar" else ("",):
            response = signed_in.get(url + variant)
            assert response.status_code == 200, (url, response.status_code)
            if response["Content-Type"].startswith("text/html"):
                pages[f"{name}{variant}"] = response.text
    assert world.therapist_access is not None
    assert world.therapist_access.therapist is not None
    therapist = client_for(world.therapist_access.therapist)
    for name, row in sorted(MATRIX.items()):
        if name.startswith("therapists:") and row.get["therapist_agreed"] == 200:
            response = therapist.get(reverse(name, kwargs=row.kwargs(world)))
            assert response.status_code == 200, (name, response.status_code)
            pages[f"therapist: {name}"] = response.text
    for name in SIGNED_IN_ACCOUNT:
        response = signed_in.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.text
    anonymous = Client()
    for name in SIGNED_OUT:
        response = anonymous.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)
        pages[f"signed out: {name}"] = response.text
    return pages


def test_every_page_passes_the_nu_html_checker(
    couple: Couple, partner_a: User, partner_b: User, tmp_path: Path
):
    pages = _pages(_world(couple, partner_a, partner_b), partner_a)
    assert len(pages) > 15, sorted(pages)

    errors = nu_errors(pages, tmp_path)

    assert not errors, f"{len(errors)} markup errors:\n" + "\n".join(errors)


def test_every_page_has_a_meta_description(couple: Couple, partner_a: User, partner_b: User):
    pages = _pages(_world(couple, partner_a, partner_b), partner_a)

    found = {
        name: re.search(r'<meta name="description" content="([^"]*)"', html)
        for name, html in pages.items()
    }
    missing = sorted(name for name, match in found.items() if not match or not match.group(1))
    assert not missing, missing


def test_the_checker_finds_a_broken_page(tmp_path: Path):
    errors = nu_errors(
        {"broken": "<!doctype html><html lang=en><title>x</title><p id=a>1<p id=a>2</html>"},
        tmp_path,
    )

    assert any("Duplicate ID" in error for error in errors), errors
