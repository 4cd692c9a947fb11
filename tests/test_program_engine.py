"""The program engine: each exercise type's rules, privacy between partners, gating and the ladder."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from repair.couples.models import User
from repair.program import selectors as ps
from repair.program import services
from repair.program.content import Exercise, program
from repair.program.models import AgreementVersion, Conversation, ExerciseCompletion, ProgramEntry
from repair.program.services import ProgramActionError
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import make_couple, make_user
from tests.factories import open_stages_before as open_up_to

pytestmark = pytest.mark.django_db

A_WORDS = "what I miss most is the easy mornings"
B_WORDS = "I am scared it will happen again"
B_DRAFT = "half a thought I have not sent"
A_DRAFT = "a second thought I keep to myself for now"
A_EDITED = "what I miss most is the slow Sunday walks"


def first(stage: str, kind: str, **where: object) -> Exercise:
    found = program().stage(stage)
    assert found is not None
    for exercise in found.exercises:
        if exercise.type == kind and all(getattr(exercise, k) == v for k, v in where.items()):
            return exercise
    raise AssertionError(f"the shipped program has no {kind} in {stage} with {where}")


def url(exercise: Exercise) -> str:
    return reverse("program_exercise", args=[exercise.stage, exercise.slug])


def finish_stage(stage_slug: str, *people: User) -> None:
    """Mark every required exercise of a stage done for each person and say they're ready."""
    stage = program().stage(stage_slug)
    assert stage is not None
    for person in people:
        for exercise in stage.required:
            ExerciseCompletion.objects.get_or_create(
                couple=view(person).couple, user=person, exercise=exercise.slug
            )
        services.stage_ready(couple=view(person), stage_slug=stage_slug)


# --- reveal together -------------------------------------------------------------------------------


def test_reveal_answer_is_hidden_until_both_have_submitted(
    couple, partner_a: User, partner_b: User
):
    reveal = first("safety", "reveal")
    client_a, client_b = client_for(partner_a), client_for(partner_b)

    client_a.post(url(reveal), {"action": "submit", "text": A_WORDS})
    client_b.post(url(reveal), {"action": "draft", "text": B_DRAFT})

    # A's answer: not in B's page, not in B's polling fragment. B's draft: not in A's page or fragment.
    assert A_WORDS not in client_b.get(url(reveal)).text
    assert A_WORDS not in client_b.get(url(reveal), HTTP_HX_REQUEST="true").text
    assert B_DRAFT not in client_a.get(url(reveal)).text
    waiting = client_a.get(url(reveal), HTTP_HX_REQUEST="true").text
    assert 'data-hx-trigger="every 4s"' in waiting  # A's page keeps asking
    assert B_DRAFT not in waiting

    client_b.post(url(reveal), {"action": "submit", "text": B_WORDS})

    revealed_for_a = client_a.get(url(reveal), HTTP_HX_REQUEST="true").text
    assert A_WORDS in revealed_for_a
    assert B_WORDS in revealed_for_a
    assert "data-hx-trigger" not in revealed_for_a  # polling stops once both are shown
    page_b = client_b.get(url(reveal)).text
    assert A_WORDS in page_b
    assert reveal.discussion.split("\n")[0][:40] in page_b


def test_a_revealed_answer_can_no_longer_be_changed(couple, partner_a: User, partner_b: User):
    reveal = first("safety", "reveal")
    services.entry_save(couple=view(partner_a), exercise=reveal, text=A_WORDS, submit=True)
    services.entry_save(couple=view(partner_b), exercise=reveal, text=B_WORDS, submit=True)

    with pytest.raises(ProgramActionError) as error:
        services.entry_save(couple=view(partner_a), exercise=reveal, text="rewritten", submit=True)
    assert error.value.code == "already_revealed"


def test_sending_an_empty_answer_is_explained_and_nothing_is_lost(couple, partner_a: User):
    reveal = first("safety", "reveal")

    response = client_for(partner_a).post(url(reveal), {"action": "submit", "text": "   "})

    assert response.status_code == 200
    assert (
        "There&#x27;s nothing written yet" in response.text
        or "There's nothing written yet" in response.text
    )
    long_text = "word " * 30
    kept = client_for(partner_a).post(url(reveal), {"action": "bogus", "text": long_text})
    assert long_text.strip() in kept.text


