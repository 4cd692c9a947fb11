"""Meaning-making's attachment-injury steps, told and heard (care.md, Johnson's steps 2 and 4 to 7):
what lies under the anger, what was lost and asking for comfort told by the hurt partner; remorse
told by the partner who caused the hurt; each heard and said back by the other. Once per direction
where both hurt each other; without agreed roles the hurt partner's tellings are held two-way and
nobody is asked to show remorse."""

from __future__ import annotations

from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from repair.couples.models import User
from repair.program import selectors as ps
from repair.program import services
from repair.program.content import Exercise, program
from repair.program.models import Conversation, ExerciseCompletion
from repair.program.services import ProgramActionError
from tests.factories import couple_view as view
from tests.factories import open_stages_before

pytestmark = pytest.mark.django_db


def _shipped(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None
    return found


UNDER = _shipped("meaning-under-the-anger")
REMORSE = _shipped("meaning-remorse")
COMFORT = _shipped("meaning-asking-for-comfort")


@pytest.fixture
def meaning_open(couple: object, partner_a: User, partner_b: User) -> None:
    open_stages_before("meaning", partner_a, partner_b)


def agree(a: User, b: User, kind: str, hurt: User | None) -> None:
    services.roles_propose(couple=view(a), kind=kind, hurt=hurt)
    services.roles_propose(couple=view(b), kind=kind, hurt=hurt)


def piece(exercise: Exercise, talk: Conversation, speaker: User, listener: User) -> None:
    """One piece said by whoever has the floor, said back by the other, and confirmed."""
    services.conversation_speak(
        couple=view(speaker), exercise=exercise, conversation_id=talk.pk, text="a piece"
    )
    services.conversation_reflect(
        couple=view(listener), exercise=exercise, conversation_id=talk.pk, text="what I heard"
    )
    services.conversation_confirm(
        couple=view(speaker), exercise=exercise, conversation_id=talk.pk, yes=True
    )


def floor_of(talk: Conversation) -> int:
    talk.refresh_from_db()
    return talk.floor_id


def test_the_hurt_partner_keeps_the_floor_under_the_anger_and_ends_it(
    meaning_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = services.conversation_start(couple=view(partner_b), exercise=UNDER)
    assert talk.floor_id == partner_a.pk  # Blake pressed start; Avery tells

    piece(UNDER, talk, partner_a, partner_b)
    piece(UNDER, talk, partner_a, partner_b)
    assert floor_of(talk) == partner_a.pk
    with pytest.raises(ProgramActionError) as error:
        services.conversation_finish(
            couple=view(partner_b), exercise=UNDER, conversation_id=talk.pk
        )
    assert error.value.code == "teller_ends"

    services.conversation_finish(couple=view(partner_a), exercise=UNDER, conversation_id=talk.pk)
    assert ExerciseCompletion.objects.filter(exercise=UNDER.slug).count() == 2


def test_remorse_is_told_by_the_partner_who_caused_the_hurt_and_heard_by_the_other(
    meaning_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = services.conversation_start(couple=view(partner_a), exercise=REMORSE)
    assert talk.floor_id == partner_b.pk  # Avery pressed start; Blake, who caused it, speaks

    with pytest.raises(ProgramActionError):
        services.conversation_speak(
            couple=view(partner_a), exercise=REMORSE, conversation_id=talk.pk, text="you should"
        )
    piece(REMORSE, talk, partner_b, partner_a)
    piece(REMORSE, talk, partner_b, partner_a)
    assert floor_of(talk) == partner_b.pk
    with pytest.raises(ProgramActionError):
        services.conversation_finish(
            couple=view(partner_a), exercise=REMORSE, conversation_id=talk.pk
        )
    services.conversation_finish(couple=view(partner_b), exercise=REMORSE, conversation_id=talk.pk)
    assert ExerciseCompletion.objects.filter(exercise=REMORSE.slug).count() == 2


def test_both_hurt_holds_remorse_once_in_each_direction(
    meaning_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "both_hurt", partner_b)  # Blake's hurt first: Avery's remorse

    first = services.conversation_start(couple=view(partner_b), exercise=REMORSE)
    assert (first.direction, first.floor_id) == (0, partner_a.pk)
    piece(REMORSE, first, partner_a, partner_b)
    services.conversation_finish(couple=view(partner_a), exercise=REMORSE, conversation_id=first.pk)
    assert not ExerciseCompletion.objects.filter(exercise=REMORSE.slug).exists()

    second = services.conversation_start(couple=view(partner_a), exercise=REMORSE)
    assert (second.direction, second.floor_id) == (1, partner_b.pk)
    piece(REMORSE, second, partner_b, partner_a)
    services.conversation_finish(
        couple=view(partner_b), exercise=REMORSE, conversation_id=second.pk
    )
    assert ExerciseCompletion.objects.filter(exercise=REMORSE.slug).count() == 2


@pytest.mark.parametrize("roles", ["neutral", "not agreed"])
def test_without_agreed_roles_the_tellings_are_two_way_and_nobody_shows_remorse(
    meaning_open: None, partner_a: User, partner_b: User, client_a: Client, roles: str
):
    if roles == "neutral":
        agree(partner_a, partner_b, "neutral", None)

    talk = services.conversation_start(couple=view(partner_b), exercise=UNDER)
    assert talk.floor_id == partner_b.pk  # whoever starts speaks first
    piece(UNDER, talk, partner_b, partner_a)
    assert floor_of(talk) == partner_a.pk  # the floor passes
    piece(UNDER, talk, partner_a, partner_b)
    # Either may end a two-way talk; it is done for both.
    services.conversation_finish(couple=view(partner_b), exercise=UNDER, conversation_id=talk.pk)
    assert ExerciseCompletion.objects.filter(exercise=UNDER.slug).count() == 2

    page = client_a.get(reverse("program_exercise", args=["meaning", UNDER.slug])).content.decode()
    assert UNDER.prompt_neutral in page
    assert UNDER.prompt_hurt not in page

    with pytest.raises(ProgramActionError):
        services.conversation_start(couple=view(partner_a), exercise=REMORSE)
    remorse = client_a.get(reverse("program_exercise", args=["meaning", REMORSE.slug]))
    assert REMORSE.prompt_involved not in remorse.content.decode()
    assert 'name="action" value="start"' not in remorse.content.decode()
    state = ps.program_state(couple=view(partner_a)).exercise(REMORSE.slug)
    assert state is not None
    # Set aside under neutral roles; waiting for roles (and skippable) until they are agreed.
    assert state.waived is (roles == "neutral")


def test_the_comfort_asked_for_is_answered_in_the_listeners_note(
    meaning_open: None, partner_a: User, partner_b: User, client_a: Client, client_b: Client
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    talk = services.conversation_start(couple=view(partner_a), exercise=COMFORT)
    piece(COMFORT, talk, partner_a, partner_b)
    services.conversation_finish(couple=view(partner_a), exercise=COMFORT, conversation_id=talk.pk)

    url = reverse("program_exercise", args=["meaning", COMFORT.slug])
    teller, listener = client_a.get(url).content.decode(), client_b.get(url).content.decode()
    asks, offers = escape(COMFORT.note_teller), escape(COMFORT.note_listener)
    assert asks in teller
    assert offers not in teller
    assert offers in listener
    assert asks not in listener
