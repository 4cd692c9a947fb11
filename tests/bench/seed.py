"""Seed a realistic load: N couples, each with a year of check-ins, acknowledgements, program answers,
two scheduled rituals with a year of marks, and a gratitude note. Bulk inserts in chunks.

Run through the management command (``manage.py bench_seed --couples 2000``), against a database of its
own (``make bench`` uses ``repair_load``): it refuses to add to a database that already has bench users.

Every bench person signs in as ``bench-<couple>-<a|b>@bench.invalid`` with ``BENCH_PASSWORD``. The hash
is computed once with the project's first hasher (Argon2, default cost) and reused for every row, so
seeding costs one hash, while signing in costs exactly what a real sign-in costs and never triggers a
rehash. The free text people write is encrypted at rest (``repair.lib.crypto``): notes are kept sparse
(a few percent of check-ins), as most check-ins are scales only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

BENCH_PASSWORD = "bench-lantern-meadow-42"
EMAIL_DOMAIN = "bench.invalid"
CHUNK = 5000
ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
NOTES = (
    "We walked after dinner and it felt easy for a while.",
    "A hard moment at lunch; I took a pause and came back.",
    "You made tea without asking.",
    "A quiet evening.",
)


def bench_email(couple_index: int, side: str) -> str:
    return f"bench-{couple_index}-{side}@{EMAIL_DOMAIN}"


def _bulk(model: type[models.Model], rows: Sequence[models.Model]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=CHUNK)  # type: ignore[attr-defined,no-any-return]


class _Timer:
    def __init__(self, out: Callable[[str], None]) -> None:
        self.out = out
        self.totals: dict[str, float] = {}

    def add(self, name: str, started: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + time.perf_counter() - started


def seed(*, couples: int = 2000, batch: int = 100, out: Callable[[str], None] = print) -> None:
    # Models here, not at the top: web.py and scale_out.py import this module before Django is set up.
    from allauth.account.models import EmailAddress

    from checkins.models import SCALE_FIELDS, AckKind, Acknowledgement, CheckIn, Visibility
    from repair.couples.models import Couple, Membership, SafetyCheck, User
    from repair.program.content import program
    from repair.program.models import ExerciseCompletion, ProgramEntry
    from rituals.models import GratitudeNote, OccurrenceMark, ScheduledRitual

    if User.objects.filter(email__endswith="@" + EMAIL_DOMAIN).exists():
        raise SystemExit(
            "This database already has bench users; seed a fresh one (make bench recreates repair_load)."
        )

    rng = random.Random(20260701)
    started_all = time.perf_counter()
    timer = _Timer(out)
    password_hash = make_password(BENCH_PASSWORD)
    now = timezone.now()
    today = now.date()
    year_ago = now - timedelta(days=366)
    first_stage = program().stages[0]
    done_exercises = [e for e in first_stage.exercises if e.required][:5]
    reflections = [e for e in done_exercises if e.type in ("reflection", "reveal")]
    counts: dict[str, int] = {}

    def count(name: str, rows: Iterable[object]) -> None:
        counts[name] = counts.get(name, 0) + sum(1 for _ in rows)

    for start in range(0, couples, batch):
        indexes = range(start, min(start + batch, couples))
        with transaction.atomic():
            t = time.perf_counter()
            users = _bulk(
                User,
                [
                    User(
                        email=bench_email(i, side),
                        display_name=f"{'Sam' if side == 'a' else 'Alex'} {i}",
                        time_zone=ZONES[i % len(ZONES)],
                        password=password_hash,
                        date_joined=year_ago,
                    )
                    for i in indexes
                    for side in ("a", "b")
                ],
            )
            _bulk(
                EmailAddress,
                [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
            )
            _bulk(SafetyCheck, [SafetyCheck(user=u, completed_at=year_ago) for u in users])
            couple_rows = _bulk(Couple, [Couple(created_at=year_ago) for _ in indexes])
            pairs = [
                (couple, users[2 * n], users[2 * n + 1]) for n, couple in enumerate(couple_rows)
            ]
            _bulk(
                Membership,
                [
                    Membership(couple=c, user=u, joined_at=year_ago)
                    for c, a, b in pairs
                    for u in (a, b)
                ],
            )
            timer.add("users, couples", t)

            # A year of check-ins: most days, scales only; a few with a line of text.
            t = time.perf_counter()
            checkins = []
            for c, a, b in pairs:
                for person in (a, b):
                    for back in range(365, 0, -1):
                        if rng.random() < 0.15:
                            continue
                        values = {f: rng.randint(1, 5) for f in SCALE_FIELDS}
                        note = rng.choice(NOTES) if rng.random() < 0.03 else ""
                        shared = rng.random() < 0.7
                        stamp = now - timedelta(days=back)
                        checkins.append(
                            CheckIn(
                                user=person,
                                couple=c,
                                local_date=today - timedelta(days=back),
                                visibility=Visibility.SHARED if shared else Visibility.PRIVATE,
                                shared_fields=list(SCALE_FIELDS) if shared else [],
                                helped=note,
                                created_at=stamp,
                                updated_at=stamp,
                                **values,
                            )
                        )
            checkins = _bulk(CheckIn, checkins)
            count("check-ins", checkins)
            timer.add("check-ins", t)

            t = time.perf_counter()
            partner_of = {a.pk: b for _, a, b in pairs} | {b.pk: a for _, a, b in pairs}
            acks = [
                Acknowledgement(
                    checkin=ci,
                    by=partner_of[ci.user_id],
                    kind=rng.choice((AckKind.HEART, AckKind.THANKS)),
                    created_at=ci.created_at,
                )
                for ci in checkins
                if ci.visibility == Visibility.SHARED and rng.random() < 0.25
            ]
            _bulk(Acknowledgement, acks)
            count("acknowledgements", acks)
            timer.add("acknowledgements", t)

            # The program: the first stage's opening exercises done, reflections written.
            t = time.perf_counter()
            completions = [
                ExerciseCompletion(couple=c, user=u, exercise=e.slug, completed_at=year_ago)
                for c, a, b in pairs
                for u in (a, b)
                for e in done_exercises
            ]
            _bulk(ExerciseCompletion, completions)
            entries = [
                ProgramEntry(
                    couple=c,
                    user=u,
                    exercise=e.slug,
                    text="What I needed was to know you would stay in the room.",
                    submitted_at=year_ago,
                    updated_at=year_ago,
                )
                for c, a, b in pairs
                for u in (a, b)
                for e in reflections
            ]
            _bulk(ProgramEntry, entries)
            count("program completions", completions)
            count("program entries", entries)
            timer.add("program", t)

            # Rituals: a weekly conversation and a daily breath, a year old, with marks.
            t = time.perf_counter()
            rituals = _bulk(
                ScheduledRitual,
                [
                    ScheduledRitual(
                        couple=c,
                        ritual=slug,
                        cadence=cadence,
                        weekday=weekday,
                        local_time=at,
                        created_by=a,
                        created_at=year_ago,
                    )
                    for c, a, b in pairs
                    for slug, cadence, weekday, at in (
                        ("weekly-conversation", "weekly", 2, dtime(19, 30)),
                        ("reset-breath", "daily", None, dtime(21, 0)),
                    )
                ],
            )
            members = {c.pk: (a, b) for c, a, b in pairs}
            marks = []
            for ritual in rituals:
                if ritual.cadence == "weekly":
                    days = [
                        today - timedelta(days=back)
                        for back in range(1, 366)
                        if (today - timedelta(days=back)).weekday() == 2
                    ]
                else:
                    days = [today - timedelta(days=back) for back in range(1, 91, 2)]
                for day in days:
                    for person in members[ritual.couple_id]:
                        marks.append(
                            OccurrenceMark(
                                ritual=ritual,
                                user=person,
                                date=day,
                                status="kept" if rng.random() < 0.8 else "skipped",
                                marked_at=datetime.combine(day, ritual.local_time, tzinfo=UTC),
                            )
                        )
            _bulk(OccurrenceMark, marks)
            count("ritual marks", marks)
            notes = [
                GratitudeNote(couple=c, sender=b, text="Thank you for the tea.")
                for c, a, b in pairs
            ]
            _bulk(GratitudeNote, notes)
            timer.add("rituals", t)
        done = indexes.stop
        if done % 500 == 0 or done == couples:
            out(f"  {done:>6} couples  {time.perf_counter() - started_all:7.1f} s")

    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timer.add("analyze", t)
    total = time.perf_counter() - started_all
    out(f"Seeded {couples} couples ({2 * couples} people) in {total:.1f} s:")
    for name, n in counts.items():
        out(f"  {name:<22} {n:>10}")
    out("Time by step: " + ", ".join(f"{k} {v:.1f} s" for k, v in timer.totals.items()))
