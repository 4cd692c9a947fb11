"""In-process time of Today, history (90 days) and the calendar (month) for the demo couple's Sam,
with a year of check-ins, through the test client: best and median of 8 batches of 10 requests.

    .venv/bin/python manage.py migrate && .venv/bin/python manage.py demo
    DEBUG=true .venv/bin/python -m tests.bench.page_times

Adds a year of shared check-ins for both demo people where they have none (run `manage.py demo`
to go back to the demo month). Not part of `make test`; figures are in docs/performance.md."""

from __future__ import annotations

import statistics
import time

from tests.bench.demo_year import setup, year_of_checkins

PAGES = ("/", "/checkins/history/?range=90", "/rituals/calendar/?view=month")


def main() -> None:
    setup()
    # After setup(): Django's test client and our models need the app registry.
    from django.test import Client

    from repair.couples.models import User
    from repair.couples.selectors import couple_for_user

    sam = User.objects.get(email="sam@example.com")
    couple = couple_for_user(user=sam)
    assert couple is not None, "run `manage.py demo` first"
    assert couple.partner is not None, "run `manage.py demo` first"
    for person in (couple.me, couple.partner):
        year_of_checkins(person=person)
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