def test_a_draft_is_kept_but_does_not_count_as_done(couple, partner_a: User):
    reflection = first("safety", "reflection")

    client_for(partner_a).post(url(reflection), {"action": "draft", "text": A_WORDS})

    assert A_WORDS in client_for(partner_a).get(url(reflection)).text
    state = ps.program_state(couple=view(partner_a)).exercise(reflection.slug)
    assert state is not None
    assert state.mine_done is False


# --- private reflection --------------------------------------------------------------------------------


def test_partner_cannot_see_private_reflection_until_a_copy_is_shared(
    couple, partner_a: User, partner_b: User
):
    reflection = first("safety", "reflection")
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    client_a.post(url(reflection), {"action": "submit", "text": A_WORDS})

    assert A_WORDS not in client_b.get(url(reflection)).text
    client_a.post(url(reflection), {"action": "share"})
    assert A_WORDS in client_b.get(url(reflection)).text
    client_a.post(url(reflection), {"action": "unshare"})
    assert A_WORDS not in client_b.get(url(reflection)).text


def test_a_draft_saved_after_sharing_does_not_change_what_the_partner_sees(
    couple, partner_a: User, partner_b: User
):
    reflection = first("safety", "reflection")
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    client_a.post(url(reflection), {"action": "submit", "text": A_WORDS})
    client_a.post(url(reflection), {"action": "share"})

    # From a tab opened before sharing, which still offers "Save as draft".
    client_a.post(url(reflection), {"action": "draft", "text": A_DRAFT})

    page_b = client_b.get(url(reflection)).text
    assert A_WORDS in page_b
    assert A_DRAFT not in page_b
    assert A_DRAFT not in str(export_json(client_b)["program"])
    assert A_WORDS in str(export_json(client_b)["program"])


def test_editing_a_shared_reflection_changes_the_partners_copy_only_when_shared_again(
    couple, partner_a: User, partner_b: User
):
    reflection = first("safety", "reflection")
    client_a, client_b = client_for(partner_a), client_for(partner_b)
    client_a.post(url(reflection), {"action": "submit", "text": A_WORDS})
    client_a.post(url(reflection), {"action": "share"})
    assert "Blake sees a copy of exactly this" in client_a.get(url(reflection)).text

    client_a.post(url(reflection), {"action": "submit", "text": A_EDITED})

    assert A_WORDS in client_b.get(url(reflection)).text
    assert A_EDITED not in client_b.get(url(reflection)).text
    mine = html.unescape(client_a.get(url(reflection)).text)
    assert "You've changed this since you shared it." in mine
    assert "Share again to update what Blake sees." in mine

    client_a.post(url(reflection), {"action": "share"})

    assert A_EDITED in client_b.get(url(reflection)).text
    assert A_WORDS not in client_b.get(url(reflection)).text
    assert "You've changed this" not in html.unescape(client_a.get(url(reflection)).text)
    client_a.post(url(reflection), {"action": "unshare"})
    entry = ProgramEntry.objects.get(user=partner_a, exercise=reflection.slug)
    assert (entry.shared_text, entry.shared_at) == ("", None)
    assert A_EDITED not in client_b.get(url(reflection)).text


def export_json(client: Client) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        client.get(reverse("export_data") + "?format=json").content
    )
    return data


# --- maps ------------------------------------------------------------------------------------------------


def test_map_shows_only_mutual_yes_and_both_maybe_never_not_now(
    couple, partner_a: User, partner_b: User
):
    open_up_to("consent", partner_a, partner_b)
    intimacy = first("consent", "map")
    one, two, three, four = (item.key for item in intimacy.items[:4])
    labels = {item.key: item.label for item in intimacy.items}
    services.map_answers_save(
        couple=view(partner_a),
        exercise=intimacy,
        answers={one: "yes", two: "yes", three: "maybe", four: "not_now"},
    )
    services.map_answers_save(
        couple=view(partner_b),
        exercise=intimacy,
        answers={one: "yes", two: "not_now", three: "maybe", four: "yes"},
    )
    assert ps.map_view(couple=view(partner_b), exercise=intimacy).both_yes == []  # not compared

    services.map_compare(couple=view(partner_a), exercise=intimacy)
    services.map_compare(couple=view(partner_b), exercise=intimacy)
    seen_by_b = ps.map_view(couple=view(partner_b), exercise=intimacy)

    assert seen_by_b.both_yes == [one]
    assert seen_by_b.both_maybe == [three]
    page_b = client_for(partner_b).get(url(intimacy)).text
    together = page_b.split("Your answers")[0]
    assert labels[one] in together
    assert labels[two] not in together  # A's yes, B's not now: neither is told
    assert labels[four] not in together  # A's not now is never shown as such


