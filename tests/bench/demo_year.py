"""What the in-process page benches share: Django set up for the test client, and a year of
shared check-ins for the demo couple (tests/bench/page_times.py, tests/bench/query_counts.py)."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING

import django

if TYPE_CHECKING:
    from repair.couples.models import User


def setup() -> None:
    """Django with its test tools (the client may sign in and ask ``testserver``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repair.settings")
    django.setup()
    # After django.setup(): Django's test tools need the app registry.
    from django.conf import settings
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]


def year_of_checkins(*, person: User) -> None:
    """A shared check-in for each of the 365 days before the person's today they have none for,
    in their current couple."""
    # Models: only once setup() has run.
    from checkins.models import CheckIn, Visibility
    from repair.couples.selectors import couple_for_user

    couple = couple_for_user(user=person)
    assert couple is not None, "run `manage.py demo` first"
    today = person.local_today()
    have = set(CheckIn.objects.filter(user=person).values_list("local_date", flat=True))
    CheckIn.objects.bulk_create(
        CheckIn(
            user=person,
            couple=couple.couple,
            local_date=day,
            mood=3,
            visibility=Visibility.SHARED,
            shared_fields=["mood"],
        )
        for back in range(1, 366)
        if (day := today - timedelta(days=back)) not in have
    )
