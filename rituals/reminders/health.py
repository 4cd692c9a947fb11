"""Step 5, health: what an operator needs to see (``manage.py reminders_status``). Is beat queuing
ticks, are workers running them, is the mail server taking the emails? Counts only; nothing about
any person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from repair.celery import app
from rituals.models import Heartbeat, Reminder, ReminderSend, SendStatus

# A tick older than this means nothing is ticking (beat queues one a minute).
TICK_STALE = timedelta(minutes=3)
# Sends still pending or claimed this long after they were made are stuck.
STUCK_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class ReminderHealth:
    now: datetime
    last_tick: datetime | None
    due_now: int
    overdue: int
    queue_depth: int | None
    sent_last_hour: int
    skipped_last_hour: int
    refused_last_hour: int
    # Back to pending after a temporary failure (4xx, timeout, no connection), waiting to retry.
    retrying: int
    last_failure: str
    last_sent_at: datetime | None
    stuck: int

    @property
    def tick_stale(self) -> bool:
        return self.last_tick is None or self.now - self.last_tick > TICK_STALE

    def problems(self) -> list[str]:
        """Plain sentences naming what is wrong, most urgent first; empty when all is well."""
        found = []
        if self.tick_stale:
            ago = (
                "has never run"
                if self.last_tick is None
                else f"last ran {int((self.now - self.last_tick).total_seconds())} s ago"
            )
            if self.queue_depth:
                found.append(
                    f"Workers are down or stuck: the reminders tick {ago}, and {self.queue_depth} "
                    "tasks are waiting in the queue, so beat is still queuing them. Start (or "
                    "restart) the Celery workers; nothing is lost, late reminders are recorded "
                    "as skipped."
                )
            elif self.queue_depth == 0:
                found.append(
                    f"Beat is down: the reminders tick {ago} and the queue is empty, so nothing "
                    "is queuing ticks. Start Celery beat."
                )
            else:
                found.append(
                    f"Nothing is ticking: the reminders tick {ago}. Beat or every worker is "
                    "down (this broker cannot tell the queue depth, so not which one)."
                )
        if self.retrying:
            since = (
                "nothing has been sent in the last hour"
                if self.last_sent_at is None or self.now - self.last_sent_at > timedelta(hours=1)
                else f"the last email went out {int((self.now - self.last_sent_at).total_seconds())} s ago"
            )
            found.append(
                f"The mail server is failing: {self.retrying} sends are waiting to retry after a "
                f"temporary failure (latest: {self.last_failure or 'unknown'}); {since}. Each is "
                "retried with a growing pause and recorded as skipped once two hours late."
            )
        if self.refused_last_hour:
            found.append(
                f"The mail server refused {self.refused_last_hour} sends for good in the last "
                "hour (a 5xx reply); they are not retried."
            )
        if self.stuck:
            found.append(
                f"{self.stuck} sends have been pending or claimed for more than 5 minutes "
                "without a failure recorded: workers are not getting to them."
            )
        return found


def reminder_health(*, now: datetime | None = None) -> ReminderHealth:
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    tick = Heartbeat.objects.filter(name="reminders-tick").values_list("beat_at", flat=True).first()
    recent = ReminderSend.objects.filter(created_at__gte=hour_ago)
    retrying = ReminderSend.objects.filter(status=SendStatus.PENDING, next_attempt_at__isnull=False)
    last_failure = (
        retrying.order_by("-next_attempt_at").values_list("reason", flat=True).first() or ""
    )
    return ReminderHealth(
        now=now,
        last_tick=tick,
        due_now=Reminder.objects.filter(next_due_at__lte=now).count(),
        overdue=Reminder.objects.filter(next_due_at__lte=now - STUCK_AFTER).count(),
        queue_depth=_queue_depth(),
        sent_last_hour=recent.filter(status=SendStatus.SENT).count(),
        skipped_last_hour=recent.filter(status=SendStatus.SKIPPED).count(),
        refused_last_hour=recent.filter(status=SendStatus.REFUSED).count(),
        retrying=retrying.count(),
        last_failure=last_failure,
        last_sent_at=ReminderSend.objects.filter(
            status=SendStatus.SENT, sent_at__gte=hour_ago
        ).aggregate(last=Max("sent_at"))["last"],
        stuck=ReminderSend.objects.filter(
            Q(status=SendStatus.PENDING, next_attempt_at__isnull=True)
            | Q(status=SendStatus.SENDING),
            created_at__lt=now - STUCK_AFTER,
        ).count(),
    )


def _queue_depth() -> int | None:
    """Messages waiting in Celery's default queue, where the broker can tell."""
    try:
        with app.connection_for_write() as connection:
            channel: Any = connection.default_channel  # kombu's stubs don't list queue_declare
            return int(channel.queue_declare(queue="celery", passive=True).message_count)
    except Exception:
        return None


def heartbeat_record(*, name: str, now: datetime | None = None) -> Heartbeat:
    """Record that a periodic task ran: the proof that beat and a worker are both alive."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now()}
    )
    return heartbeat
