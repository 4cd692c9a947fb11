"""Step 2, the tick: beat runs it once a minute. It claims due reminders with ``SELECT … FOR
UPDATE SKIP LOCKED``, writes one ``ReminderSend`` per occurrence (unique on reminder + due time,
so two ticks or two beats cannot make two), moves each reminder on to its next time in the person's
zone, and enqueues the sends in chunks after commit. It also re-enqueues sends a dead worker or a
lost message left behind, and those whose back-off after a temporary failure has run out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from celery import current_app
from django.db import connection as db
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rituals.models import Proposal, Reminder, ReminderSend, SendStatus
from rituals.reminders.health import heartbeat_record
from rituals.reminders.send import REQUEUE_AFTER, db_time, lease, table
from rituals.reminders.sync import DUE_FIELDS, next_for

ENQUEUE_CHUNK = 200
# Up to this many distinct next times in a batch are saved with one UPDATE each (_save_next_due).
SAVE_GROUPS_MAX = 50
SEND_TASK = "rituals.tasks.send_reminders"
NOT_STARTED = (Proposal.WAITING, Proposal.NOT_NOW)


@dataclass(frozen=True)
class TickResult:
    claimed: int
    enqueued: int
    requeued: int


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def tick(
    *,
    now: datetime | None = None,
    batch_size: int = 1000,
    enqueue: Callable[[list[int]], None] | None = None,
) -> TickResult:
    """Claim every due reminder, record one send per occurrence, move each reminder on to its next
    time, and enqueue the sends once the transaction has committed."""
    now = now or timezone.now()
    enqueue = enqueue or _enqueue
    claimed = enqueued = 0
    while True:
        with transaction.atomic():
            due = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(next_due_at__lte=now)
                # Belt and braces (sync already leaves it null): a ritual for both that waits for
                # the partner's yes reminds nobody, not even the one who suggested it.
                .exclude(ritual__proposal__in=NOT_STARTED)
                .order_by("next_due_at")
                .values_list(*DUE_FIELDS)[:batch_size]
            )
            if not due:
                break
            ids = _record_sends(reminder_ids=[row[0] for row in due], now=now)
            # From now, not from the missed time: after downtime, one late send, not a burst.
            _save_next_due([(row[0], next_for(row, now)) for row in due])
            transaction.on_commit(partial(_enqueue_all, enqueue, ids))
        claimed += len(due)
        enqueued += len(ids)
        if len(due) < batch_size:
            break
    requeued = _requeue_stuck(now=now, enqueue=enqueue)
    heartbeat_record(name="reminders-tick", now=now)
    return TickResult(claimed=claimed, enqueued=enqueued, requeued=requeued)


def _record_sends(*, reminder_ids: list[int], now: datetime) -> list[int]:
    """One pending ``ReminderSend`` per reminder for its current due time, in one statement, and
    the ids of the rows this tick made. The unique (reminder, due time) makes a second tick, or a
    second beat, a no-op here (``ON CONFLICT DO NOTHING``): a row another tick made is enqueued
    by that tick. Plain SQL because the ORM's ``bulk_create`` spent more time preparing 1,000
    objects than PostgreSQL spent inserting them, and could not say which rows were new."""
    sends, reminders = table(ReminderSend), table(Reminder)
    marks = ", ".join(["%s"] * len(reminder_ids))
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {sends} (reminder_id, due_at, status, reason, attempts, created_at) "  # noqa: S608
            f"SELECT id, COALESCE(next_due_at, %s), %s, '', 0, %s FROM {reminders} "
            f"WHERE id IN ({marks}) "
            "ON CONFLICT (reminder_id, due_at) DO NOTHING RETURNING id",
            [db_time(now), SendStatus.PENDING, db_time(now), *reminder_ids],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _save_next_due(moves: list[tuple[int, datetime | None]]) -> None:
    """Write each reminder's new ``next_due_at``. Reminders due in the same minute mostly share
    their next time (same rule, same zone), so it is one plain UPDATE per distinct time (of which
    a batch of 1,000 has a handful), and a CASE per row only when there are many."""
    by_time: dict[datetime | None, list[int]] = defaultdict(list)
    for pk, moment in moves:
        by_time[moment].append(pk)
    if len(by_time) > SAVE_GROUPS_MAX:
        Reminder.objects.bulk_update(
            [Reminder(pk=pk, next_due_at=moment) for pk, moment in moves], ["next_due_at"]
        )
        return
    reminders = table(Reminder)
    with db.cursor() as cursor:
        for moment, pks in by_time.items():
            marks = ", ".join(["%s"] * len(pks))
            cursor.execute(
                f"UPDATE {reminders} SET next_due_at = %s WHERE id IN ({marks})",  # noqa: S608
                [None if moment is None else db_time(moment), *pks],
            )


def _enqueue_all(enqueue: Callable[[list[int]], None], ids: list[int]) -> None:
    for chunk in _chunks(ids, ENQUEUE_CHUNK):
        enqueue(chunk)


def _enqueue(ids: list[int]) -> None:
    # By name: rituals/tasks.py imports this module, so importing the task here would be a cycle.
    current_app.signature(SEND_TASK, args=(ids,)).delay()


def _requeue_stuck(*, now: datetime, enqueue: Callable[[list[int]], None]) -> int:
    """Sends a dead worker or a lost message left behind, and temporary failures whose back-off
    is over, go back on the queue. Sending them twice is prevented by the claim in ``send``, not
    by this."""
    stuck = list(
        ReminderSend.objects.filter(
            Q(
                status=SendStatus.PENDING,
                created_at__lt=now - REQUEUE_AFTER,
                next_attempt_at__isnull=True,
            )
            | Q(status=SendStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=SendStatus.SENDING, claimed_at__lt=now - lease())
        ).values_list("pk", flat=True)[:10_000]
    )
    _enqueue_all(enqueue, stuck)
    return len(stuck)