def test_either_partner_lowering_an_item_hides_it_for_both(
    couple, partner_a: User, partner_b: User
):
    small = first("safety", "map")
    key, other = small.items[0].key, small.items[1].key
    for person in (partner_a, partner_b):
        services.map_answers_save(
            couple=view(person), exercise=small, answers={key: "yes", other: "maybe"}
        )
        services.map_compare(couple=view(person), exercise=small)
    assert ps.map_view(couple=view(partner_a), exercise=small).both_yes == [key]
    assert ps.map_view(couple=view(partner_a), exercise=small).both_maybe == [other]

    services.map_answers_save(couple=view(partner_b), exercise=small, answers={key: "maybe"})
    services.map_answers_save(couple=view(partner_a), exercise=small, answers={other: "not_now"})

    for person in (partner_a, partner_b):
        seen = ps.map_view(couple=view(person), exercise=small)
        assert (seen.both_yes, seen.both_maybe) == ([], [])
        assert (
            small.items[0].label
            not in client_for(person).get(url(small)).text.split("Your answers")[0]
        )


VALUES = ("yes", "maybe", "not_now")


def test_a_partner_probing_with_their_own_answers_learns_nothing_beyond_one_honest_round(db):
    """Two Blakes who would look the same after one honest round with Avery, and differ in
    everything else. Avery flips every own answer through every value, compares again and again
    (asking for new rounds only Blake could complete); at every step each Avery is shown exactly
    what the other is. If anything Avery saw depended on what Blake answered beyond that round,
    the two would differ somewhere."""
    small = first("safety", "map")
    keys = [item.key for item in small.items]
    seen_yes, seen_maybe, *rest = keys
    avery_honest = {seen_yes: "yes", seen_maybe: "maybe"} | dict.fromkeys(rest, "not_now")
    # Same on what the honest round compares; everything else different, "not now" included.
    blakes = [
        {seen_yes: "yes", seen_maybe: "maybe"} | {k: VALUES[i % 3] for i, k in enumerate(rest)},
        {seen_yes: "yes", seen_maybe: "maybe"}
        | {k: VALUES[(i + 1) % 3] for i, k in enumerate(rest)},
    ]
    now = timezone.now()

    def probe(blake_answers: dict[str, str]) -> list[object]:
        avery, blake = make_user("Avery"), make_user("Blake")
        make_couple(avery, blake)
        services.map_answers_save(couple=view(blake), exercise=small, answers=blake_answers)
        services.map_compare(couple=view(blake), exercise=small, now=now)
        client = client_for(avery)
        seen: list[object] = []

        def look(*, page: bool = False) -> None:
            shown = ps.map_view(couple=view(avery), exercise=small)
            assert set(shown.both_yes) <= {seen_yes}
            assert set(shown.both_maybe) <= {seen_maybe}
            seen.append((shown.both_yes, shown.both_maybe, shown.compared_at, shown.waiting))
            seen.append(shown.partner_asked)
            if page:
                seen.append(client.get(url(small), HTTP_HX_REQUEST="true").text)
                seen.append(export_maps(client))

        services.map_answers_save(couple=view(avery), exercise=small, answers=avery_honest)
        services.map_compare(couple=view(avery), exercise=small, now=now)
        look(page=True)
        for value in VALUES:
            services.map_answers_save(
                couple=view(avery), exercise=small, answers=dict.fromkeys(keys, value)
            )
            look(page=True)
            services.map_compare(couple=view(avery), exercise=small, now=now)
            look(page=True)
        for key in keys:
            for value in VALUES:
                services.map_answers_save(couple=view(avery), exercise=small, answers={key: value})
                look()
            services.map_compare(couple=view(avery), exercise=small, now=now)
            look()
        look(page=True)
        return seen

    first_world, second_world = (probe(answers) for answers in blakes)

    assert len(first_world) == len(second_world)
    for step, (one, other) in enumerate(zip(first_world, second_world, strict=True)):
        assert one == other, f"step {step}: Avery could tell the two Blakes apart"


