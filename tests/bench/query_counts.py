"""Print how many SQL queries each page makes for the demo couple, with a month and with a year of
check-in history. Run: DEBUG=true .venv/bin/python -m tests.bench.query_counts

Reads and writes the local database (it reloads the demo couple). Not part of `make test`; the
suite asserts the same property with query-count tests."""

from __future__ import annotations

import os
from datetime import timedelta

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repair.settings")
    django.setup()
    # After django.setup(): Django's test tools and our models need the app registry.
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from checkins.demo import seed
    from checkins.models import CheckIn, Visibility
    from repair.couples.demo import demo_couple_ensure
    from repair.couples.models import User
    from repair.couples.selectors import couple_for_user
    from repair.program.content import program

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]

    logins = demo_couple_ensure()
    users = [User.objects.get(email=login.email) for login in logins]
    seed(users=users)
    sam = users[0]
    client = Client()
    client.force_login(sam)
    reflection = program().stages[0].exercises[0]
    pages = {
        "Today": reverse("today"),
        "Check-ins": reverse("checkins:index"),
        "History (90 days)": reverse("checkins:history") + "?range=90",
        "Program": reverse("program"),
        "Stage": reverse("program_stage", args=["safety"]),
        "Exercise": reverse("program_exercise", args=["safety", reflection.slug]),
        "Calendar (month)": reverse("rituals:calendar") + "?view=month",
    }

    def counts() -> dict[str, int]:
        """Per page: the queries of one request. No page keeps its body in a cache, so every
        request draws it: the count is the same the first time and every time after."""
        result = {}
        for name, url in pages.items():
            client.get(url)  # the first request after signing in also touches the session
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            result[name] = len(captured.captured_queries)
        return result

    month = counts()
    couple = couple_for_user(user=sam)
    assert couple is not None
    for person in users:
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
    year = counts()
    print(f"{'page':<28} {'a month':>10} {'a year':>10}")
    for name in pages:
        print(f"{name:<28} {month[name]:>10} {year[name]:>10}")
    seed(users=users)  # back to the demo month


if __name__ == "__main__":
    main()
