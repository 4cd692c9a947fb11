"""Role prompts as the partners see them: every exercise page, for both partners, under every kind
of roles. The hurt partner is never asked to apologise, the partner who caused the hurt is never
asked what they need from an apology, and with neutral (or not yet agreed) roles nobody is asked
to apologise."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from repair.couples.models import User
from repair.program import services
from repair.program.content import program
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import open_stages_before

pytestmark = pytest.mark.django_db

# Written here, apart from the content checker's patterns, so a weakened checker still fails this.
APOLOGY_WRITING = re.compile(
    r"apology in four parts|write your apology|your apology|apologi[sz]e to|own it\b"
    r"|had a part in|your responsibility",
    re.IGNORECASE,
)
APOLOGY_NEEDS = re.compile(r"need from an apology|need an apology|need them to own", re.IGNORECASE)

APOLOGY = program().exercise("attunement-apology")
TELLING = program().exercise("attunement-telling")


def pages(person: User) -> dict[str, str]:
    """Every exercise's prompt as shown to this person (the whole program open)."""
    client: Client = client_for(person)
    shown = {}
    for exercise in program().exercises:
        if exercise.ladder_step > 1:
            continue  # closed until the step before felt comfortable; no prompt there
        response = client.get(reverse("program_exercise", args=[exercise.stage, exercise.slug]))
        assert response.status_code == 200, exercise.slug
        prompt = response.context.get("prompt", "")
        if prompt:
            assert str(prompt).split("\n")[0] in response.content.decode().replace("&#x27;", "'")
        shown[exercise.slug] = str(prompt)
    return shown


def agree(a: User, b: User, kind: str, hurt: User | None) -> None:
    services.roles_propose(couple=view(a), kind=kind, hurt=hurt)
    services.roles_propose(couple=view(b), kind=kind, hurt=hurt)


@pytest.fixture
def everything_open(couple: object, partner_a: User, partner_b: User) -> None:
    open_stages_before("sustaining", partner_a, partner_b)


def assert_never_asked_to_apologise(shown: dict[str, str]) -> None:
    for slug, prompt in shown.items():
        assert not APOLOGY_WRITING.search(prompt), (slug, prompt)


def assert_never_asked_what_apology_needs(shown: dict[str, str]) -> None:
    for slug, prompt in shown.items():
        assert not APOLOGY_NEEDS.search(prompt), (slug, prompt)


