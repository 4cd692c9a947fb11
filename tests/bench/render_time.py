"""Average time to render one page for the demo couple's Sam, through the test client.
Run: DEBUG=true .venv/bin/python -m tests.bench.render_time [path] [repeats]"""

from __future__ import annotations

import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repair.settings")
    django.setup()
    # After django.setup(): Django's test tools and our models need the app registry.
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from repair.couples.models import User

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    path = sys.argv[1] if len(sys.argv) > 1 else "/checkins/history/?range=90"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    client = Client()
    client.force_login(User.objects.get(email="sam@example.com"))
    client.get(path)  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        response = client.get(path)
    elapsed = (time.perf_counter() - start) / repeats * 1000
    print(f"{path}: {response.status_code}, {elapsed:.1f} ms per request over {repeats}")


if __name__ == "__main__":
    main()
