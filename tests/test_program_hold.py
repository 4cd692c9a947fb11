"""Joint program steps wait while either partner is taking some time (a pause, or stepping aside
after the private check), with the same neutral words for both reasons; the private check is
offered again, to the person alone, before the hurt is told and before the Consent stage."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from repair.couples import services as couple_services
from repair.couples.models import SafetyCheck, User
from repair.program import services
from repair.program.content import program
from repair.program.services import ProgramActionError
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import open_stages_before

pytestmark = pytest.mark.django_db

TALK = program().exercise("attunement-speaker-listener")
TELLING_URL = reverse("program_exercise", args=["attunement", "attunement-telling"])
TALK_URL = reverse("program_exercise", args=["attunement", "attunement-speaker-listener"])
HELD = "One of you is taking some time"


@pytest.fixture
def attunement_open(couple: object, partner_a: User, partner_b: User) -> None:
    open_stages_before("attunement", partner_a, partner_b)


def test_conversation_waits_for_both_while_partner_a_pauses(
    attunement_open: None, partner_a: User, partner_b: User
):
    assert TALK is not None
    couple_services.pause_notify(user=partner_a, minutes=0)
    with pytest.raises(ProgramActionError) as refused:
        services.conversation_start(couple=view(partner_b), exercise=TALK)
    assert refused.value.code == "held"
    page_b = client_for(partner_b).get(TALK_URL).text
    assert HELD in page_b
    assert 'value="start"' not in page_b
    couple_services.pause_end(user=partner_a)
    services.conversation_start(couple=view(partner_b), exercise=TALK)
    assert HELD not in client_for(partner_b).get(TALK_URL).text


def test_stepping_aside_holds_joint_steps_with_the_same_words_as_a_pause(
    attunement_open: None, partner_a: User, partner_b: User
):
    assert TALK is not None
    SafetyCheck.objects.filter(user=partner_a).update(choice=SafetyCheck.Choice.ALONE)
    talk_b = client_for(partner_b).get(TALK_URL).text
    assert HELD in talk_b
    # Nothing on partner B's page says why: no safety words, no "check".
    assert "safety" not in talk_b.split('id="held-heading"')[1].split("</section>")[0].lower()
    with pytest.raises(ProgramActionError) as refused:
        services.conversation_start(couple=view(partner_a), exercise=TALK)
    assert refused.value.code == "held"


def test_saying_ready_waits_while_either_partner_takes_time(
    partner_a: User, partner_b: User, couple: object
):
    safety = program().stages[0]
    for person in (partner_a, partner_b):
        for exercise in safety.required:
            services._complete(view(person), person, exercise, timezone.now())
    couple_services.pause_notify(user=partner_b, minutes=30)
    with pytest.raises(ProgramActionError) as refused:
        services.stage_ready(couple=view(partner_a), stage_slug=safety.slug)
    assert refused.value.code == "held"
    page_a = client_for(partner_a).get(reverse("program_stage", args=[safety.slug])).text
    assert HELD in page_a
    assert "I&#x27;m ready to move on" not in page_a


def test_private_check_offered_to_each_before_the_telling(
    attunement_open: None, partner_a: User, partner_b: User, outsider: User
):
    for person in (partner_a, partner_b):
        services.roles_propose(couple=view(person), kind="one_hurt", hurt=partner_a)
    page_a = client_for(partner_a).get(TELLING_URL).text
    assert "safety/?before=injury&amp;next=" + TELLING_URL in page_a
    couple_services.safety_offer_settle(user=partner_a, moment="injury")
    assert "before=injury" not in client_for(partner_a).get(TELLING_URL).text
    # Partner B's own offer is theirs: A's setting it aside changes nothing for B.
    assert "before=injury" in client_for(partner_b).get(TELLING_URL).text
    assert "before=injury" not in client_for(outsider).get(TELLING_URL).text


def test_private_check_offered_before_the_consent_stage_opens(
    partner_a: User, partner_b: User, couple: object
):
    open_stages_before("consent", partner_a, partner_b)
    consent = reverse("program_stage", args=["consent"])
    assert "before=consent" in client_for(partner_a).get(consent).text
    couple_services.safety_offer_settle(user=partner_a, moment="consent")
    assert "before=consent" not in client_for(partner_a).get(consent).text
    assert "before=consent" in client_for(partner_b).get(consent).text


def test_program_times_follow_each_persons_clock(
    attunement_open: None, partner_a: User, partner_b: User
):
    practice = program().exercise("attunement-that-makes-sense")
    assert practice is not None
    services.practice_log(couple=view(partner_a), exercise=practice, comfortable=True)
    url = reverse("program_exercise", args=["attunement", practice.slug])
    User.objects.filter(pk=partner_a.pk).update(clock="12")
    page = client_for(partner_a).get(url).text
    assert " a.m." in page or " p.m." in page
    User.objects.filter(pk=partner_a.pk).update(clock="")
    page = client_for(partner_a).get(url).text
    assert " a.m." not in page
    assert " p.m." not in page


TELLING = program().exercise("attunement-telling")


def _told(partner_a: User, partner_b: User) -> int:
    assert TELLING is not None
    for person in (partner_a, partner_b):
        services.roles_propose(couple=view(person), kind="one_hurt", hurt=partner_a)
    talk = services.conversation_start(couple=view(partner_b), exercise=TELLING)
    services.conversation_speak(
        couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk, text="the first piece"
    )
    services.conversation_reflect(
        couple=view(partner_b), exercise=TELLING, conversation_id=talk.pk, text="what I heard"
    )
    return talk.pk


def test_the_current_turn_comes_before_the_transcript(
    attunement_open: None, partner_a: User, partner_b: User
):
    _told(partner_a, partner_b)
    page_a = client_for(partner_a).get(TELLING_URL).text
    # Partner A's move (confirm what was heard) is above everything said so far.
    assert page_a.index('value="yes"') < page_a.index("What's been said")


def test_transcript_stays_readable_to_both_after_the_telling_ends(
    attunement_open: None, partner_a: User, partner_b: User, outsider: User
):
    assert TELLING is not None
    cid = _told(partner_a, partner_b)
    services.conversation_confirm(
        couple=view(partner_a), exercise=TELLING, conversation_id=cid, yes=True
    )
    services.conversation_finish(couple=view(partner_a), exercise=TELLING, conversation_id=cid)
    page_a = client_for(partner_a).get(TELLING_URL).text
    page_b = client_for(partner_b).get(TELLING_URL).text
    for page, own, other in (
        (page_a, "the first piece", "what I heard"),
        (page_b, "what I heard", "the first piece"),
    ):
        assert "This conversation is finished" in page
        transcript = page.split("What's been said")[1]
        assert own in transcript
        assert other in transcript
    assert "You said" in page_a.split("What's been said")[1]
    assert f"{partner_a.name} said" in page_b.split("What's been said")[1]
    assert f"{partner_b.name} heard" in page_a.split("What's been said")[1]
    assert "the first piece" not in client_for(outsider).get(TELLING_URL).text


def test_the_check_before_the_telling_is_not_offered_once_it_was_told(
    attunement_open: None, partner_a: User, partner_b: User
):
    assert TELLING is not None
    cid = _told(partner_a, partner_b)
    services.conversation_confirm(
        couple=view(partner_a), exercise=TELLING, conversation_id=cid, yes=True
    )
    services.conversation_finish(couple=view(partner_a), exercise=TELLING, conversation_id=cid)
    assert "before=injury" not in client_for(partner_b).get(TELLING_URL).text
