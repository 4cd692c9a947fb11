"""What one reminder email costs in the worker's CPU, step by step, and what the stock message
would cost instead of ``CompactEmail`` (issue 17: the hand-built MIME writer stays only if the stock
message, with a policy that does not fold ``List-Unsubscribe``, misses the 100,000-in-5-minutes bar).

    .venv/bin/python -m tests.bench.mime

No database: the reminder is built from unsaved rows. For each build it prints the milliseconds of
CPU per email (best of 5 rounds of 500) and what 100,000 of them alone would take on this machine's
cores. Not part of `make test`; figures are in docs/performance.md, "Reminders"."""

from __future__ import annotations

import email.policy
import os
import time
from collections.abc import Callable

import django

ROUNDS, PER_ROUND, BURST = 5, 500, 100_000


def _cpu_ms(build: Callable[[], object]) -> float:
    build()
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(PER_ROUND):
            build()
        best = min(best, (time.process_time() - start) / PER_ROUND * 1000)
    return best


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repair.settings")
    os.environ.setdefault("SITE_URL", "https://mend.example.org")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "0123456789" * 4)
    os.environ.setdefault("DEBUG", "false")
    django.setup()
    # After django.setup(): Django's mail classes and our models need the app registry.
    from django.core.mail import EmailMultiAlternatives

    from repair.couples.models import User
    from rituals.models import Reminder, ReminderKind, ReminderSend
    from rituals.reminders import reminder_email

    person = User(pk=12345, email="person.12345@example.com", display_name="Person 12345")
    row = ReminderSend(pk=67890, reminder=Reminder(user=person, kind=ReminderKind.CHECKIN))
    built = reminder_email(row)
    # The stock message: Django's own build, with the modern SMTP policy told not to fold a line
    # below RFC 5322's limit of 998 characters (the default, 78, folds List-Unsubscribe into
    # encoded-words that mail clients do not decode).
    unfolded = email.policy.SMTP.clone(max_line_length=998)

    def stock() -> bytes:
        message = EmailMultiAlternatives(
            subject=built.subject, body=built.body, to=built.to, headers=built.extra_headers
        )
        message.attach_alternative(built.alternatives[0][0], "text/html")
        return message.message(policy=unfolded).as_bytes()

    stock_bytes = stock()
    header = next(
        line for line in stock_bytes.split(b"\r\n") if line.startswith(b"List-Unsubscribe:")
    )
    assert b"=?" not in header, header  # the policy keeps the link readable

    cores = os.cpu_count() or 1
    steps = {
        "reminder_email(): both bodies rendered, headers, unsubscribe token": lambda: (
            reminder_email(row)
        ),
        "CompactEmail: message() and as_bytes()": lambda: built.message(
            policy=email.policy.SMTP
        ).as_bytes(),
        "stock EmailMultiAlternatives, SMTP policy at 998: message() and as_bytes()": stock,
    }
    width = max(map(len, steps))
    print(f"{'CPU per email (best of 5 × 500)'.ljust(width)}  {'ms':>6}  100,000 on {cores} cores")
    for label, build in steps.items():
        ms = _cpu_ms(build)
        print(f"{label.ljust(width)}  {ms:6.3f}  {ms * BURST / 1000 / cores:6.0f} s")


if __name__ == "__main__":
    main()