def export_maps(client: Client) -> object:
    data = json.loads(client.get(reverse("export_data") + "?format=json").content)
    return [(m["both_yes"], m["both_maybe"]) for m in data["program"]["maps"]]


def test_a_new_round_needs_both_to_compare_and_the_last_one_stays_until_then(
    couple, partner_a: User, partner_b: User
):
    small = first("safety", "map")
    key, later = small.items[0].key, small.items[1].key
    services.map_answers_save(
        couple=view(partner_a), exercise=small, answers={key: "yes", later: "not_now"}
    )
    services.map_answers_save(
        couple=view(partner_b), exercise=small, answers={key: "yes", later: "yes"}
    )
    services.map_compare(couple=view(partner_a), exercise=small)
    assert ps.map_view(couple=view(partner_a), exercise=small).waiting
    services.map_compare(couple=view(partner_b), exercise=small)

    # A says yes to the second item too and asks to compare again: nothing widens yet.
    services.map_answers_save(couple=view(partner_a), exercise=small, answers={later: "yes"})
    assert ps.map_view(couple=view(partner_a), exercise=small).changed_since_compared
    services.map_compare(couple=view(partner_a), exercise=small)
    for_a = ps.map_view(couple=view(partner_a), exercise=small)
    for_b = ps.map_view(couple=view(partner_b), exercise=small)
    assert for_a.both_yes == for_b.both_yes == [key]
    assert (for_a.waiting, for_a.partner_asked) == (True, False)
    assert (for_b.waiting, for_b.partner_asked) == (False, True)
    assert "would like to compare again" in client_for(partner_b).get(url(small)).text
    fragment = client_for(partner_a).get(url(small), HTTP_HX_REQUEST="true").text
    assert 'data-hx-trigger="every 4s"' in fragment  # A's comparison refreshes while waiting
    assert "<form" not in fragment

    services.map_compare(couple=view(partner_b), exercise=small)

    assert ps.map_view(couple=view(partner_a), exercise=small).both_yes == [key, later]
    assert (
        "data-hx-trigger" not in client_for(partner_a).get(url(small), HTTP_HX_REQUEST="true").text
    )


def test_compare_from_the_page_saves_the_answers_and_is_my_part_done(
    couple, partner_a: User, partner_b: User
):
    small = first("safety", "map")
    key = small.items[0].key
    client_a = client_for(partner_a)

    client_a.post(url(small), {key: "yes", "action": "save"})
    assert not ps.program_state(couple=view(partner_a)).exercise(small.slug).mine_done  # type: ignore[union-attr]
    client_a.post(url(small), {key: "yes", "action": "compare"})
    client_for(partner_b).post(url(small), {key: "yes", "action": "compare"})

    assert ps.program_state(couple=view(partner_a)).exercise(small.slug).both_done  # type: ignore[union-attr]
    assert ps.map_view(couple=view(partner_b), exercise=small).both_yes == [key]


def test_a_refused_map_answer_keeps_every_choice_made(couple, partner_a: User):
    small = first("safety", "map")
    key, forged = small.items[0].key, small.items[1].key

    response = client_for(partner_a).post(
        url(small), {key: "maybe", forged: "always", "action": "compare"}
    )

    assert response.status_code == 200
    assert "wasn&#x27;t one of yes, maybe or not now" in response.text
    assert f'name="{key}" value="maybe" checked' in response.text
    assert not ps.map_view(couple=view(partner_a), exercise=small).waiting


def test_a_forged_map_answer_is_refused(couple, partner_a: User):
    intimacy = first("consent", "map")

    with pytest.raises(ProgramActionError):
        services.map_answers_save(
            couple=view(partner_a), exercise=intimacy, answers={"made-up": "yes"}
        )
    with pytest.raises(ProgramActionError):
        services.map_answers_save(
            couple=view(partner_a), exercise=intimacy, answers={intimacy.items[0].key: "always"}
        )


# --- agreements ---------------------------------------------------------------------------------------------


