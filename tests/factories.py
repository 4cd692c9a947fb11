"""Small hand-written helpers for making people and couples in tests."""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress

from repair.couples import services
from repair.couples.models import Couple, SafetyCheck, User
from repair.couples.selectors import CoupleView, couple_for_user
from repair.program import services as program_services
from repair.program.content import program
from repair.program.models import ExerciseCompletion
from repair.therapists import services as therapist_services
from repair.therapists.models import Scope, TherapistAccess

PASSWORD = "a-long-test-password-41"
_numbers = itertools.count(1)


def make_user(
    name: str = "",
    *,
    email: str = "",
    time_zone: str = "Europe/London",
    verified: bool = True,
    safety_checked: bool = True,
) -> User:
    n = next(_numbers)
    name = name or f"Person {n}"
    email = email or f"{name.lower().replace(' ', '.')}.{n}@example.com"
    user = User.objects.create_user(
        email=email, password=PASSWORD, display_name=name, time_zone=time_zone
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)
    if safety_checked:
        # Most tests are about what comes after the private safety screen; test_safety.py is not.
        SafetyCheck.objects.create(user=user)
    return user


def make_couple(first: User, second: User | None = None) -> Couple:
    couple = services.couple_create(user=first)
    if second is not None:
        new = services.invite_create(couple=couple, created_by=first)
        services.invite_accept(token=new.token, user=second)
    return couple


def open_stages_before(stage_slug: str, *people: User) -> None:
    """Every stage before ``stage_slug`` done and ready for each person, so it is open to them."""
    for stage in program().stages:
        if stage.slug == stage_slug:
            return
        for person in people:
            couple = couple_for_user(user=person)
            assert couple is not None
            for exercise in stage.required:
                ExerciseCompletion.objects.get_or_create(
                    couple=couple.couple, user=person, exercise=exercise.slug
                )
            program_services.stage_ready(couple=couple, stage_slug=stage.slug)


def couple_view(user: User) -> CoupleView:
    """The person's couple as the views see it (they must be in one)."""
    found = couple_for_user(user=user)
    assert found is not None
    return found


def make_therapist_access(
    couple: Couple,
    therapist: User | None,
    *,
    agreed_by: tuple[User, ...] = (),
    scopes: tuple[str, ...] = (),
) -> tuple[TherapistAccess, str]:
    """An invitation for ``couple``'s therapist, accepted by ``therapist`` (None: not yet), with a
    yes from each of ``agreed_by`` for ``scopes`` (every kind when empty). Returns it and its token."""
    members = list(couple.memberships.filter(left_at__isnull=True).select_related("user"))
    view = couple_view(members[0].user)
    access, token = therapist_services.therapist_invite(
        couple=view, email=f"therapist.{next(_numbers)}@example.com"
    )
    if therapist is not None:
        therapist_services.therapist_invite_accept(user=therapist, token_sha256=access.token_hash)
        access.refresh_from_db()
    for person in agreed_by:
        therapist_services.therapist_agree(
            couple=couple_view(person), scopes=list(scopes or Scope.values)
        )
    return access, token
