"""Roles agreed together: each partner answers privately, the roles take effect only when both gave
the same answer in one round, either can open them again, and no sequence of one partner's own
answers tells them the other's."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from repair.couples.models import User
from repair.program import selectors as ps
from repair.program import services
from repair.program.models import AgreedRoles
from repair.program.services import ProgramActionError
from tests.factories import couple_view as view

pytestmark = pytest.mark.django_db

ROLES_URL = reverse("program_roles")


def propose(client: Client, answer: str) -> str:
    response = client.post(ROLES_URL, {"action": "propose", "answer": answer}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_roles_take_effect_only_when_both_give_the_same_answer(
    couple: object, partner_a: User, partner_b: User
):
    outcome = services.roles_propose(couple=view(partner_a), kind="one_hurt", hurt=partner_a)
    assert outcome.status == "waiting"
    assert not ps.roles_for(couple=view(partner_b)).agreed

    outcome = services.roles_propose(couple=view(partner_b), kind="one_hurt", hurt=partner_a)

    assert outcome.status == "agreed"
    roles = ps.roles_for(couple=view(partner_b))
    assert roles.kind == "one_hurt"
    assert roles.role_of(partner_a.pk) == "hurt"
    assert roles.role_of(partner_b.pk) == "involved"
    assert [(d.hurt_id, d.involved_id) for d in roles.directions] == [(partner_a.pk, partner_b.pk)]


def test_both_hurt_runs_once_in_each_direction_in_the_order_chosen(
    couple: object, partner_a: User, partner_b: User
):
    services.roles_propose(couple=view(partner_a), kind="both_hurt", hurt=partner_b)
    services.roles_propose(couple=view(partner_b), kind="both_hurt", hurt=partner_b)

    roles = ps.roles_for(couple=view(partner_a))
    assert [(d.hurt_id, d.involved_id) for d in roles.directions] == [
        (partner_b.pk, partner_a.pk),
        (partner_a.pk, partner_b.pk),
    ]
    assert roles.role_of(partner_a.pk, 0) == "involved"
    assert roles.role_of(partner_a.pk, 1) == "hurt"
    # Outside a direction nobody is singled out.
    assert roles.role_of(partner_a.pk) == roles.role_of(partner_b.pk) == "neutral"


def test_neutral_and_unagreed_roles_give_everyone_the_neutral_role(
    couple: object, partner_a: User, partner_b: User
):
    assert ps.roles_for(couple=view(partner_a)).role_of(partner_a.pk) == "neutral"
    services.roles_propose(couple=view(partner_a), kind="neutral", hurt=partner_a)
    services.roles_propose(couple=view(partner_b), kind="neutral")

    roles = ps.roles_for(couple=view(partner_a))
    assert roles.agreed
    assert roles.kind == "neutral"
    assert roles.directions == ()
    assert {roles.role_of(partner_a.pk), roles.role_of(partner_b.pk)} == {"neutral"}


def test_different_answers_only_say_they_differ(
    client_a: Client, client_b: Client, partner_b: User
):
    propose(client_a, "me_hurt")
    page_b = propose(client_b, "me_hurt")  # each says "I was hurt"

    assert "You see this differently" in page_b
    page_a = client_a.get(ROLES_URL).content.decode()
    assert "You see this differently" in page_a
    assert not AgreedRoles.objects.exists()
    # Neither page marks the partner's choice: only each person's own radio is checked.
    assert page_a.count(" checked") == 1
    assert 'value="me_hurt" id="answer-me_hurt" checked' in page_a
    assert page_b.count(" checked") == 1
    assert 'value="me_hurt" id="answer-me_hurt" checked' in page_b


def test_changing_my_own_answer_never_tests_it_against_my_partners(
    client_a: Client, client_b: Client, partner_a: User, partner_b: User
):
    """Blake tries every answer after a mismatch: each goes into a new round that waits for
    Avery to answer again, so none of them tells Blake what Avery chose."""
    propose(client_a, "me_hurt")
    propose(client_b, "neutral")  # round 1 frozen, different
    seen = set()
    for answer in ("me_hurt", "partner_hurt", "both_me_first", "both_partner_first", "neutral"):
        page = propose(client_b, answer)
        seen.add("You agreed" in page or "You've agreed" in page)
        assert "Your answer is in" in page
    assert seen == {False}
    assert not AgreedRoles.objects.exists()
    # Avery's page says only that Blake has answered again, never what.
    page_a = client_a.get(ROLES_URL).content.decode()
    assert "has answered" in page_a
    # When Avery answers the same as Blake's latest, it takes effect for both.
    page_a = propose(client_a, "neutral")
    assert "You've agreed" in page_a


def test_either_partner_can_open_the_roles_again(
    client_a: Client, client_b: Client, partner_a: User
):
    propose(client_a, "me_hurt")
    propose(client_b, "partner_hurt")  # Blake: "Avery was hurt by what I did"
    assert ps.roles_for(couple=view(partner_a)).role_of(partner_a.pk) == "hurt"
    assert "You've agreed" in client_a.get(ROLES_URL).content.decode()

    client_b.post(ROLES_URL, {"action": "reopen"})

    assert not ps.roles_for(couple=view(partner_a)).agreed
    assert "Send my answer" in client_a.get(ROLES_URL).content.decode()
    # A new answer from one is not enough again.
    propose(client_a, "me_hurt")
    assert not ps.roles_for(couple=view(partner_a)).agreed


def test_agreed_roles_cannot_be_proposed_over(couple: object, partner_a: User, partner_b: User):
    services.roles_propose(couple=view(partner_a), kind="neutral")
    services.roles_propose(couple=view(partner_b), kind="neutral")
    with pytest.raises(ProgramActionError) as error:
        services.roles_propose(couple=view(partner_a), kind="one_hurt", hurt=partner_a)
    assert error.value.code == "roles_agreed"


def test_hurt_must_be_one_of_the_couple(couple: object, partner_a: User, outsider: User):
    with pytest.raises(ProgramActionError):
        services.roles_propose(couple=view(partner_a), kind="one_hurt", hurt=outsider)
    with pytest.raises(ProgramActionError):
        services.roles_propose(couple=view(partner_a), kind="one_hurt")
    with pytest.raises(ProgramActionError):
        services.roles_propose(couple=view(partner_a), kind="something", hurt=partner_a)


def test_hostile_roles_answers_get_a_kind_message_and_nothing_changes(client_a: Client):
    for data in ({"action": "propose", "answer": "x" * 5000}, {"action": "propose"}, {}):
        response = client_a.post(ROLES_URL, data)
        assert response.status_code == 200
        assert "Please choose one of the answers" in response.content.decode() or (
            "Something else" in response.content.decode()
        )
    assert not AgreedRoles.objects.exists()


def test_overview_asks_first_whose_hurt_it_is_until_agreed(client_a: Client, client_b: Client):
    page = client_a.get(reverse("program")).content.decode()
    assert "whose hurt is this work about?" in page
    propose(client_a, "neutral")
    propose(client_b, "neutral")
    page = client_a.get(reverse("program")).content.decode()
    assert "whose hurt is this work about?" not in page
    assert ROLES_URL in page


def test_roles_page_query_count_is_constant(
    client_a: Client, client_b: Client, django_assert_max_num_queries: object
):
    propose(client_a, "me_hurt")
    propose(client_b, "me_hurt")
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client_a.get(ROLES_URL).status_code == 200