def test_agreement_is_in_force_only_when_both_accept_and_every_version_is_kept(
    couple, partner_a: User, partner_b: User
):
    agreement = first("safety", "agreement")
    v1 = services.agreement_propose(
        couple=view(partner_a), exercise=agreement, text="We share locations on nights out."
    )
    assert ps.agreement_in_force(couple=view(partner_a), exercise_slug=agreement.slug) is None

    services.agreement_accept(couple=view(partner_b), exercise=agreement, version_id=v1.pk)

    live = ps.agreement_in_force(couple=view(partner_a), exercise_slug=agreement.slug)
    assert live is not None
    assert live.pk == v1.pk
    assert (
        live.review_on == timezone.localdate() + timedelta(days=agreement.review_days)
        or live.review_on is not None
    )
    v2 = services.agreement_propose(
        couple=view(partner_b), exercise=agreement, text="We share locations when apart overnight."
    )
    still = ps.agreement_in_force(couple=view(partner_a), exercise_slug=agreement.slug)
    assert still is not None
    assert still.pk == v1.pk  # v2 waits for A
    with pytest.raises(ProgramActionError):
        services.agreement_accept(couple=view(partner_a), exercise=agreement, version_id=v1.pk)
    services.agreement_accept(couple=view(partner_a), exercise=agreement, version_id=v2.pk)
    assert ps.agreement_in_force(couple=view(partner_b), exercise_slug=agreement.slug).pk == v2.pk  # type: ignore[union-attr]
    assert AgreementVersion.objects.filter(couple=couple).count() == 2
    history = ps.agreement_view(couple=view(partner_a), exercise=agreement)
    assert [(v.accepted_by_me, v.accepted_by_partner) for v in history.versions] == [
        (True, True),
        (True, True),
    ]


def test_agreement_review_date_is_a_month_out_by_default(couple, partner_a: User, partner_b: User):
    agreement = first("safety", "agreement")
    v1 = services.agreement_propose(couple=view(partner_a), exercise=agreement, text="Our text.")
    services.agreement_accept(couple=view(partner_b), exercise=agreement, version_id=v1.pk)
    v1.refresh_from_db()

    assert v1.review_on is not None
    assert (v1.review_on - timezone.localdate()).days in (
        agreement.review_days - 1,
        agreement.review_days,
        agreement.review_days + 1,
    )


def test_an_outsider_cannot_accept_another_couples_agreement(
    couple, partner_a: User, outsider: User
):
    agreement = first("safety", "agreement")
    v1 = services.agreement_propose(couple=view(partner_a), exercise=agreement, text="Ours.")

    with pytest.raises(ProgramActionError):
        services.agreement_accept(couple=view(outsider), exercise=agreement, version_id=v1.pk)


# --- gating ----------------------------------------------------------------------------------------------------


def test_the_next_stage_opens_only_when_both_are_done_and_both_are_ready(
    couple, partner_a: User, partner_b: User
):
    second = program().stages[1]
    an_exercise = second.exercises[0]

    assert not ps.program_state(couple=view(partner_a)).stages[1].unlocked
    assert (
        "hasn&#x27;t opened yet" in client_for(partner_a).get(url(an_exercise)).text
        or "hasn't opened yet" in client_for(partner_a).get(url(an_exercise)).text
    )

    finish_stage("safety", partner_a)
    assert not ps.program_state(couple=view(partner_a)).stages[1].unlocked  # B hasn't said ready
    assert not ps.program_state(couple=view(partner_b)).stages[1].unlocked

    finish_stage("safety", partner_b)
    assert ps.program_state(couple=view(partner_a)).stages[1].unlocked
    assert ps.program_state(couple=view(partner_b)).stages[1].unlocked
    assert ps.program_state(couple=view(partner_a)).stages[0].unlocked  # earlier stays open


def test_readiness_needs_your_part_done_first(couple, partner_a: User):
    with pytest.raises(ProgramActionError) as error:
        services.stage_ready(couple=view(partner_a), stage_slug="safety")
    assert error.value.code == "not_yet"


