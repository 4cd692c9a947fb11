"""CPU per request of a few paths, in-process, through the bench's own WSGI application (the same
handler gunicorn runs: every middleware, or none for bare Django), as a seeded bench person.

    .venv/bin/python -m tests.bench.cpu_cost /bench/bare/ /bench/baseline/ / --repeat 300

Same settings and database as tests/bench/web.py. Prints, per path, this process's CPU time per
request (``time.process_time``: steadier than the clock on a busy machine, but it leaves out what
PostgreSQL and Redis spend) and the wall-clock time, each the best of ``--rounds`` rounds. The web
bench's ratios follow the CPU figures closely, since its server, database and Redis share two cores.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from typing import Any

import django

from tests.bench.seed import bench_email
from tests.bench.web import server_env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--couple", type=int, default=7)
    args = parser.parse_args()

    os.environ.update(server_env(8100))
    django.setup()
    # After django.setup(): the app registry is needed by the test client and the WSGI entry.
    from django.conf import settings
    from django.test import Client

    from repair.couples.models import User
    from tests.bench.baseline.wsgi import application

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(email=bench_email(args.couple, "a")))
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def request(path: str) -> int:
        route, _, query = path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8100",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        body = application(environ, lambda s, h, *a: status.append(s))
        for _chunk in body:
            pass
        getattr(body, "close", lambda: None)()
        return int(status[0].split()[0])

    for path in args.paths:
        for _ in range(20):
            assert request(path) == 200, path
        cpu, wall = [], []
        for _ in range(args.rounds):
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(args.repeat):
                request(path)
            cpu.append((time.process_time() - c0) / args.repeat * 1000)
            wall.append((time.perf_counter() - w0) / args.repeat * 1000)
        print(f"{path:40} cpu {min(cpu):6.3f} ms   wall {min(wall):6.3f} ms")


if __name__ == "__main__":
    main()
