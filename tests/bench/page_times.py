"""In-process time of Today, history (90 days) and the calendar (month) for the demo couple's Sam,
with a year of check-ins, through the test client: best and median of 8 batches of 10 requests.

    .venv/bin/python manage.py migrate && .venv/bin/python manage.py demo
    DEBUG=true .venv/bin/python -m tests.bench.page_times

Adds a year of shared check-ins for both demo people where they have none (run `manage.py demo`
to go back to the demo month). Not part of `make test`; figures are in docs/performance.md."""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import django

PAGES = ("/", "/checkins/history/?range=90", "/rituals/calendar/?view=month")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repair.settings")
    django.setup()
    # After django.setup(): Django's test tools and our models need the app registry.
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from checkins.models import CheckIn, Visibility
    from repair.couples.models import User
    from repair.couples.selectors import couple_for_user

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    sam = User.objects.get(email="sam@example.com")
    couple = couple_for_user(user=sam)
    assert couple is not None, "run `manage.py demo` first"
    assert couple.partner is not None, "run `manage.py demo` first"
    for person in (couple.me, couple.partner):
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
    client = Client()
    client.force_login(sam)
    for path in PAGES:
        client.get(path)  # the first request after signing in also touches the session
        batches = []
        for _ in range(8):
            spent = 0.0
            for _ in range(10):
                start = time.perf_counter()
                response = client.get(path)
                spent += time.perf_counter() - start
                assert response.status_code == 200, (path, response.status_code)
            batches.append(spent / 10 * 1000)
        print(
            f"{path}: best {min(batches):.1f} ms, median {statistics.median(batches):.1f} ms "
            "per request (8 batches of 10)"
        )


if __name__ == "__main__":
    main()