def test_nothing_shows_which_partner_is_behind(couple, partner_a: User, partner_b: User):
    def moving_on_for_b() -> str:
        page = client_for(partner_b).get(reverse("program_stage", args=["safety"])).text
        return page.split('id="ready-heading"')[1]

    before = moving_on_for_b()
    finish_stage("safety", partner_a)  # A has done everything and said ready
    after = moving_on_for_b()

    assert after == before
    assert "Avery" not in client_for(partner_b).get(reverse("program")).text


def test_the_overview_shows_what_is_done_and_what_is_next_never_a_percentage(
    couple, partner_a: User, partner_b: User
):
    stage = program().stage("safety")
    assert stage is not None
    done, following = stage.required[0], stage.required[1]
    for person in (partner_a, partner_b):
        ExerciseCompletion.objects.create(
            couple=view(person).couple, user=person, exercise=done.slug
        )

    page = client_for(partner_a).get(reverse("program")).text

    assert "%" not in page.replace("%}", "")
    assert "of the way through" not in page
    assert "<progress" not in page
    overview = page.split('class="stages"')[1]
    assert f"Done together: {escape(done.title)}" in overview
    assert f'Next together: <a href="{url(following)}">{escape(following.title)}</a>' in overview


def test_ladder_steps_open_only_after_both_say_the_last_felt_comfortable(
    couple, partner_a: User, partner_b: User
):
    open_up_to("consent", partner_a, partner_b)
    step1 = first("consent", "practice", ladder_step=1)
    step2 = first("consent", "practice", ladder_step=2)

    assert ps.program_state(couple=view(partner_a)).exercise(step2.slug).ladder_locked  # type: ignore[union-attr]
    services.practice_log(couple=view(partner_a), exercise=step1, comfortable=True)
    services.practice_log(couple=view(partner_b), exercise=step1, comfortable=False)
    assert ps.program_state(couple=view(partner_a)).exercise(step2.slug).ladder_locked  # type: ignore[union-attr]
    assert "both said it felt comfortable" in client_for(partner_a).get(url(step2)).text

    services.practice_log(couple=view(partner_b), exercise=step1, comfortable=True)
    assert not ps.program_state(couple=view(partner_a)).exercise(step2.slug).ladder_locked  # type: ignore[union-attr]


def test_a_ladder_step_does_not_show_that_the_partner_practised_but_did_not_feel_comfortable(
    couple, partner_a: User, partner_b: User
):
    open_up_to("consent", partner_a, partner_b)
    step1 = first("consent", "practice", ladder_step=1)
    stage_url = reverse("program_stage", args=["consent"])

    def exercises_for_a() -> str:
        page = client_for(partner_a).get(stage_url).text
        return page.split('<ol class="exercises">')[1].split("</ol>")[0]

    services.practice_log(couple=view(partner_a), exercise=step1, comfortable=True)
    before = exercises_for_a()

    services.practice_log(couple=view(partner_b), exercise=step1, comfortable=False)

    # Same page as before Blake practised: the closed step above says nothing about why.
    assert exercises_for_a() == before
    assert not ps.program_state(couple=view(partner_a)).exercise(step1.slug).both_done  # type: ignore[union-attr]
    services.practice_log(couple=view(partner_b), exercise=step1, comfortable=True)
    assert ps.program_state(couple=view(partner_a)).exercise(step1.slug).both_done  # type: ignore[union-attr]


# --- speaker-listener ---------------------------------------------------------------------------------------------


def test_words_spoken_are_credited_to_their_speaker_after_the_floor_passes(
    couple, partner_a: User, partner_b: User
):
    talk = next(e for e in program().exercises if e.type == "conversation")
    open_up_to(talk.stage, partner_a, partner_b)
    a, b = view(partner_a), view(partner_b)
    cid = services.conversation_start(couple=a, exercise=talk).pk
    services.conversation_speak(couple=a, exercise=talk, conversation_id=cid, text="Sunday hurt.")
    services.conversation_reflect(couple=b, exercise=talk, conversation_id=cid, text="It hurt.")
    services.conversation_confirm(couple=a, exercise=talk, conversation_id=cid, yes=True)
    url = reverse("program_exercise", args=[talk.stage, talk.slug])

    # Blake has the floor now; the last words spoken are still Avery's.
    as_avery = client_for(partner_a).get(url).text
    as_blake = client_for(partner_b).get(url).text
    assert "Sunday hurt." in as_avery
    assert "Sunday hurt." in as_blake
    assert "You said" in as_avery
    assert f"{partner_a.name} said" not in as_avery
    assert f"{partner_a.name} said" in as_blake
    assert "You said" not in as_blake


