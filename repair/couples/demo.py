"""The demo couple that ``make run`` loads, so a first look needs no sign-up."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction

from repair.couples import services
from repair.couples.models import Membership, SafetyCheck, User

DEMO_PEOPLE = (
    ("sam@example.com", "Sam", "Europe/London"),
    ("alex@example.com", "Alex", "Europe/London"),
)


@dataclass(frozen=True)
class DemoLogin:
    email: str
    name: str
    password: str


def demo_password() -> str:
    # Four short words are easy to type on a phone; these are fresh on every run.
    words = ["calm", "river", "maple", "harbor", "lantern", "meadow", "cedar", "pebble", "willow"]
    return "-".join(secrets.choice(words) for _ in range(3)) + f"-{secrets.randbelow(90) + 10}"


@transaction.atomic
def demo_couple_ensure() -> list[DemoLogin]:
    """Create (or refresh) the two demo partners, paired, with new passwords."""
    logins = []
    users = []
    for email, name, zone in DEMO_PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email)
        user.display_name = name
        user.time_zone = zone
        password = demo_password()
        user.set_password(password)
        user.save()
        SafetyCheck.objects.update_or_create(user=user, defaults={"concern": False})
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users.append(user)
        logins.append(DemoLogin(email=email, name=name, password=password))

    first, second = users
    both_in_one = (
        Membership.objects.filter(user__in=users, left_at__isnull=True)
        .values("couple_id")
        .distinct()
        .count()
        == 1
        and Membership.objects.filter(user__in=users, left_at__isnull=True).count() == 2
    )
    if not both_in_one:
        for user in users:
            if Membership.objects.filter(user=user, left_at__isnull=True).exists():
                services.couple_leave(user=user)
        couple = services.couple_create(user=first)
        new = services.invite_create(couple=couple, created_by=first)
        services.invite_accept(token=new.token, user=second)
    return logins