def test_one_hurt_the_hurt_partner_is_never_asked_to_apologise(
    everything_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    run_atone(partner_a, partner_b)  # so every Atone page is open, the apology answered

    hurt, involved = pages(partner_a), pages(partner_b)

    assert_never_asked_to_apologise(hurt)
    assert_never_asked_what_apology_needs(involved)
    assert APOLOGY is not None
    assert hurt[APOLOGY.slug] == APOLOGY.prompt_hurt
    assert involved[APOLOGY.slug] == APOLOGY.prompt_involved


def test_one_hurt_the_other_way_round(everything_open: None, partner_a: User, partner_b: User):
    agree(partner_a, partner_b, "one_hurt", partner_b)

    assert_never_asked_to_apologise(pages(partner_b))
    assert_never_asked_what_apology_needs(pages(partner_a))


@pytest.mark.parametrize("kind", ["neutral", "not agreed"])
def test_nobody_is_asked_to_apologise_with_neutral_or_unagreed_roles(
    everything_open: None, partner_a: User, partner_b: User, kind: str
):
    if kind != "not agreed":
        agree(partner_a, partner_b, kind, partner_a)

    for person in (partner_a, partner_b):
        shown = pages(person)
        assert_never_asked_to_apologise(shown)
        assert_never_asked_what_apology_needs(shown)
        assert APOLOGY is not None
        assert shown[APOLOGY.slug] == ""  # the apology page isn't shown: it's not asked
        assert shown["meaning-remorse"] == ""  # nor is anyone asked to show remorse


def run_atone(hurt: User, involved: User) -> None:
    """One run of the Atone steps: the hurt told and heard, the apology written and answered."""
    run_telling(hurt, involved)
    assert APOLOGY is not None
    version = services.apology_write(
        couple=view(involved),
        exercise=APOLOGY,
        parts={"damage": "d", "owning": "o", "changes": "c", "signs": "s"},
    )
    services.apology_answer(
        couple=view(hurt), exercise=APOLOGY, version_id=version.pk, heard="h", still_need=""
    )


def run_telling(hurt: User, involved: User) -> None:
    """The hurt told and heard, and the questions asked: the apology opens."""
    assert TELLING is not None
    talk = services.conversation_start(couple=view(involved), exercise=TELLING)
    assert talk.floor_id == hurt.pk
    services.conversation_speak(
        couple=view(hurt), exercise=TELLING, conversation_id=talk.pk, text="what it did to me"
    )
    services.conversation_reflect(
        couple=view(involved), exercise=TELLING, conversation_id=talk.pk, text="I heard..."
    )
    services.conversation_confirm(
        couple=view(hurt), exercise=TELLING, conversation_id=talk.pk, yes=True
    )
    services.conversation_finish(couple=view(hurt), exercise=TELLING, conversation_id=talk.pk)
    questions = program().exercise("attunement-questions")
    assert questions is not None
    services.questions_enough(couple=view(hurt), exercise=questions)


def test_both_hurt_each_is_asked_to_apologise_only_in_their_own_run(
    everything_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "both_hurt", partner_a)  # Avery's hurt first
    assert_never_asked_to_apologise(pages(partner_a))
    assert_never_asked_what_apology_needs(pages(partner_b))

    run_atone(partner_a, partner_b)
    run_telling(partner_b, partner_a)

    # The second run: Blake's hurt. Now Avery writes the apology, and Blake is never asked to.
    blake, avery = pages(partner_b), pages(partner_a)
    assert_never_asked_to_apologise(blake)
    assert_never_asked_what_apology_needs(avery)
    assert APOLOGY is not None
    assert avery[APOLOGY.slug] == APOLOGY.prompt_involved


def test_reopened_roles_go_back_to_the_neutral_words(
    everything_open: None, partner_a: User, partner_b: User
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    services.roles_reopen(couple=view(partner_a))

    assert_never_asked_to_apologise(pages(partner_b))


def test_every_shipped_prompt_passes_the_rule_for_its_role():
    for exercise in program().exercises:
        for role in ("hurt", "neutral"):
            assert not APOLOGY_WRITING.search(exercise.prompt_for(role)), (exercise.slug, role)
        assert not APOLOGY_NEEDS.search(exercise.prompt_for("involved")), exercise.slug


@pytest.mark.parametrize(
    ("slug", "teller"),
    [
        ("attunement-telling", "hurt"),
        ("meaning-under-the-anger", "hurt"),
        ("meaning-grief-told", "hurt"),
        ("meaning-remorse", "involved"),
        ("meaning-asking-for-comfort", "hurt"),
    ],
)
def test_each_telling_gives_the_floor_to_the_right_partner_on_the_page(
    everything_open: None, partner_a: User, partner_b: User, slug: str, teller: str
):
    agree(partner_a, partner_b, "one_hurt", partner_a)
    run_atone(partner_a, partner_b)
    exercise = program().exercise(slug)
    assert exercise is not None
    url = reverse("program_exercise", args=[exercise.stage, slug])
    hurt, involved = client_for(partner_a).get(url), client_for(partner_b).get(url)
    assert hurt.context["one_speaker"]
    assert involved.context["one_speaker"]
    assert hurt.context["teller"] is (teller == "hurt")
    assert involved.context["teller"] is (teller == "involved")
    listens = "This time you listen."
    assert (listens in hurt.content.decode()) is (teller == "involved")
    assert (listens in involved.content.decode()) is (teller == "hurt")