def test_speaker_listener_turns_confirmation_time_out_and_commitment_note(
    couple, partner_a: User, partner_b: User
):
    talk = next(e for e in program().exercises if e.type == "conversation" and e.commitment)
    open_up_to(talk.stage, partner_a, partner_b)
    a, b = view(partner_a), view(partner_b)

    conversation = services.conversation_start(couple=a, exercise=talk)
    assert (
        services.conversation_start(couple=b, exercise=talk).pk == conversation.pk
    )  # one at a time
    cid = conversation.pk
    with pytest.raises(ProgramActionError):
        services.conversation_speak(
            couple=b, exercise=talk, conversation_id=cid, text="not my turn"
        )
    services.conversation_speak(
        couple=a, exercise=talk, conversation_id=cid, text="I felt alone on Sunday."
    )
    services.conversation_reflect(
        couple=b, exercise=talk, conversation_id=cid, text="You were angry."
    )
    services.conversation_confirm(
        couple=a, exercise=talk, conversation_id=cid, yes=False
    )  # not quite
    services.conversation_reflect(
        couple=b, exercise=talk, conversation_id=cid, text="You felt alone."
    )
    services.conversation_confirm(couple=a, exercise=talk, conversation_id=cid, yes=True)
    conversation.refresh_from_db()
    assert conversation.floor_id == partner_b.pk  # the floor passed

    with pytest.raises(ProgramActionError):
        services.conversation_timeout(
            couple=b,
            exercise=talk,
            conversation_id=cid,
            resume_at=timezone.now() + timedelta(hours=30),
        )
    services.conversation_timeout(
        couple=b, exercise=talk, conversation_id=cid, resume_at=timezone.now() + timedelta(hours=2)
    )
    with pytest.raises(ProgramActionError):
        services.conversation_speak(
            couple=b, exercise=talk, conversation_id=cid, text="during a time-out"
        )
    # B called it, so B ends it: A cannot, nor close the talk, until the time B chose.
    with pytest.raises(ProgramActionError) as error:
        services.conversation_resume(couple=a, exercise=talk, conversation_id=cid)
    assert error.value.code == "timeout_theirs"
    with pytest.raises(ProgramActionError):
        services.conversation_finish(couple=a, exercise=talk, conversation_id=cid)
    services.conversation_resume(couple=b, exercise=talk, conversation_id=cid)

    services.conversation_finish(couple=b, exercise=talk, conversation_id=cid)
    services.commitment_write(
        couple=a, exercise=talk, conversation_id=cid, text="I'll text when I'm late."
    )
    with pytest.raises(ProgramActionError):
        services.commitment_agree(couple=a, exercise=talk, conversation_id=cid)  # B hasn't written
    services.commitment_write(
        couple=b, exercise=talk, conversation_id=cid, text="I'll ask before assuming."
    )
    services.commitment_agree(couple=a, exercise=talk, conversation_id=cid)
    services.commitment_agree(couple=b, exercise=talk, conversation_id=cid)

    conversation.refresh_from_db()
    assert conversation.state == Conversation.State.ENDED
    assert ExerciseCompletion.objects.filter(exercise=talk.slug).count() == 2
    page = client_for(partner_a).get(url(talk)).text
    assert "I&#x27;ll ask before assuming." in page or "I'll ask before assuming." in page


def test_the_waiting_partner_polls_and_the_one_to_act_does_not(
    couple, partner_a: User, partner_b: User
):
    finish_stage("safety", partner_a, partner_b)
    talk = first("attunement", "conversation")
    services.conversation_start(couple=view(partner_a), exercise=talk)

    for_a = client_for(partner_a).get(url(talk), HTTP_HX_REQUEST="true").text
    for_b = client_for(partner_b).get(url(talk), HTTP_HX_REQUEST="true").text

    assert "data-hx-trigger" not in for_a  # A has the floor: no refresh under their typing
    assert 'data-hx-trigger="every 4s"' in for_b


# --- pages ---------------------------------------------------------------------------------------------------------


