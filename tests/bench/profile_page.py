"""Profile one page in-process with pyinstrument, as a seeded bench person (a year of data).

    .venv/bin/pip install pyinstrument       # bench-only; not a project dependency
    .venv/bin/python -m tests.bench.profile_page "/checkins/history/?range=90" --repeat 50

Same settings and database as tests/bench/web.py (repair_load, Redis DB 3, DEBUG off). Prints
pyinstrument's call tree for all requests together, trimmed to frames over 2 % of the time.
"""

from __future__ import annotations

import argparse
import os

import django
from pyinstrument import Profiler

from tests.bench.seed import bench_email
from tests.bench.web import server_env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--couple", type=int, default=7)
    parser.add_argument("--flat", action="store_true", help="self time per function, not a tree")
    args = parser.parse_args()

    os.environ.update(server_env(8100))
    django.setup()
    # After django.setup(): Django's test tools and our models need the app registry.
    from django.test import Client

    from repair.couples.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=bench_email(args.couple, "a")))
    for _ in range(5):
        assert client.get(args.path).status_code == 200
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.repeat):
        client.get(args.path)
    profiler.stop()
    text = profiler.output_text(
        unicode=True,
        color=False,
        show_all=os.environ.get("PROFILE_ALL") == "1",
        time="percent_of_total",
        flat=args.flat,
    )
    print("\n".join(text.splitlines()[:60]) if args.flat else text)


if __name__ == "__main__":
    main()
