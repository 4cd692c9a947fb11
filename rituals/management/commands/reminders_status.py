from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from rituals.reminders.health import reminder_health


class Command(BaseCommand):
    help = (
        "Reminder health for operators: last tick, due and overdue, queue depth, sends, failures."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        health = reminder_health(now=now)
        tick = (
            f"{health.last_tick:%Y-%m-%d %H:%M:%S} UTC ({int((now - health.last_tick).total_seconds())} s ago)"
            if health.last_tick
            else "never"
        )
        depth = (
            "unknown (broker cannot tell)"
            if health.queue_depth is None
            else str(health.queue_depth)
        )
        rows = [
            ("last beat tick", tick),
            ("reminders due now", str(health.due_now)),
            ("overdue by more than 5 minutes", str(health.overdue)),
            ("queue depth", depth),
            ("sent in the last hour", str(health.sent_last_hour)),
            ("skipped in the last hour", str(health.skipped_last_hour)),
            ("refused by the mail server (last hour)", str(health.refused_last_hour)),
            ("waiting to retry after a mail failure", str(health.retrying)),
            ("stuck (older than 5 minutes)", str(health.stuck)),
        ]
        for label, value in rows:
            self.stdout.write(f"{label:<40} {value}")
        problems = health.problems()
        for problem in problems:
            self.stderr.write(self.style.WARNING(problem))
        if not problems:
            self.stdout.write("All well: ticks are running and the mail server is taking emails.")