def test_program_page_queries_stay_constant_as_answers_accumulate(
    couple, partner_a: User, partner_b: User, django_assert_max_num_queries
):
    client = client_for(partner_a)
    client.get(reverse("program"))  # the first request after signing in also touches the session
    with django_assert_max_num_queries(10) as before:
        client.get(reverse("program"))
    before_count = len(before.captured_queries)  # read now: the next request resets the log
    finish_stage("safety", partner_a, partner_b)
    finish_stage("attunement", partner_a, partner_b)
    for exercise in program().stages[0].exercises:
        if exercise.type == "practice":
            for _ in range(20):
                services.practice_log(couple=view(partner_a), exercise=exercise, comfortable=True)
    with django_assert_max_num_queries(10) as after:
        client.get(reverse("program"))
    after_count = len(after.captured_queries)

    assert before_count > 0
    assert after_count == before_count


def test_today_suggests_the_single_next_thing(client_a: Client):
    page = client_a.get(reverse("today")).text

    assert program().stages[0].exercises[0].title in page


def test_an_exercise_under_the_wrong_stage_is_a_404(couple, partner_a: User):
    reveal = first("safety", "reveal")

    assert (
        client_for(partner_a)
        .get(reverse("program_exercise", args=["consent", reveal.slug]))
        .status_code
        == 404
    )
    assert (
        client_for(partner_a)
        .get(reverse("program_exercise", args=["safety", "no-such"]))
        .status_code
        == 404
    )


# --- the migration ------------------------------------------------------------------------------------------------


def test_the_migration_keeps_shared_copies_and_freezes_maps_both_had_finished(transactional_db):
    a, b = make_user("Avery"), make_user("Blake")
    couple = make_couple(a, b)
    small = first("safety", "map")
    key, other = small.items[0].key, small.items[1].key
    try:
        call_command("migrate", "repair", "0006", verbosity=0)
        old = MigrationExecutor(connection).loader.project_state(
            [("repair", "0006_watch_agreements_and_conversations")]
        )
        apps = old.apps
        entry = apps.get_model("repair", "ProgramEntry")
        entry.objects.create(
            couple_id=couple.pk,
            user_id=a.pk,
            exercise="safety-unsafe-moments",
            text=A_WORDS,
            submitted_at=timezone.now(),
            shared_at=timezone.now(),
        )
        for person, answers in ((a, ("yes", "maybe")), (b, ("yes", "not_now"))):
            for item, answer in zip((key, other), answers, strict=True):
                apps.get_model("repair", "MapAnswer").objects.create(
                    couple_id=couple.pk,
                    user_id=person.pk,
                    exercise=small.slug,
                    item=item,
                    answer=answer,
                )
            apps.get_model("repair", "ExerciseCompletion").objects.create(
                couple_id=couple.pk, user_id=person.pk, exercise=small.slug
            )
    finally:
        call_command("migrate", verbosity=0)

    assert ProgramEntry.objects.get(user=a).shared_text == A_WORDS
    assert A_WORDS in client_for(b).get(url(first("safety", "reflection"))).text
    seen = ps.map_view(couple=view(b), exercise=small)
    assert (seen.both_yes, seen.both_maybe) == ([key], [])


def test_a_time_out_is_ended_by_its_caller_or_by_either_once_its_time_has_come(
    couple, partner_a: User, partner_b: User
):
    talk = next(e for e in program().exercises if e.type == "conversation" and not e.speaker)
    open_up_to(talk.stage, partner_a, partner_b)
    a, b = view(partner_a), view(partner_b)
    cid = services.conversation_start(couple=a, exercise=talk).pk
    now = timezone.now()
    services.conversation_timeout(
        couple=a, exercise=talk, conversation_id=cid, resume_at=now + timedelta(hours=1), now=now
    )
    page = client_for(partner_b).get(url(talk)).content.decode()
    assert "ends it when they" in page
    assert 'value="resume"' not in page
    with pytest.raises(ProgramActionError):
        services.conversation_resume(
            couple=b, exercise=talk, conversation_id=cid, now=now + timedelta(minutes=5)
        )
    services.conversation_resume(
        couple=b, exercise=talk, conversation_id=cid, now=now + timedelta(hours=2)
    )
    assert Conversation.objects.get(pk=cid).resume_at is None
