"""The Atone steps in a person's download: their own words always (the questions they asked, the
answers they gave, the apology versions they wrote, their answers to an apology, the transparency
commitments they wrote); the partner's only in the space they are in now, and only what the pages
show both by design (an apology to the one it is addressed to, an answer to the one who asked).
After the space ends, each keeps only their own words. Nobody else's download holds any of it."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from repair.couples import services as couple_services
from repair.couples.models import User
from repair.program import services
from repair.program.content import Exercise, program
from tests.conftest import client_for
from tests.factories import couple_view as view
from tests.factories import make_couple, make_user, open_stages_before

pytestmark = pytest.mark.django_db

# One distinctive word per thing each wrote. Avery was hurt; Blake caused the hurt.
A_QUESTION = "avery-question-lichen"
A_HEARD = "avery-heard-the-apology-plover"
A_STILL_NEED = "avery-still-needs-saltmarsh"
B_ANSWER = "blake-answer-to-the-question-kestrel"
B_PARTS = {
    "damage": "blake-damage-flint",
    "owning": "blake-owning-bracken",
    "changes": "blake-changes-alder",
    "signs": "blake-signs-sedge",
}
B_SECOND_VERSION_DAMAGE = "blake-damage-second-version-tarn"
B_TRANSPARENCY = "blake-transparency-larch"

AVERYS = [A_QUESTION, A_HEARD, A_STILL_NEED]
BLAKES = [B_ANSWER, *B_PARTS.values(), B_SECOND_VERSION_DAMAGE, B_TRANSPARENCY]


def exercise(slug: str) -> Exercise:
    found = program().exercise(slug)
    assert found is not None
    return found


TELLING = exercise("attunement-telling")
QUESTIONS = exercise("attunement-questions")
APOLOGY = exercise("attunement-apology")
TRANSPARENCY = exercise("attunement-transparency")


def download(client: Client, fmt: str) -> str:
    response = client.get(reverse("export_data"), {"format": fmt})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def atoned(couple: object, partner_a: User, partner_b: User) -> None:
    """Avery was hurt: the hurt told and heard, a question asked and answered, the apology written
    twice and answered, the transparency commitments accepted."""
    open_stages_before("attunement", partner_a, partner_b)
    a, b = view(partner_a), view(partner_b)
    for person in (a, b):
        services.roles_propose(couple=person, kind="one_hurt", hurt=partner_a)
    talk = services.conversation_start(couple=a, exercise=TELLING)
    services.conversation_speak(couple=a, exercise=TELLING, conversation_id=talk.pk, text="told")
    services.conversation_reflect(couple=b, exercise=TELLING, conversation_id=talk.pk, text="heard")
    services.conversation_confirm(couple=a, exercise=TELLING, conversation_id=talk.pk, yes=True)
    services.conversation_finish(couple=a, exercise=TELLING, conversation_id=talk.pk)
    asked = services.question_ask(couple=a, exercise=QUESTIONS, text=A_QUESTION)
    services.question_answer(couple=b, exercise=QUESTIONS, question_id=asked.pk, text=B_ANSWER)
    services.questions_enough(couple=a, exercise=QUESTIONS)
    services.apology_write(couple=b, exercise=APOLOGY, parts=B_PARTS)
    second = services.apology_write(
        couple=b, exercise=APOLOGY, parts={**B_PARTS, "damage": B_SECOND_VERSION_DAMAGE}
    )
    services.apology_answer(
        couple=a, exercise=APOLOGY, version_id=second.pk, heard=A_HEARD, still_need=A_STILL_NEED
    )
    version = services.agreement_propose(couple=b, exercise=TRANSPARENCY, text=B_TRANSPARENCY)
    services.agreement_accept(couple=a, exercise=TRANSPARENCY, version_id=version.pk)


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_each_download_holds_the_atone_words_both_were_shown_while_together(
    atoned: None, partner_a: User, partner_b: User, fmt: str
):
    for person in (partner_a, partner_b):
        text = download(client_for(person), fmt)
        for words in [*AVERYS, *BLAKES]:
            assert words in text, (person.name, words)


def test_the_download_says_whose_words_are_whose(atoned: None, partner_a: User, partner_b: User):
    avery = json.loads(download(client_for(partner_a), "json"))["program"]
    blake = json.loads(download(client_for(partner_b), "json"))["program"]

    assert [v["written_by"] for v in blake["apologies"]] == ["me", "me"]
    assert [v["written_by"] for v in avery["apologies"]] == ["partner", "partner"]
    assert [v["number"] for v in avery["apologies"]] == [1, 2]
    assert avery["apologies"][1]["answers"][0]["by"] == "me"
    assert blake["apologies"][1]["answers"][0]["by"] == "partner"
    assert avery["questions"][0]["asked_by"] == "me"
    assert blake["questions"][0]["asked_by"] == "partner"
    (commitments,) = [a for a in blake["agreements"] if a["exercise"] == TRANSPARENCY.slug]
    assert commitments["versions"][0]["proposed_by"] == "me"


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_after_the_space_ends_each_keeps_only_their_own_atone_words(
    atoned: None, partner_a: User, partner_b: User, fmt: str
):
    couple_services.couple_leave(user=partner_b)
    make_couple(partner_a, make_user("Dana"))  # Avery starts again with someone new

    avery, blake = download(client_for(partner_a), fmt), download(client_for(partner_b), fmt)

    for words in AVERYS:
        assert words in avery, words
        assert words not in blake, words
    for words in BLAKES:
        assert words in blake, words
        assert words not in avery, words


def test_an_outsiders_download_holds_none_of_it(atoned: None, outsider: User):
    text = download(client_for(outsider), "json") + download(client_for(outsider), "html")

    for words in [*AVERYS, *BLAKES]:
        assert words not in text, words


def test_where_both_hurt_each_other_the_second_runs_commitments_are_in_the_download(
    couple: object, partner_a: User, partner_b: User
):
    open_stages_before("attunement", partner_a, partner_b)
    a, b = view(partner_a), view(partner_b)
    for person in (a, b):
        services.roles_propose(couple=person, kind="both_hurt", hurt=partner_a)
    for hurt, involved, words in ((a, b, "blake-commits-rowan"), (b, a, "avery-commits-hazel")):
        talk = services.conversation_start(couple=hurt, exercise=TELLING)
        talk_id = talk.pk
        services.conversation_speak(
            couple=hurt, exercise=TELLING, conversation_id=talk_id, text="told"
        )
        services.conversation_reflect(
            couple=involved, exercise=TELLING, conversation_id=talk_id, text="heard"
        )
        services.conversation_confirm(
            couple=hurt, exercise=TELLING, conversation_id=talk_id, yes=True
        )
        services.conversation_finish(couple=hurt, exercise=TELLING, conversation_id=talk_id)
        services.questions_enough(couple=hurt, exercise=QUESTIONS)
        version = services.apology_write(couple=involved, exercise=APOLOGY, parts=B_PARTS)
        services.apology_answer(
            couple=hurt, exercise=APOLOGY, version_id=version.pk, heard="h", still_need=""
        )
        proposed = services.agreement_propose(couple=involved, exercise=TRANSPARENCY, text=words)
        services.agreement_accept(couple=hurt, exercise=TRANSPARENCY, version_id=proposed.pk)

    text = download(client_for(partner_a), "json")
    assert "blake-commits-rowan" in text
    assert "avery-commits-hazel" in text
