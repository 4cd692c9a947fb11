"""Scale-out check: two gunicorn processes (two ports), two Celery workers and one beat, against one
PostgreSQL and one Redis on this machine. A couple's actions go through both web processes in turn,
and a check-in reminder set a minute or two ahead must be emailed exactly once.

    .venv/bin/python -m tests.bench.scale_out

Uses its own database (repair_scale, recreated each run), Redis DB 3 (cache and sessions, shared by
both web processes, which is what lets a session signed in on A be used on B) and DB 2 (broker),
and an SMTP sink on 127.0.0.1. Takes about three minutes (beat ticks once a minute). Exits non-zero
on any failure.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import django

from tests.bench.seed import BENCH_PASSWORD, bench_email
from tests.bench.web import ROOT, VENV_BIN, sign_in, start_gunicorn, stop
from tests.smtp_sink import smtp_sink

DB = os.environ.get("BENCH_SCALE_DB", "repair_scale")
PORTS = (8111, 8112)
NOTE = "scale-out: a walk after dinner"
checks: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    checks.append((name, ok, detail))
    print(f"  [{'PASS' if ok else 'FAIL'}] {name}" + (f" ({detail})" if detail else ""), flush=True)
    return ok


def env_for(port: int, mail: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.bench.baseline.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3"),
        CELERY_BROKER_URL=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/2"),
        CACHE_KEY_PREFIX="mend-scale",
        SECRET_KEY="bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
        DEBUG="false",
        SITE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(ROOT / "var" / "bench" / "static"),
        VAR_DIR=str(ROOT / "var" / "bench" / "scale"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **mail,
    )
    return env


def post(base: str, path: str, cookie: str, fields: dict[str, str]) -> tuple[int, str]:
    token = re.search(r"csrftoken=([^;]+)", cookie)
    assert token
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
    request = urllib.request.Request(  # noqa: S310 (always http://127.0.0.1)
        base + path,
        data=body,
        headers={"Cookie": cookie, "Origin": base, "Referer": base + path},
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=30)
        return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location") or ""


def get(base: str, path: str, cookie: str) -> str:
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
    return str(urllib.request.urlopen(request, timeout=30).read().decode())  # noqa: S310


def main() -> None:
    psql = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DB}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DB}"], check=True)
    (ROOT / "var" / "bench" / "scale").mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []
    with smtp_sink() as sink:
        env_a, env_b = (env_for(port, sink.env()) for port in PORTS)
        manage = [str(VENV_BIN / "python"), "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env_a, check=True)
        subprocess.run([*manage, "bench_seed", "--couples", "3"], cwd=ROOT, env=env_a, check=True)
        os.environ.update(env_a)
        django.setup()
        # After django.setup(): models need the app registry.
        from checkins.models import Acknowledgement, CheckIn
        from rituals.models import Reminder, ReminderKind, ReminderSend, ScheduledRitual

        try:
            web_a = start_gunicorn(port=PORTS[0], workers=1, threads=1, env=env_a)
            processes.append(web_a)
            web_b = start_gunicorn(port=PORTS[1], workers=1, threads=1, env=env_b)
            processes.append(web_b)
            celery = [str(VENV_BIN / "celery"), "-A", "repair"]
            logs = ROOT / "var" / "bench" / "scale"
            for name, extra in (
                ("worker1", ["worker", "-n", "w1@%h", "--concurrency=1"]),
                ("worker2", ["worker", "-n", "w2@%h", "--concurrency=1"]),
                ("beat", ["beat", "--schedule", str(logs / "celerybeat-schedule")]),
            ):
                log = (logs / f"{name}.log").open("wb")
                processes.append(
                    subprocess.Popen(
                        [*celery, *extra, "--loglevel=WARNING"],
                        cwd=ROOT,
                        env=env_a,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            a_base, b_base = (f"http://127.0.0.1:{port}" for port in PORTS)
            a_email, b_email = bench_email(0, "a"), bench_email(0, "b")
            print("two web processes, two workers, one beat; one PostgreSQL, one Redis")

            # Person A signs in on web A and checks in on web B (one shared session in Redis).
            cookie_a = sign_in(a_base, a_email, BENCH_PASSWORD)
            fields = dict.fromkeys(("safety", "closeness", "trust", "touch", "mood", "stress"), "4")
            status, where = post(
                b_base,
                "/checkins/",
                cookie_a,
                {**fields, "sleep": "", "share_mood": "on", "helped": NOTE},
            )
            check("check-in on B with a session from A", status == 302, f"{status} -> {where}")
            mine = CheckIn.objects.filter(user__email=a_email).order_by("-local_date").first()
            check(
                "the check-in is stored once, shared, with its note",
                mine is not None and mine.is_shared and mine.helped == NOTE,
            )
            assert mine is not None
            check("web A shows it", NOTE in get(a_base, "/checkins/", cookie_a))

            # Person B signs in on web B, acknowledges on web A, schedules a ritual on web B.
            cookie_b = sign_in(b_base, b_email, BENCH_PASSWORD)
            status, _ = post(
                a_base,
                f"/checkins/{mine.pk}/acknowledge/",
                cookie_b,
                {"kind": "heart", "reply": ""},
            )
            ack = Acknowledgement.objects.filter(checkin=mine).first()
            check(
                "acknowledgement on A",
                status == 302 and ack is not None and ack.by.email == b_email,
                str(status),
            )
            later = (datetime.now(UTC) + timedelta(hours=3)).strftime("%H:%M")
            status, _ = post(
                b_base,
                "/rituals/library/gratitude-exchange/",
                cookie_b,
                {"cadence": "daily", "local_time": later, "who": "both", "weekday": ""},
            )
            created = ScheduledRitual.objects.filter(couple=mine.couple, created_by__email=b_email)
            check(
                "ritual scheduled on B, reminders for both",
                status == 302
                and created.count() == 1
                and Reminder.objects.filter(ritual__in=created).count() == 2,
                str(status),
            )

            # B's check-in reminder, due in two minutes (B's zone is UTC, and B hasn't checked in).
            due = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
            status, _ = post(
                a_base,
                "/rituals/reminders/",
                cookie_b,
                {
                    "action": "save",
                    "checkin_enabled": "on",
                    "checkin_time": due.strftime("%H:%M"),
                    "rituals_enabled": "on",
                    "quiet_start": "",
                    "quiet_end": "",
                },
            )
            reminder = Reminder.objects.filter(
                user__email=b_email, kind=ReminderKind.CHECKIN
            ).first()
            check(
                "check-in reminder set on A",
                status == 302 and reminder is not None and reminder.next_due_at == due,
                f"{status}, due {reminder.next_due_at if reminder else None}",
            )
            # Wait for the tick after the due time, then one more tick: still exactly one email.
            deadline = time.monotonic() + (due - datetime.now(UTC)).total_seconds() + 150
            while time.monotonic() < deadline and b_email not in sink.handler.recipients:
                time.sleep(2)
            first_seen = datetime.now(UTC)
            check(
                "the reminder arrived",
                b_email in sink.handler.recipients,
                f"due {due:%H:%M:%S}, seen {first_seen:%H:%M:%S}",
            )
            time.sleep(75)
            per = sink.handler.per_recipient()
            sends = ReminderSend.objects.filter(reminder=reminder)
            check(
                "exactly once, across two workers and a later tick",
                per[b_email] == 1 and sends.filter(status="sent").count() == 1,
                f"emails {per[b_email]}, send rows {list(sends.values_list('status', flat=True))}",
            )
            check("nothing else was emailed", sum(per.values()) == per[b_email], str(dict(per)))
        finally:
            for process in reversed(processes):
                stop(process)
    failed = [name for name, ok, _ in checks if not ok]
    print(f"\n{len(checks) - len(failed)}/{len(checks)} checks passed")
    if failed:
        sys.exit(1)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    main()
