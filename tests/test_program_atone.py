"""The Atone steps: the injury told by the hurt partner and heard by the other (one speaker: the
floor stays with the teller), then the apology in four parts by the partner who caused the hurt,
every version kept, answered by the hurt partner with no forgiveness asked. Once per direction."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from repair.couples.models import User
from repair.program import selectors as ps
from repair.program import services
from repair.program.content import Exercise, program
from repair.program.models import ApologyVersion, Conversation, ExerciseCompletion
from repair.program.services import ProgramActionError
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import open_stages_before

pytestmark = pytest.mark.django_db


def _shipped(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None
    return found


TELLING = _shipped("attunement-telling")
QUESTIONS = _shipped("attunement-questions")
APOLOGY = _shipped("attunement-apology")
PARTS = {
    "damage": "it broke the ground under you",
    "owning": "I lied, and I chose to",
    "changes": "my phone stays open to you",
    "signs": "you will not have to ask",
}


@pytest.fixture
def attunement_open(couple: object, partner_a: User, partner_b: User) -> None:
    open_stages_before("attunement", partner_a, partner_b)


def agree(a: User, b: User, kind: str, hurt: User | None) -> None:
    services.roles_propose(couple=view(a), kind=kind, hurt=hurt)
    services.roles_propose(couple=view(b), kind=kind, hurt=hurt)


def tell(hurt: User, involved: User, pieces: int = 1) -> Conversation:
    talk = services.conversation_start(couple=view(involved), exercise=TELLING)
    for n in range(pieces):
        services.conversation_speak(
            couple=view(hurt), exercise=TELLING, conversation_id=talk.pk, text=f"piece {n}"
        )
        services.conversation_reflect(
            couple=view(involved), exercise=TELLING, conversation_id=talk.pk, text=f"heard {n}"
        )
        services.conversation_confirm(
            couple=view(hurt), exercise=TELLING, conversation_id=talk.pk, yes=True
        )
    return talk


def questions(hurt: User, involved: User) -> None:
    asked = services.question_ask(couple=view(hurt), exercise=QUESTIONS, text="what did it mean?")
    services.question_answer(
        couple=view(involved), exercise=QUESTIONS, question_id=asked.pk, text="honestly..."
    )
    services.questions_enough(couple=view(hurt), exercise=QUESTIONS)


def test_the_floor_stays_with_the_hurt_partner(
    attunement_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = tell(partner_a, partner_b, pieces=2)  # Blake pressed start; Avery has the floor

    talk.refresh_from_db()
    assert talk.floor_id == partner_a.pk
    assert talk.state == Conversation.State.SPEAKING
    with pytest.raises(ProgramActionError):
        services.conversation_speak(
            couple=view(partner_b), exercise=TELLING, conversation_id=talk.pk, text="but"
        )
    # Only the teller ends it.
    with pytest.raises(ProgramActionError) as error:
        services.conversation_finish(
            couple=view(partner_b), exercise=TELLING, conversation_id=talk.pk
        )
    assert error.value.code == "teller_ends"
    assert not ExerciseCompletion.objects.filter(exercise=TELLING.slug).exists()

    services.conversation_finish(couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk)

    assert ExerciseCompletion.objects.filter(exercise=TELLING.slug).count() == 2


def test_the_teller_cannot_end_before_being_heard(
    attunement_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = services.conversation_start(couple=view(partner_a), exercise=TELLING)
    services.conversation_speak(
        couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk, text="it hurt"
    )
    with pytest.raises(ProgramActionError):
        services.conversation_finish(
            couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk
        )


def test_the_apology_waits_for_the_telling_and_is_only_the_involved_partners(
    attunement_open: None, partner_a: User, partner_b: User, client_b: Client
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    with pytest.raises(ProgramActionError):
        services.apology_write(couple=view(partner_b), exercise=APOLOGY, parts=PARTS)
    page = client_b.get(reverse("program_exercise", args=["attunement", APOLOGY.slug]))
    assert "This comes after" in page.content.decode()

    talk = tell(partner_a, partner_b)
    services.conversation_finish(couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk)
    with pytest.raises(ProgramActionError):  # questions come first
        services.apology_write(couple=view(partner_b), exercise=APOLOGY, parts=PARTS)
    questions(partner_a, partner_b)

    with pytest.raises(ProgramActionError):  # the hurt partner never writes it
        services.apology_write(couple=view(partner_a), exercise=APOLOGY, parts=PARTS)
    with pytest.raises(ProgramActionError) as error:  # four parts, each needed
        services.apology_write(
            couple=view(partner_b), exercise=APOLOGY, parts={**PARTS, "owning": " "}
        )
    assert error.value.code == "apology_part"
    first = services.apology_write(couple=view(partner_b), exercise=APOLOGY, parts=PARTS)
    assert services.apology_write(couple=view(partner_b), exercise=APOLOGY, parts=PARTS) == first
    second = services.apology_write(
        couple=view(partner_b), exercise=APOLOGY, parts={**PARTS, "signs": "you will see it"}
    )
    assert [v.number for v in ApologyVersion.objects.order_by("number")] == [1, 2]

    with pytest.raises(ProgramActionError) as error:
        services.apology_answer(
            couple=view(partner_a), exercise=APOLOGY, version_id=first.pk, heard="h", still_need=""
        )
    assert error.value.code == "superseded"
    with pytest.raises(ProgramActionError):  # the involved partner doesn't answer their own
        services.apology_answer(
            couple=view(partner_b), exercise=APOLOGY, version_id=second.pk, heard="h", still_need=""
        )
    services.apology_answer(
        couple=view(partner_a),
        exercise=APOLOGY,
        version_id=second.pk,
        heard="you said it was your choice",
        still_need="time",
    )

    assert ExerciseCompletion.objects.filter(exercise=APOLOGY.slug).count() == 2
    # Blake's page shows Avery's answer; nowhere is forgiveness asked for.
    page = client_b.get(reverse("program_exercise", args=["attunement", APOLOGY.slug]))
    text = page.content.decode()
    assert "you said it was your choice" in text
    assert "forgive me" not in text.lower()


def test_under_neutral_roles_the_atone_steps_are_asked_of_nobody(
    attunement_open: None, partner_a: User, partner_b: User, client_a: Client
):
    agree(partner_a, partner_b, "neutral", None)

    state = ps.program_state(couple=view(partner_a)).stage("attunement")
    assert state is not None
    required = {s.exercise.slug for s in state.required_states}
    assert TELLING.slug not in required
    assert APOLOGY.slug not in required
    page = client_a.get(reverse("program_exercise", args=["attunement", APOLOGY.slug]))
    assert "isn't asked of either of you" in page.content.decode()
    with pytest.raises(ProgramActionError):
        services.conversation_start(couple=view(partner_a), exercise=TELLING)


def test_until_roles_are_agreed_the_atone_steps_wait_and_still_count(
    attunement_open: None, partner_a: User, client_a: Client
):
    state = ps.program_state(couple=view(partner_a)).stage("attunement")
    assert state is not None
    assert APOLOGY.slug in {s.exercise.slug for s in state.required_states}
    page = client_a.get(reverse("program_exercise", args=["attunement", TELLING.slug]))
    assert reverse("program_roles") in page.content.decode()


def test_both_hurt_runs_the_steps_once_for_each_in_the_chosen_order(
    attunement_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "both_hurt", partner_b)  # Blake's hurt first

    talk = tell(partner_b, partner_a)
    services.conversation_finish(couple=view(partner_b), exercise=TELLING, conversation_id=talk.pk)
    assert not ExerciseCompletion.objects.filter(exercise=TELLING.slug).exists()

    second = tell(partner_a, partner_b)  # now Avery has the floor
    assert second.direction == 1
    assert second.floor_id == partner_a.pk
    services.conversation_finish(
        couple=view(partner_a), exercise=TELLING, conversation_id=second.pk
    )
    assert ExerciseCompletion.objects.filter(exercise=TELLING.slug).count() == 2


TRANSPARENCY = _shipped("attunement-transparency")


def atone_until_transparency(hurt: User, involved: User) -> None:
    talk = tell(hurt, involved)
    services.conversation_finish(couple=view(hurt), exercise=TELLING, conversation_id=talk.pk)
    questions(hurt, involved)
    version = services.apology_write(couple=view(involved), exercise=APOLOGY, parts=PARTS)
    services.apology_answer(
        couple=view(hurt), exercise=APOLOGY, version_id=version.pk, heard="h", still_need=""
    )


def test_transparency_is_written_by_the_involved_partner_and_accepted_by_the_hurt_one(
    attunement_open: None, partner_a: User, partner_b: User, client_a: Client
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    with pytest.raises(ProgramActionError):  # after the apology
        services.agreement_propose(couple=view(partner_b), exercise=TRANSPARENCY, text="t")
    atone_until_transparency(partner_a, partner_b)
    with pytest.raises(ProgramActionError):  # never the hurt partner's to write
        services.agreement_propose(couple=view(partner_a), exercise=TRANSPARENCY, text="t")
    page = client_a.get(reverse("program_exercise", args=["attunement", TRANSPARENCY.slug]))
    assert "hasn't written these yet" in page.content.decode()
    assert 'value="propose"' not in page.content.decode()

    version = services.agreement_propose(
        couple=view(partner_b), exercise=TRANSPARENCY, text="I told them it is over"
    )
    with pytest.raises(ProgramActionError):  # the author cannot accept their own into force
        services.agreement_accept(
            couple=view(partner_b), exercise=TRANSPARENCY, version_id=version.pk
        )
    services.agreement_accept(couple=view(partner_a), exercise=TRANSPARENCY, version_id=version.pk)

    version.refresh_from_db()
    assert version.in_force_at is not None
    assert version.review_on is not None
    assert ExerciseCompletion.objects.filter(exercise=TRANSPARENCY.slug).count() == 2


def test_questions_are_the_hurt_partners_to_ask_and_the_others_to_answer(
    attunement_open: None, partner_a: User, partner_b: User, client_a: Client
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    with pytest.raises(ProgramActionError):  # after the telling
        services.question_ask(couple=view(partner_a), exercise=QUESTIONS, text="why?")
    talk = tell(partner_a, partner_b)
    services.conversation_finish(couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk)

    with pytest.raises(ProgramActionError):  # the involved partner doesn't ask
        services.question_ask(couple=view(partner_b), exercise=QUESTIONS, text="why?")
    first = services.question_ask(couple=view(partner_a), exercise=QUESTIONS, text="why then?")
    with pytest.raises(ProgramActionError):  # nor does the hurt partner answer
        services.question_answer(
            couple=view(partner_a), exercise=QUESTIONS, question_id=first.pk, text="x"
        )
    services.question_park(
        couple=view(partner_b), exercise=QUESTIONS, question_id=first.pk, park=True
    )
    with pytest.raises(ProgramActionError) as error:
        services.question_answer(
            couple=view(partner_b), exercise=QUESTIONS, question_id=first.pk, text="x"
        )
    assert error.value.code == "parked"
    services.question_park(
        couple=view(partner_a), exercise=QUESTIONS, question_id=first.pk, park=False
    )
    services.question_answer(
        couple=view(partner_b), exercise=QUESTIONS, question_id=first.pk, text="I felt unseen"
    )
    services.question_ask(
        couple=view(partner_a), exercise=QUESTIONS, text="why then?", again_of=first.pk
    )

    page = client_a.get(reverse("program_exercise", args=["attunement", QUESTIONS.slug]))
    text = page.content.decode()
    assert "I felt unseen" in text
    assert "Asking again is normal" in text
    assert not ExerciseCompletion.objects.filter(exercise=QUESTIONS.slug).exists()
    services.questions_enough(couple=view(partner_a), exercise=QUESTIONS)
    assert ExerciseCompletion.objects.filter(exercise=QUESTIONS.slug).count() == 2


def test_a_sitting_of_questions_is_bounded(attunement_open: None, partner_a: User, partner_b: User):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = tell(partner_a, partner_b)
    services.conversation_finish(couple=view(partner_a), exercise=TELLING, conversation_id=talk.pk)
    start = timezone.now()
    services.question_ask(couple=view(partner_a), exercise=QUESTIONS, text="one", now=start)
    services.question_ask(
        couple=view(partner_a), exercise=QUESTIONS, text="two", now=start + timedelta(minutes=30)
    )
    with pytest.raises(ProgramActionError) as error:
        services.question_ask(
            couple=view(partner_a),
            exercise=QUESTIONS,
            text="three",
            now=start + timedelta(minutes=50),
        )
    assert error.value.code == "session_over"
    # After a rest, a new sitting.
    services.question_ask(
        couple=view(partner_a), exercise=QUESTIONS, text="three", now=start + timedelta(hours=4)
    )


@pytest.mark.parametrize("mode", ["two-way", "one speaker"])
def test_words_are_always_attributed_to_their_author_at_every_step(
    attunement_open: None, partner_a: User, partner_b: User, mode: str
):
    """Every step of both modes, for both partners: whatever is shown under "You said" / "You
    heard" is the viewer's own words, and under the partner's name the partner's."""
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = TELLING if mode == "one speaker" else _shipped("attunement-speaker-listener")
    page_url = reverse("program_exercise", args=["attunement", talk.slug])
    clients = {partner_a.pk: client_for(partner_a), partner_b.pk: client_for(partner_b)}
    names = {partner_a.pk: partner_a.name, partner_b.pk: partner_b.name}
    written: dict[str, int] = {}
    seen: list[str] = []

    def check() -> None:
        for viewer, client in clients.items():
            html = client.get(page_url).content.decode()
            for words, author in written.items():
                if words not in html:
                    continue
                seen.append(words)
                before = html[: html.index(words)]
                label = re.findall(r'<p class="hint">([^<]*)</p>', before)[-1]
                if author == viewer:
                    assert label.startswith("You"), (label, words)
                else:
                    assert label.startswith(names[author]), (label, words)

    conversation = services.conversation_start(couple=view(partner_a), exercise=talk)
    cid = conversation.pk
    for turn in range(4):
        conversation.refresh_from_db()
        speaker = conversation.floor_id
        listener = partner_b.pk if speaker == partner_a.pk else partner_a.pk
        speaker_user = partner_a if speaker == partner_a.pk else partner_b
        listener_user = partner_b if speaker_user == partner_a else partner_a
        said, heard = f"said {turn} by {names[speaker]}", f"heard {turn} by {names[listener]}"
        services.conversation_speak(
            couple=view(speaker_user), exercise=talk, conversation_id=cid, text=said
        )
        written[said] = speaker
        check()
        services.conversation_reflect(
            couple=view(listener_user), exercise=talk, conversation_id=cid, text=heard
        )
        written[heard] = listener
        check()
        services.conversation_confirm(
            couple=view(speaker_user), exercise=talk, conversation_id=cid, yes=True
        )
        check()
    # Each step showed both partners the newest words at least.
    assert len(seen) >= 4 * 3 * 2
