"""How long 100,000 check-in reminders due in the same minute take, from the tick to the last email.

Run (PostgreSQL and Redis on 127.0.0.1; 6 to 13 minutes at the default size on 2 shared cores):

    .venv/bin/python -m tests.bench.reminders                      # 100,000 people, 2 × 2 workers
    .venv/bin/python -m tests.bench.reminders --people 5000        # a quick run

It (re)creates a database of its own (``repair_bench``), migrates it and bulk-inserts the people,
their reminder settings and their reminders, all due at the same minute. It starts real Celery
workers (``--workers`` nodes of ``--concurrency`` processes; the default, 2 × 2, is two nodes with
Celery's own default of one process per core) on a queue of its own, sending to an SMTP server in
this process (tests/smtp_sink.py, no delay), then calls ``reminders.tick()`` with the real enqueue,
and prints: the time until the tick returned (everything enqueued), until every send was marked
sent, the emails per second, and whether the SMTP server got exactly one email per person.

Not part of `make test`. The workers are stopped on the way out, also on Ctrl-C; the database is
dropped unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

import django
import psycopg

from tests.smtp_sink import smtp_sink
from tests.workers import Worker, start_worker, worker_env

SERVER = "postgres://postgres@127.0.0.1:5432"
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]
INSERT_CHUNK = 5_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker nodes")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="pool processes per worker (Celery's default: the number of cores)",
    )
    parser.add_argument("--pool", default="prefork", choices=["prefork", "solo"])
    parser.add_argument("--server", default=SERVER, help="PostgreSQL, without a database name")
    parser.add_argument("--database", default="repair_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10", help="broker and cache")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for sends")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def _recreate_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(people: int, due: datetime) -> None:
    """People with the check-in reminder on, all due at ``due``: three bulk inserts per chunk."""
    # Models: only once main() has set the environment up and called django.setup().
    from django.db import transaction

    from repair.couples.models import User
    from rituals.models import Reminder, ReminderKind, ReminderSettings

    for start in range(0, people, INSERT_CHUNK):
        numbers = range(start, min(start + INSERT_CHUNK, people))
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        email=f"bench.{n}@example.com",
                        display_name=f"Person {n}",
                        time_zone=ZONES[n % len(ZONES)],
                        password="!",  # unusable: nobody signs in
                    )
                    for n in numbers
                ]
            )
            ReminderSettings.objects.bulk_create(
                [ReminderSettings(user=user, checkin_enabled=True) for user in users]
            )
            Reminder.objects.bulk_create(
                [Reminder(user=u, kind=ReminderKind.CHECKIN, next_due_at=due) for u in users]
            )


def _status_counts() -> dict[str, int]:
    # Models: only once main() has set the environment up and called django.setup().
    from django.db.models import Count

    from rituals.models import ReminderSend

    return {
        row["status"]: row["n"]
        for row in ReminderSend.objects.values("status").annotate(n=Count("pk"))
    }


def _unfinished() -> int:
    # Models: only once main() has set the environment up and called django.setup().
    from rituals.models import ReminderSend, SendStatus

    return ReminderSend.objects.filter(status__in=[SendStatus.PENDING, SendStatus.SENDING]).count()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (a worker and its pool process)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for each in [pid, *(int(c) for c in children.read_text().split())]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    args = _arguments()
    signal.signal(signal.SIGTERM, _raise_exit)
    database_url = f"{args.server}/{args.database}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="repair.settings",
        DATABASE_URL=database_url,
        REDIS_URL=args.redis,
        CELERY_BROKER_URL=args.redis,
        DEBUG="false",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + uuid.uuid4().hex * 2)
    os.environ.setdefault("SITE_URL", "http://localhost:8000")
    for name in ("EMAIL_HOST", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        os.environ.pop(name, None)

    started = time.perf_counter()
    _recreate_database(args.server, args.database)
    django.setup()
    # After django.setup(): Django's tools, Celery's app and our models need the app registry.
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from repair.celery import app
    from rituals import reminders

    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    # Due this very minute, so the emails are on time when they go out.
    due = timezone.now().replace(second=0, microsecond=0)
    _seed(args.people, due)
    seeded = time.perf_counter()
    print(
        f"database {args.database}: migrated in {migrated - started:.1f} s, "
        f"{args.people:,} people inserted in {seeded - migrated:.1f} s",
        flush=True,
    )

    queue = f"bench-reminders-{uuid.uuid4().hex[:8]}"
    # The real enqueue (send_reminders.delay) goes to this bench's own queue.
    app.conf.task_routes = {"rituals.tasks.send_reminders": {"queue": queue}}
    workers: list[Worker] = []
    logs = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    figures: dict[str, Any] = {}
    try:
        with smtp_sink() as sink:
            env = worker_env(
                DATABASE_URL=database_url,
                VAR_DIR=str(logs / "var"),
                LOG_LEVEL="INFO",  # the worker's "ready." line
                **sink.env(),
            )
            for n in range(args.workers):
                workers.append(
                    start_worker(
                        [
                            f"--pool={args.pool}",
                            f"--concurrency={args.concurrency}",
                            "--loglevel=INFO",
                            "--without-gossip",
                            "--without-mingle",
                            f"--queues={queue}",
                            f"--hostname=bench{n}-{queue}@%h",
                        ],
                        env=env,
                        log_path=logs / f"worker{n}.log",
                    )
                )
            print(
                f"{args.workers} workers ready ({args.pool}, concurrency {args.concurrency}); "
                f"logs in {logs}"
            )

            load = os.getloadavg()[0]
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            result = reminders.tick(now=max(due, timezone.now()))
            enqueued_after = time.perf_counter() - t0
            print(
                f"tick: claimed {result.claimed:,}, enqueued {result.enqueued:,} "
                f"in {enqueued_after:.1f} s",
                flush=True,
            )

            last_report = 0.0
            while True:
                now = time.perf_counter() - t0
                # Cheap enough to ask often: an index-only count that shrinks to nothing.
                left = _unfinished()
                if not left:
                    break
                if now - last_report >= 15:
                    last_report = now
                    print(
                        f"  {now:6.1f} s  {left:,} left, {len(sink.handler):,} emails", flush=True
                    )
                for worker in workers:
                    if worker.process.poll() is not None:
                        sys.exit(f"A worker died: {worker.describe()}")
                if now > args.timeout:
                    sys.exit(f"Not all sent after {args.timeout:.0f} s: {_status_counts()}")
                time.sleep(0.2)
            all_sent_after = time.perf_counter() - t0
            per_person = sink.handler.per_recipient()
            figures = {
                "load": load,
                "enqueued": enqueued_after,
                "first": (sink.handler.first_at or t0) - t0,
                "last": (sink.handler.last_at or t0) - t0,
                "sent": all_sent_after,
                "counts": _status_counts(),
                "messages": len(sink.handler),
                "distinct": len(per_person),
                "most": max(per_person.values(), default=0),
                "refused": sink.handler.refused,
                "worker_cpu": sum(_cpu_seconds(worker.pid) for worker in workers),
                "bench_cpu": time.process_time() - cpu0,
            }
    finally:
        for worker in workers:
            worker.stop()
        connection.close()
        if not args.keep:
            _drop_database(args.server, args.database)

    _report(args, figures)


def _report(args: argparse.Namespace, f: dict[str, Any]) -> None:
    people = args.people
    sending_window = max(f["last"] - f["first"], 1e-9)
    exactly_once = (f["messages"] == people and f["distinct"] == people and f["most"] == 1) and f[
        "counts"
    ].get("sent") == people
    rows = [
        ("people due in the same minute", f"{people:,}"),
        ("workers", f"{args.workers} × concurrency {args.concurrency} ({args.pool})"),
        ("machine", f"{os.cpu_count()} cores; load average {f['load']:.2f} at the tick"),
        ("tick start → all enqueued (tick returned)", f"{f['enqueued']:.1f} s (target ≤ 30 s)"),
        ("tick start → first email accepted", f"{f['first']:.1f} s"),
        ("tick start → all sent (every row marked)", f"{f['sent']:.1f} s (target ≤ 300 s)"),
        ("emails per second, tick start → all sent", f"{people / f['sent']:.0f}"),
        ("emails per second, first → last email", f"{people / sending_window:.0f}"),
        ("worker CPU per email (all workers)", f"{f['worker_cpu'] / people * 1000:.1f} ms"),
        (
            "bench process CPU per email (tick, SMTP server, polling)",
            f"{f['bench_cpu'] / people * 1000:.1f} ms",
        ),
        ("sends by status", ", ".join(f"{k} {v:,}" for k, v in sorted(f["counts"].items()))),
        (
            "SMTP server: messages / distinct recipients / most to one person",
            f"{f['messages']:,} / {f['distinct']:,} / {f['most']}",
        ),
        ("exactly one email per person", "yes" if exactly_once else "NO"),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    if not exactly_once:
        sys.exit(1)


if __name__ == "__main__":
    main()
