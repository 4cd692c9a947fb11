"""The Celery app: JSON only, late acks, time limits, and the beat schedule, declared here and only here.

The broker comes from settings: Redis when REDIS_URL is set; otherwise (``make run`` on a laptop) kombu's
filesystem transport under var/celery, so a real worker and a real beat run with no server at all.
Eager mode is never configured here: only unit tests switch it on.
"""

from __future__ import annotations

import os

from celery import Celery
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repair.settings")

app = Celery("repair")
# Only CELERY_BROKER_URL and CELERY_BROKER_TRANSPORT_OPTIONS come from settings (they depend on the
# environment); everything about how tasks behave is fixed here.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    result_backend=None,
    # A task is acknowledged only when it has finished, so a worker that dies mid-task leaves it on
    # the queue for another worker. Every task must therefore be safe to run twice.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=120,
    task_soft_time_limit=90,
    timezone="UTC",
    enable_utc=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@app.on_after_configure.connect
def _beat_schedule(sender: Celery, **kwargs: object) -> None:
    """The whole beat schedule, in one place. Later work adds its ticks here: one tick over indexed
    rows, never one entry per person, and never ETA/countdown tasks."""

    sender.conf.beat_schedule = {
        "heartbeat": {
            "task": "repair.tasks.heartbeat",
            "schedule": float(settings.HEARTBEAT_SECONDS),
        },
        # Reminders, the weekly summary among them: one tick a minute over the indexed
        # next_due_at (rituals/reminders/).
        "reminders-tick": {"task": "rituals.tasks.reminders_tick", "schedule": 60.0},
    }


app.autodiscover_tasks()
