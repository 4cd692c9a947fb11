"""Consent that can be taken back (a closeness step closed again by either partner, privately,
never saying who) and skipping that is real (anything but what keeps the couple safer)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from repair.couples.models import User
from repair.program import selectors as ps
from repair.program import services
from repair.program.content import Exercise, program
from repair.program.services import ProgramActionError
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import open_stages_before

pytestmark = pytest.mark.django_db


def _shipped(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None
    return found


STEP_1 = _shipped("consent-ladder-sitting-close")
STEP_2 = _shipped("consent-ladder-holding-hands")
STEP_3 = next(e for e in program().exercises if e.ladder == "closeness" and e.ladder_step == 3)
STEP_2_URL = reverse("program_exercise", args=["consent", STEP_2.slug])
CONSENT_URL = reverse("program_stage", args=["consent"])


@pytest.fixture
def step_2_open(couple: object, partner_a: User, partner_b: User) -> None:
    open_stages_before("consent", partner_a, partner_b)
    for person in (partner_a, partner_b):
        services.practice_log(couple=view(person), exercise=STEP_1, comfortable=True)


def _state(person: User, exercise: Exercise) -> ps.ExerciseState:
    found = ps.program_state(couple=view(person)).exercise(exercise.slug)
    assert found is not None
    return found


def _closed_section(page: str) -> str:
    section = page.split('aria-labelledby="closed-heading"')[1].split("</section>")[0]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", section)


def test_partner_b_can_close_an_opened_step_and_the_next_one_waits(
    step_2_open: None, partner_a: User, partner_b: User
):
    for person in (partner_a, partner_b):
        services.practice_log(couple=view(person), exercise=STEP_2, comfortable=True)
    assert not _state(partner_a, STEP_3).ladder_locked
    client_for(partner_b).post(STEP_2_URL, {"action": "close"})
    assert _state(partner_a, STEP_2).closed
    assert _state(partner_a, STEP_3).ladder_locked
    with pytest.raises(ProgramActionError) as refused:
        services.exercise_open(couple=view(partner_a), slug=STEP_2.slug)
    assert refused.value.code == "ladder_closed"
    assert "closed for now" in client_for(partner_a).get(CONSENT_URL).text


def test_partner_a_is_never_told_who_closed_the_step(
    step_2_open: None, partner_a: User, partner_b: User
):
    client_for(partner_b).post(STEP_2_URL, {"action": "close"})
    page_a = client_for(partner_a).get(STEP_2_URL).text
    page_b = client_for(partner_b).get(STEP_2_URL).text
    # The same words, to the letter, for the one who closed it and the one who didn't.
    assert _closed_section(page_a) == _closed_section(page_b)
    assert partner_b.display_name not in _closed_section(page_a)
    stage_a = client_for(partner_a).get(CONSENT_URL).text
    stage_b = client_for(partner_b).get(CONSENT_URL).text
    assert stage_a.count("closed for now") == stage_b.count("closed for now") == 1


def test_a_closed_step_opens_again_only_when_both_ask(
    step_2_open: None, partner_a: User, partner_b: User
):
    services.ladder_close(couple=view(partner_a), exercise=STEP_2)
    client_for(partner_a).post(STEP_2_URL, {"action": "reopen"})
    assert _state(partner_a, STEP_2).closed
    assert _state(partner_a, STEP_2).i_asked_reopen
    # Partner B is not told that A asked.
    assert not _state(partner_b, STEP_2).i_asked_reopen
    assert (
        "You&#x27;ve said you&#x27;d like it open again"
        not in client_for(partner_b).get(STEP_2_URL).text
    )
    client_for(partner_b).post(STEP_2_URL, {"action": "reopen"})
    assert not _state(partner_a, STEP_2).closed
    assert "Close this step for now" in client_for(partner_a).get(STEP_2_URL).text


def test_outsider_cannot_close_or_reopen_a_couples_step(
    step_2_open: None, partner_a: User, outsider: User
):
    client_for(outsider).post(STEP_2_URL, {"action": "close"})
    assert not _state(partner_a, STEP_2).closed


def test_a_skipped_exercise_counts_as_my_part_for_moving_on(couple: object, partner_a: User):
    safety = program().stages[0]
    for exercise in safety.required:
        if exercise.skippable:
            services.exercise_skip(couple=view(partner_a), exercise=exercise)
    assert not ps.program_state(couple=view(partner_a)).stages[0].my_part_done
    for exercise in safety.required:
        if not exercise.skippable:
            services._complete(view(partner_a), partner_a, exercise, timezone.now())
    assert ps.program_state(couple=view(partner_a)).stages[0].my_part_done


def test_only_what_keeps_the_couple_safer_cannot_be_skipped():
    essential = {e.slug for e in program().exercises if not e.skippable}
    assert essential == {"safety-pause-plan", "safety-honesty-agreement"}
    with pytest.raises(ProgramActionError):
        services.exercise_skip(couple=None, exercise=_shipped("safety-pause-plan"))  # type: ignore[arg-type]


def test_skipping_is_private_and_can_be_undone(couple: object, partner_a: User, partner_b: User):
    slug = "safety-unsafe-moments"
    url = reverse("program_exercise", args=["safety", slug])
    client_for(partner_a).post(url, {"action": "skip"})
    assert _state(partner_a, _shipped(slug)).mine_skipped
    assert "You let this one go" in client_for(partner_a).get(url).text
    assert "let this one go" not in client_for(partner_b).get(url).text
    stage_b = client_for(partner_b).get(reverse("program_stage", args=["safety"])).text
    assert "let this one go" not in stage_b
    client_for(partner_a).post(url, {"action": "unskip"})
    assert not _state(partner_a, _shipped(slug)).mine_skipped


def test_the_pause_plan_page_offers_no_skip(couple: object, partner_a: User):
    url = reverse("program_exercise", args=["safety", "safety-pause-plan"])
    page = client_for(partner_a).get(url).text
    assert 'value="skip"' not in page
    client_for(partner_a).post(url, {"action": "skip"})
    assert not _state(partner_a, _shipped("safety-pause-plan")).mine_skipped


def test_a_map_can_be_answered_in_part(step_2_open: None, partner_a: User, partner_b: User):
    intimacy = _shipped("consent-intimacy-map")
    first, second = intimacy.items[0].key, intimacy.items[1].key
    services.map_answers_save(couple=view(partner_a), exercise=intimacy, answers={first: "yes"})
    services.map_answers_save(
        couple=view(partner_b), exercise=intimacy, answers={first: "yes", second: "yes"}
    )
    services.map_compare(couple=view(partner_a), exercise=intimacy)
    services.map_compare(couple=view(partner_b), exercise=intimacy)
    assert _state(partner_a, intimacy).both_done
    assert ps.map_view(couple=view(partner_a), exercise=intimacy).both_yes == [first]


def _ready_for_safety(person: User) -> None:
    for exercise in program().stages[0].required:
        services._complete(view(person), person, exercise, timezone.now())
    services.stage_ready(couple=view(person), stage_slug=program().stages[0].slug)


def test_both_see_the_stage_opened_by_the_second_ready_and_the_way_in(
    couple: object, partner_a: User, partner_b: User
):
    _ready_for_safety(partner_a)
    assert "A new stage is open" not in client_for(partner_a).get(reverse("today")).text
    _ready_for_safety(partner_b)
    way_in = 'href="' + reverse("program_stage", args=["attunement"]) + '"'
    for person in (partner_a, partner_b):
        for url in (reverse("today"), reverse("program")):
            page = client_for(person).get(url).text
            assert "A new stage is open: Attunement" in page
            assert way_in in page


def test_partner_a_can_put_the_opened_notice_away_for_themselves(
    couple: object, partner_a: User, partner_b: User, outsider: User
):
    _ready_for_safety(partner_a)
    _ready_for_safety(partner_b)
    stage_url = reverse("program_stage", args=["attunement"])
    done = client_for(partner_a).post(stage_url, {"action": "seen", "next": reverse("today")})
    assert done.status_code == 302
    assert done["Location"] == reverse("today")
    assert "A new stage is open" not in client_for(partner_a).get(reverse("today")).text
    assert "A new stage is open" in client_for(partner_b).get(reverse("today")).text
    hostile = client_for(partner_b).post(
        stage_url, {"action": "seen", "next": "https://evil.example/"}
    )
    assert hostile["Location"] == reverse("program")
